//! The genuine Entra-signed assertions of `../shared/fixtures/saml/entra/` (Microsoft's own
//! test tokens, 2017) verify byte for byte with `now` injected, their identity reads back, and
//! any change to signed content breaks them.

use sso_scim_core::ErrorCode;
use sso_scim_core::saml::{SamlSettings, ServiceProvider};
use time::macros::datetime;

const IDP: &str = "https://sts.windows.net/add29489-7269-41f4-8841-b63c95564420/";
const SP: &str = "spn:fe78e0b4-6fe7-47e6-812c-fb75cee266a4";
const ACS: &str = "https://sp.example.test/saml/acs";

fn fixture(name: &str) -> String {
    let path = format!("{}/../../shared/fixtures/saml/entra/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn certificate() -> String {
    let xml = fixture("aad_Saml2Valid.assertion.xml");
    let start = xml.find("<X509Certificate>").unwrap() + "<X509Certificate>".len();
    xml[start..start + xml[start..].find('<').unwrap()].to_owned()
}

fn sp() -> ServiceProvider {
    ServiceProvider::new(SamlSettings::new(SP, ACS, IDP, vec![certificate()])).unwrap()
}

#[test]
fn every_entra_assertion_verifies_and_reads_back() {
    for name in [
        "aad_Saml2TokenValidSigned.assertion.xml",
        "aad_Saml2Valid.assertion.xml",
        "aad_WresultSaml2Valid.assertion.xml",
    ] {
        let canonical = sp().verify_signed_element(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let doc = sso_scim_core::internal::xml::parse_document(&canonical, &Default::default()).unwrap();
        let name_id = doc.descendants().find(|n| n.tag_name().name() == "NameID").unwrap();
        assert_eq!(name_id.text(), Some("RrX3SPSxDw6z4KHaKB2V_mnv0G-LbRZdYvo1RQa1L7s"), "{name}");
        assert!(!canonical.contains("<Signature"), "the verified bytes exclude the enveloped signature");
        assert!(canonical.contains("User1@Cyrano.onmicrosoft.com"));
    }
}

#[test]
fn any_change_to_signed_content_breaks_the_signature() {
    for (from, to) in [
        (">User1<", ">Admin<"),
        ("User1@Cyrano.onmicrosoft.com", "Admin@Cyrano.onmicrosoft.com"),
        ("spn:fe78e0b4", "spn:fe78e0b5"),
        ("NotOnOrAfter=\"2017-04-23T17:11:17.348Z\"", "NotOnOrAfter=\"2027-04-23T17:11:17.348Z\""),
    ] {
        let xml = fixture("aad_Saml2Valid.assertion.xml");
        assert!(xml.contains(from), "{from}");
        let err = sp().verify_signed_element(&xml.replacen(from, to, 1)).unwrap_err();
        assert_eq!(err.code(), ErrorCode::SignatureInvalid, "{from} -> {to}: {err}");
    }
}

#[test]
fn another_certificate_does_not_verify_them() {
    let other =
        std::fs::read_to_string(format!("{}/tests/data/saml/idp-cert.pem", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let sp = ServiceProvider::new(SamlSettings::new(SP, ACS, IDP, vec![other])).unwrap();
    let err = sp.verify_signed_element(&fixture("aad_Saml2Valid.assertion.xml")).unwrap_err();
    assert_eq!(err.code(), ErrorCode::SignatureInvalid);
    assert!(
        err.message().contains("accounts.accesscontrol.windows.net"),
        "the message names the unconfigured certificate: {err}"
    );
}

#[test]
fn the_wrapped_default_shape_passes_the_signature_and_fails_the_profile() {
    let sp = {
        let mut s = SamlSettings::new(SP, ACS, IDP, vec![certificate()]);
        s.allow_idp_initiated = true;
        ServiceProvider::new(s).unwrap()
    };
    let xml = fixture("entra_default_shape_wrapped_response.xml");
    let now = datetime!(2017-04-23 16:16:30 UTC);
    // The 2017 WS-Federation tokens carry no SubjectConfirmationData: a strict SP refuses them,
    // after the signature has verified.
    let err = sp.validate_response(&xml, now, None).unwrap_err();
    assert_eq!(err.code(), ErrorCode::SubjectConfirmationMissing, "{err}");
    let err = sp.validate_response(xml.replacen(">User1<", ">Admin<", 1), now, None).unwrap_err();
    assert_eq!(err.code(), ErrorCode::SignatureInvalid, "{err}");
    let b64 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &xml);
    assert_eq!(sp.validate_response(&b64, now, None).unwrap_err().code(), ErrorCode::SubjectConfirmationMissing);
}
