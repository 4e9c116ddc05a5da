//! The IdP side of the sign-in tests: its metadata for `saml import-metadata`, a response
//! signed for a workspace of a running `serve`, and the ACS form that carries it.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::common::Server;
use crate::saml_support::{IDP_ENTITY, Spec, TestKey};

/// IdP metadata naming `idp`'s certificate.
pub fn idp_metadata(idp: &TestKey) -> String {
    format!(
        r#"<?xml version="1.0"?>
<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{IDP_ENTITY}">
  <IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <KeyDescriptor use="signing"><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>{}</X509Certificate></X509Data></KeyInfo></KeyDescriptor>
    <SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://login.example.test/saml2"/>
  </IDPSSODescriptor>
</EntityDescriptor>"#,
        idp.cert_base64()
    )
}

/// The ACS form posting `response_xml`, with a local RelayState.
pub fn form(response_xml: &str) -> String {
    let encoded = STANDARD.encode(response_xml);
    format!(
        "SAMLResponse={}&RelayState=%2Fprojects",
        form_urlencoded::byte_serialize(encoded.as_bytes()).collect::<String>()
    )
}

/// A valid response for `ws` of `server` (ACS and audience as `serve` configured them), to a
/// request (`in_response_to`) or unsolicited.
pub fn spec_for(server: &Server, ws: &str, sp_entity: &str, in_response_to: Option<&str>, response_id: &str) -> Spec {
    let now = OffsetDateTime::now_utc();
    let at = |minutes: i64| (now + time::Duration::minutes(minutes)).format(&Rfc3339).unwrap();
    let acs = format!("http://{}/saml/{ws}/acs", server.addr);
    Spec {
        response_id: response_id.into(),
        assertion_id: format!("{response_id}-assertion"),
        issue_instant: at(0),
        destination: Some(acs.clone()),
        recipient: acs,
        in_response_to: in_response_to.map(str::to_owned),
        confirmation_in_response_to: in_response_to.map(str::to_owned),
        confirmation_not_on_or_after: at(5),
        not_before: at(-5),
        not_on_or_after: at(60),
        audiences: vec![sp_entity.to_owned()],
        ..Spec::default()
    }
}

/// Import `idp`'s metadata into workspace `ws` with the CLI (ACS and entity ID under
/// `public_url`, `more` flags such as `--allow-idp-initiated`); returns our entity ID.
pub fn import(db: &std::path::Path, ws: &str, public_url: &str, idp: &TestKey, more: &[&str]) -> String {
    let file = std::env::temp_dir().join(format!("sso-scim-idp-{}-{ws}.xml", std::process::id()));
    std::fs::write(&file, idp_metadata(idp)).unwrap();
    let mut args = vec!["saml", "import-metadata", "--workspace", ws, "--public-url", public_url];
    args.extend_from_slice(more);
    args.push(file.to_str().unwrap());
    let imported = crate::common::run_ok(db, &args);
    std::fs::remove_file(&file).unwrap();
    imported
        .lines()
        .find_map(|l| l.strip_prefix("Our entity ID (Entra \"Identifier\"): "))
        .expect("import prints our entity ID")
        .trim()
        .to_owned()
}
