//! Median cost of validating a SAMLResponse on one core (parse, both canonicalizations, RSA
//! verify, profile checks, identity from the verified bytes), for the three shapes in issue 3:
//! Entra's default (≈5 KB, assertion signed, RSA-2048), both signed (≈7 KB), and 150 group
//! values (≈15 KB). Inputs are the base64 form values a browser posts.
//!
//! Run: `cargo bench -p sso-scim-core --bench saml`.

#[path = "../tests/saml_support/mod.rs"]
mod saml_support;

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use saml_support::*;
use sso_scim_core::saml::ServiceProvider;

fn saml(c: &mut Criterion) {
    let idp = TestKey::load("idp");
    let sp = ServiceProvider::new(settings(&idp)).unwrap();
    let mut groups = Spec::default();
    groups.attributes.push((
        "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups".into(),
        (0..150).map(|i| format!("{i:08x}-1b2c-4d3e-8f4a-5b6c7d8e9f0a")).collect(),
    ));
    let shapes = [
        ("entra_default_assertion_signed", Spec::default().signed(&idp)),
        ("both_signed", Spec::default().both_signed(&idp)),
        ("groups_150", groups.signed(&idp)),
    ];
    let mut g = c.benchmark_group("validate_response");
    for (name, xml) in &shapes {
        let form = form_value(xml);
        eprintln!("{name}: {} bytes XML, {} bytes base64", xml.len(), form.len());
        assert!(sp.validate_response(&form, NOW, Some(REQUEST_ID)).is_ok());
        g.throughput(Throughput::Bytes(xml.len() as u64));
        g.bench_function(*name, |b| b.iter(|| sp.validate_response(black_box(&form), NOW, Some(REQUEST_ID)).unwrap()));
    }
    g.finish();
}

criterion_group!(benches, saml);
criterion_main!(benches);
