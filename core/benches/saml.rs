//! Median cost of validating a SAMLResponse on one core (parse, both canonicalizations, RSA
//! verify, profile checks, identity from the verified bytes), for the three shapes in issue 3:
//! Entra's default (≈5 KB, assertion signed, RSA-2048), both signed (≈7 KB), and 150 group
//! values (≈15 KB). Inputs are the base64 form values a browser posts.
//!
//! The `adversarial` group validates every hostile shape of `tests/saml_bombs` at 256 KB, in
//! the form found (refused by a pre-check) and in the largest form the pre-checks admit
//! (parsed, canonicalized and accepted or refused by the signature): the goal is ≤ 5 ms each.
//!
//! Run: `make bench-saml` (`cargo bench -p sso-scim-core --bench saml`).

#[path = "../tests/saml_support/mod.rs"]
mod saml_support;

#[path = "../tests/saml_bombs/mod.rs"]
mod saml_bombs;

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

fn adversarial(c: &mut Criterion) {
    let idp = TestKey::load("idp");
    let sp = ServiceProvider::new(settings(&idp)).unwrap();
    let mut g = c.benchmark_group("adversarial_256k"); // 250 KB of hostile content, ≈256 KB in all
    for bomb in saml_bombs::bombs(&idp, 250_000) {
        let answer = sp.validate_response(&bomb.xml, NOW, Some(REQUEST_ID));
        assert_eq!(answer.is_ok(), bomb.accepted, "{}: {:?}", bomb.name, answer.err());
        eprintln!(
            "{}: {} bytes, {}",
            bomb.name,
            bomb.xml.len(),
            answer.err().map_or("accepted".into(), |e| e.code().as_str().to_owned())
        );
        g.throughput(Throughput::Bytes(bomb.xml.len() as u64));
        g.bench_function(&bomb.name, |b| b.iter(|| sp.validate_response(black_box(&bomb.xml), NOW, Some(REQUEST_ID))));
    }
    g.finish();
}

criterion_group!(benches, saml, adversarial);
criterion_main!(benches);
