//! `entra.json`: the genuine Entra-signed assertions of `../shared/fixtures/saml/entra/` (read in
//! place, never copied) verify byte for byte; the IdP certificate is read from one of them.

use serde_json::json;

use super::build::{Case, VectorFile};

/// A fixture's path relative to the repository root, as the vector file names it.
fn fixture(file: &str) -> String {
    format!("../shared/fixtures/saml/entra/{file}")
}

/// `file`'s signed element verifies, and its canonical bytes hold the signed identity.
fn verify(name: &str, file: &str) -> Case {
    let canonical = ["RrX3SPSxDw6z4KHaKB2V_mnv0G-LbRZdYvo1RQa1L7s", "User1@Cyrano.onmicrosoft.com"];
    Case {
        operation: Some("verify_signed_element"),
        response: None,
        response_file: Some(fixture(file)),
        ..Case::new(name, String::new(), json!({"ok": true, "canonical_contains": canonical}))
    }
}

pub(super) fn file() -> VectorFile {
    let wrapped = Case {
        response: None,
        response_file: Some(fixture("entra_default_shape_wrapped_response.xml")),
        ..Case::new(
            "the default-shape wrapper: the signature verifies, the 2017 WS-Federation token lacks SubjectConfirmationData",
            String::new(),
            json!({"ok": false, "error": "subject_confirmation_missing"}),
        )
    }
    .unsolicited()
    .settings(json!({"allow_idp_initiated": true}))
    .now("2017-04-23T16:16:30Z");
    let cases = vec![
        verify("Saml2TokenValidSigned verifies", "aad_Saml2TokenValidSigned.assertion.xml"),
        verify("Saml2Valid verifies", "aad_Saml2Valid.assertion.xml"),
        verify("WresultSaml2Valid (extra unused xmlns:t) verifies", "aad_WresultSaml2Valid.assertion.xml"),
        wrapped,
    ];
    let settings = json!({
        "sp_entity_id": "spn:fe78e0b4-6fe7-47e6-812c-fb75cee266a4",
        "acs_url": "https://sp.example.test/saml/acs",
        "idp_entity_id": "https://sts.windows.net/add29489-7269-41f4-8841-b63c95564420/",
        "idp_certificates": []
    });
    VectorFile::new(
        "entra",
        "The genuine Entra-signed assertions in ../shared/fixtures/saml/entra/ verify byte for byte (the IdP certificate is the X509Certificate text of the file named in idp_certificates_from; paths are relative to the repository root).",
        settings,
        cases,
    )
    .with("idp_certificates_from", json!([fixture("aad_Saml2Valid.assertion.xml")]))
}
