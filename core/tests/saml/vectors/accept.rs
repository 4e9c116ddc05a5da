//! `accept.json`: genuine response shapes — every transport form, signer, algorithm and
//! signature option we support — are accepted, and the identity reads back exactly from the
//! signed bytes (comments, CDATA, character references and line ends included).

use serde_json::{Value, json};

use super::build::{Case, VectorFile, base_settings};
use crate::saml_support::*;

pub(super) fn file() -> VectorFile {
    let idp = TestKey::load("idp");
    let b = Spec::default();
    let mut cases = encodings(&b, &idp);
    cases.extend(signers(&b, &idp));
    cases.extend(options(&b, &idp));
    cases.extend(content(&b, &idp));
    VectorFile::new(
        "accept",
        "Genuine response shapes are accepted and the identity reads back exactly from the signed bytes.",
        base_settings(&idp),
        cases,
    )
}

/// Every member of the identity, as Entra's default response carries it.
fn full_identity(b: &Spec) -> Value {
    json!({
        "name_id": "jdoe@contoso.com",
        "name_id_format": "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
        "session_index": b.assertion_id,
        "email": "jdoe@contoso.com",
        "given_name": "John",
        "family_name": "Doe",
        "display_name": "John Doe",
        "object_id": "7a1c3e5f-2b4d-4f6a-8c0e-9d1b3f5a7c9e",
        "tenant_id": "0d9a7d32-6a2e-4ef4-9e51-1c5a2a7e3c11",
        "issuer": IDP_ENTITY,
        "assertion_id": b.assertion_id,
        "in_response_to": REQUEST_ID,
        "not_on_or_after": "2026-03-04T12:05:00.123Z"
    })
}

/// The same response as a form value, as raw XML, and as base64 broken into lines.
fn encodings(b: &Spec, idp: &TestKey) -> Vec<Case> {
    let default_xml = b.signed(idp);
    let b64 = form_value(&default_xml);
    let wrapped: String =
        b64.as_bytes().chunks(76).map(|c| format!("{}\r\n", std::str::from_utf8(c).unwrap())).collect();
    vec![
        Case::ok("Entra default: unsigned Response, signed Assertion (base64 form value)", &default_xml)
            .identity(full_identity(b)),
        Case::ok("the same as raw XML", &default_xml).raw(),
        Case::new(
            "the same base64 broken into CRLF lines",
            wrapped,
            json!({"ok": true, "identity": {"name_id": "jdoe@contoso.com"}}),
        ),
    ]
}

/// What is signed, by whom (our signer, the xmlsec1 CLI) and with which algorithm and key.
fn signers(b: &Spec, idp: &TestKey) -> Vec<Case> {
    let xmlsec_assertion = xmlsec1_sign(&b.assertion(), &b.assertion_id, idp, &SignOptions::default());
    let xmlsec_both = xmlsec1_sign(&b.response_with(&xmlsec_assertion), &b.response_id, idp, &SignOptions::default());
    let idp2 = TestKey::load("idp2");
    let ec = TestKey::load("idp-ec");
    let sha1 = SignOptions { signature_method: RSA_SHA1, digest_method: SHA1, ..Default::default() };
    vec![
        Case::ok("both signed (Sign SAML response and assertion)", &b.both_signed(idp)),
        Case::ok("only the Response signed; the assertion inside is covered", &b.response_signed(idp)),
        Case::ok("assertion signed by the xmlsec1 CLI (independent signer)", &b.response_with(&xmlsec_assertion)),
        Case::ok("both signed by the xmlsec1 CLI", &xmlsec_both),
        Case::ok(
            "RSA-SHA512 with a SHA-512 digest",
            &b.signed_with(
                idp,
                &SignOptions { signature_method: RSA_SHA512, digest_method: SHA512, ..Default::default() },
            ),
        ),
        Case::ok("RSA-SHA384", &b.signed_with(idp, &SignOptions::method(RSA_SHA384))),
        Case::ok("ECDSA P-256 with SHA-256", &b.signed_with(&ec, &SignOptions::method(ECDSA_SHA256)))
            .settings(json!({"idp_certificates": [ec.cert_pem]}))
            .random(),
        Case::ok("certificate rollover: signed by the second of two configured certificates", &b.signed(&idp2))
            .settings(json!({"idp_certificates": [idp.cert_pem, idp2.cert_pem]})),
        Case::ok(
            "RSA-SHA1 and SHA-1 accepted only because allow_sha1 is set (signed by xmlsec1)",
            &b.response_with(&xmlsec1_sign(&b.assertion(), &b.assertion_id, idp, &sha1)),
        )
        .settings(json!({"allow_sha1": true})),
    ]
}

/// IdP-initiated sign-in, and the optional parts of a Signature.
fn options(b: &Spec, idp: &TestKey) -> Vec<Case> {
    let unsolicited = Spec { in_response_to: None, confirmation_in_response_to: None, ..Spec::default() };
    vec![
        Case::ok("IdP-initiated (no InResponseTo anywhere) when allow_idp_initiated is set", &unsolicited.signed(idp))
            .unsolicited()
            .settings(json!({"allow_idp_initiated": true}))
            .identity(json!({"name_id": "jdoe@contoso.com", "in_response_to": null})),
        Case::ok(
            "an InclusiveNamespaces PrefixList on the exc-c14n transform",
            &b.signed_with(idp, &SignOptions { prefix_list: Some("xs #default"), ..Default::default() }),
        ),
        Case::ok(
            "a Signature without KeyInfo",
            &b.signed_with(idp, &SignOptions { key_info: false, ..Default::default() }),
        ),
    ]
}

/// Signed content that reads back exactly: many claims, namespaces, and the XML constructs
/// (comments, CDATA, references, line ends) that other verifiers have misread.
fn content(b: &Spec, idp: &TestKey) -> Vec<Case> {
    let mut groups = Spec::default();
    groups.attributes.push((
        "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups".into(),
        (0..150).map(|i| format!("{i:08x}-1b2c-4d3e-8f4a-5b6c7d8e9f0a")).collect(),
    ));
    let unused_ns = b.signed_edited(idp, |a| {
        a.replacen(
            "<Assertion xmlns=\"urn:oasis:names:tc:SAML:2.0:assertion\"",
            "<Assertion xmlns=\"urn:oasis:names:tc:SAML:2.0:assertion\" xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" xmlns:unused=\"urn:example:unused\"",
            1,
        )
    });
    let mut crlf_spec = Spec::default();
    crlf_spec.attributes.push(("urn:example:multiline".into(), vec!["line one\nline two".into()]));
    let cr_ref = b.signed_edited(idp, |a| {
        a.replacen("<AttributeValue>John</AttributeValue>", "<AttributeValue>Jo&#13;hn</AttributeValue>", 1)
    });
    let mut cases = vec![
        Case::ok("150 group claims (15 KB)", &groups.signed(idp)).identity(json!({
            "name_id": "jdoe@contoso.com",
            "attribute_counts": {"http://schemas.microsoft.com/ws/2008/06/identity/claims/groups": 150}
        })),
        Case::ok("unused namespace declarations on the Assertion", &unused_ns),
    ];
    cases.extend(split_name_id(idp));
    cases.push(
        Case::ok(
            "CRLF line ends in transport (X45): normalised before verification",
            &crlf_spec.signed(idp).replace('\n', "\r\n"),
        )
        .identity(
            json!({"name_id": "jdoe@contoso.com", "attributes": {"urn:example:multiline": ["line one\nline two"]}}),
        ),
    );
    cases.push(
        Case::ok("&#13; in signed text survives as a carriage return", &cr_ref)
            .identity(json!({"given_name": "Jo\rhn"})),
    );
    cases
}

/// A signed NameID split by a comment, a CDATA section or a character reference reads back
/// whole (X22: a verifier that reads only the first text node signs in another user).
fn split_name_id(idp: &TestKey) -> Vec<Case> {
    let signed = Spec { name_id: "admin@corp.example.evil.com".into(), ..Spec::default() }.signed(idp);
    let split = |with: &str| signed.replacen("admin@corp.example.evil.com</NameID>", with, 1);
    let whole = json!({"name_id": "admin@corp.example.evil.com"});
    vec![
        Case::ok(
            "comment injection (X22): a comment splitting the signed NameID is dropped, the identity is whole",
            &split("admin@corp.example<!---->.evil.com</NameID>"),
        )
        .identity(whole.clone()),
        Case::ok(
            "a CDATA section splitting the NameID reads back whole",
            &split("admin@corp.example<![CDATA[.evil.com]]></NameID>"),
        )
        .identity(whole.clone()),
        Case::ok(
            "a character reference inside the NameID reads back as the character",
            &split("admin@corp&#46;example.evil.com</NameID>"),
        )
        .identity(whole),
    ]
}
