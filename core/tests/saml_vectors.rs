//! SAML vectors: `tests/vectors/saml/*.json` (format: `tests/vectors/README.md`).
//!
//! The cases are built here — responses signed at test time with the throwaway keys of
//! `tests/data/saml`, by our test signer and by the `xmlsec1` CLI — and written to JSON so
//! every binding runs exactly the same inputs. `every_saml_vector_passes` runs the committed
//! files; `saml_vectors_are_fresh` rebuilds them in memory and fails on any difference
//! (`UPDATE_SAML_VECTORS=1` rewrites them). RSA PKCS#1 v1.5 is deterministic, so those
//! responses are byte-stable; ECDSA and encryption are randomised and marked
//! `"deterministic": false` (compared without their response bytes).

mod saml_support;

#[path = "saml_vectors/hardening.rs"]
mod hardening;
#[path = "saml_vectors/keys.rs"]
mod keys;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use saml_support::*;
use serde_json::{Map, Value, json};
use sso_scim_core::executor::now_or_never;
use sso_scim_core::login::{LoginDecision, decide};
use sso_scim_core::saml::{SamlError, SamlSettings, ServiceProvider};
use sso_scim_core::{MemoryDirectory, UserRecord, UserState, Workspace};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

const NOW_TEXT: &str = "2026-03-04T12:00:05Z";
const EVIL_NAME: &str = "admin@corp.example";

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/saml")
}

/// One case of a vector file.
struct Case {
    name: String,
    response: Option<String>,
    response_file: Option<String>,
    operation: Option<&'static str>,
    now: Option<String>,
    request_id: Option<Option<String>>,
    pending_request_ids: Option<Vec<String>>,
    settings: Option<Value>,
    expect: Value,
    deterministic: bool,
}

impl Case {
    fn new(name: &str, response: String, expect: Value) -> Case {
        Case {
            name: name.to_owned(),
            response: Some(response),
            response_file: None,
            operation: None,
            now: None,
            request_id: None,
            pending_request_ids: None,
            settings: None,
            expect,
            deterministic: true,
        }
    }

    fn ok(name: &str, xml: &str) -> Case {
        Case::new(name, form_value(xml), json!({"ok": true, "identity": {"name_id": "jdoe@contoso.com"}}))
    }

    fn err(name: &str, xml: &str, code: &str) -> Case {
        Case::new(name, form_value(xml), json!({"ok": false, "error": code}))
    }

    fn raw(mut self) -> Case {
        self.response = self.response.map(|b| String::from_utf8(STANDARD.decode(b).unwrap()).unwrap());
        self
    }

    fn now(mut self, now: &str) -> Case {
        self.now = Some(now.to_owned());
        self
    }

    fn unsolicited(mut self) -> Case {
        self.request_id = Some(None);
        self
    }

    /// Validate through the list form, with these requests pending (`request_id` unused).
    fn pending(mut self, ids: &[&str]) -> Case {
        self.pending_request_ids = Some(ids.iter().map(|id| (*id).to_owned()).collect());
        self
    }

    fn settings(mut self, patch: Value) -> Case {
        self.settings = Some(patch);
        self
    }

    fn identity(mut self, facts: Value) -> Case {
        self.expect = json!({"ok": true, "identity": facts});
        self
    }

    fn random(mut self) -> Case {
        self.deterministic = false;
        self
    }

    fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("name".into(), json!(self.name));
        if let Some(op) = self.operation {
            m.insert("operation".into(), json!(op));
        }
        if let Some(now) = &self.now {
            m.insert("now".into(), json!(now));
        }
        if let Some(rid) = &self.request_id {
            m.insert("request_id".into(), json!(rid));
        }
        if let Some(ids) = &self.pending_request_ids {
            m.insert("pending_request_ids".into(), json!(ids));
        }
        if let Some(s) = &self.settings {
            m.insert("settings".into(), s.clone());
        }
        if let Some(r) = &self.response {
            m.insert("response".into(), json!(r));
        }
        if let Some(f) = &self.response_file {
            m.insert("response_file".into(), json!(f));
        }
        if !self.deterministic {
            m.insert("deterministic".into(), json!(false));
        }
        m.insert("expect".into(), self.expect.clone());
        Value::Object(m)
    }
}

struct VectorFile {
    name: &'static str,
    description: &'static str,
    settings: Value,
    cases: Vec<Case>,
    extra: Map<String, Value>,
}

impl VectorFile {
    fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("description".into(), json!(self.description));
        m.insert("now".into(), json!(NOW_TEXT));
        m.insert("request_id".into(), json!(REQUEST_ID));
        m.insert("settings".into(), self.settings.clone());
        for (k, v) in &self.extra {
            m.insert(k.clone(), v.clone());
        }
        m.insert("cases".into(), Value::Array(self.cases.iter().map(Case::to_json).collect()));
        Value::Object(m)
    }
}

fn base_settings(idp: &TestKey) -> Value {
    serde_json::to_value(settings(idp)).unwrap()
}

/// The Signature element (our signer writes `ds:`-prefixed signatures).
fn signature_of(xml: &str) -> &str {
    let start = xml.find("<ds:Signature").expect("a signature");
    let end = xml[start..].find("</ds:Signature>").expect("closed") + start + "</ds:Signature>".len();
    &xml[start..end]
}

fn evil_spec() -> Spec {
    Spec { assertion_id: "_evil-assertion".into(), name_id: EVIL_NAME.into(), ..Spec::default() }
}

fn status_xml() -> &'static str {
    r#"<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>"#
}

fn response_open(id: &str) -> String {
    format!(
        r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="{id}" Version="2.0" IssueInstant="2026-03-04T12:00:00.123Z" Destination="{ACS}" InResponseTo="{REQUEST_ID}"><Issuer xmlns="urn:oasis:names:tc:SAML:2.0:assertion">{IDP_ENTITY}</Issuer>"#
    )
}

fn digest_b64(xml: &str, id: &str) -> String {
    let doc = saml_support::parse_xml(xml).unwrap();
    let node = doc.descendants().find(|n| n.attribute("ID") == Some(id)).unwrap();
    let sig = node.children().find(|c| c.tag_name().name() == "Signature");
    let mut out = Vec::new();
    let opts = sso_scim_core::saml::xml::c14n::C14nOptions { exclude: sig.map(|s| s.id()), ..Default::default() };
    sso_scim_core::saml::xml::c14n::canonicalize(node, &opts, &mut out).unwrap();
    STANDARD.encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &out))
}

fn accept_file() -> VectorFile {
    let idp = TestKey::load("idp");
    let b = Spec::default();
    let default_xml = b.signed(&idp);
    let full = json!({
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
    });
    let b64 = form_value(&default_xml);
    let wrapped: String =
        b64.as_bytes().chunks(76).map(|c| format!("{}\r\n", std::str::from_utf8(c).unwrap())).collect();
    let xmlsec_assertion = xmlsec1_sign(&b.assertion(), &b.assertion_id, &idp, &SignOptions::default());
    let xmlsec_both = xmlsec1_sign(&b.response_with(&xmlsec_assertion), &b.response_id, &idp, &SignOptions::default());
    let with = |opts: SignOptions| b.response_with(&sign(&b.assertion(), &b.assertion_id, &idp, &opts));
    let idp2 = TestKey::load("idp2");
    let ec = TestKey::load("idp-ec");
    let unsolicited = Spec { in_response_to: None, confirmation_in_response_to: None, ..Spec::default() };
    let mut groups = Spec::default();
    groups.attributes.push((
        "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups".into(),
        (0..150).map(|i| format!("{i:08x}-1b2c-4d3e-8f4a-5b6c7d8e9f0a")).collect(),
    ));
    let unused_ns = b.response_with(&sign(
        &b.assertion().replacen(
            "<Assertion xmlns=\"urn:oasis:names:tc:SAML:2.0:assertion\"",
            "<Assertion xmlns=\"urn:oasis:names:tc:SAML:2.0:assertion\" xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" xmlns:unused=\"urn:example:unused\"",
            1,
        ),
        &b.assertion_id,
        &idp,
        &SignOptions::default(),
    ));
    let injected = Spec { name_id: "admin@corp.example.evil.com".into(), ..Spec::default() };
    let injected_signed = injected.signed(&idp);
    let crlf_spec = {
        let mut s = Spec::default();
        s.attributes.push(("urn:example:multiline".into(), vec!["line one\nline two".into()]));
        s
    };
    let cr_ref = b.response_with(&sign(
        &b.assertion().replacen(
            "<AttributeValue>John</AttributeValue>",
            "<AttributeValue>Jo&#13;hn</AttributeValue>",
            1,
        ),
        &b.assertion_id,
        &idp,
        &SignOptions::default(),
    ));
    let cases = vec![
        Case::ok("Entra default: unsigned Response, signed Assertion (base64 form value)", &default_xml).identity(full),
        Case::ok("the same as raw XML", &default_xml).raw(),
        Case::new(
            "the same base64 broken into CRLF lines",
            wrapped,
            json!({"ok": true, "identity": {"name_id": "jdoe@contoso.com"}}),
        ),
        Case::ok("both signed (Sign SAML response and assertion)", &b.both_signed(&idp)),
        Case::ok("only the Response signed; the assertion inside is covered", &b.response_signed(&idp)),
        Case::ok("assertion signed by the xmlsec1 CLI (independent signer)", &b.response_with(&xmlsec_assertion)),
        Case::ok("both signed by the xmlsec1 CLI", &xmlsec_both),
        Case::ok(
            "RSA-SHA512 with a SHA-512 digest",
            &with(SignOptions { signature_method: RSA_SHA512, digest_method: SHA512, ..Default::default() }),
        ),
        Case::ok("RSA-SHA384", &with(SignOptions::method(RSA_SHA384))),
        Case::ok(
            "ECDSA P-256 with SHA-256",
            &b.response_with(&sign(&b.assertion(), &b.assertion_id, &ec, &SignOptions::method(ECDSA_SHA256))),
        )
        .settings(json!({"idp_certificates": [ec.cert_pem]}))
        .random(),
        Case::ok("certificate rollover: signed by the second of two configured certificates", &b.signed(&idp2))
            .settings(json!({"idp_certificates": [idp.cert_pem, idp2.cert_pem]})),
        Case::ok(
            "RSA-SHA1 and SHA-1 accepted only because allow_sha1 is set (signed by xmlsec1)",
            &b.response_with(&xmlsec1_sign(
                &b.assertion(),
                &b.assertion_id,
                &idp,
                &SignOptions { signature_method: RSA_SHA1, digest_method: SHA1, ..Default::default() },
            )),
        )
        .settings(json!({"allow_sha1": true})),
        Case::ok("IdP-initiated (no InResponseTo anywhere) when allow_idp_initiated is set", &unsolicited.signed(&idp))
            .unsolicited()
            .settings(json!({"allow_idp_initiated": true}))
            .identity(json!({"name_id": "jdoe@contoso.com", "in_response_to": null})),
        Case::ok(
            "an InclusiveNamespaces PrefixList on the exc-c14n transform",
            &with(SignOptions { prefix_list: Some("xs #default"), ..Default::default() }),
        ),
        Case::ok("a Signature without KeyInfo", &with(SignOptions { key_info: false, ..Default::default() })),
        Case::ok("150 group claims (15 KB)", &groups.signed(&idp)).identity(json!({
            "name_id": "jdoe@contoso.com",
            "attribute_counts": {"http://schemas.microsoft.com/ws/2008/06/identity/claims/groups": 150}
        })),
        Case::ok("unused namespace declarations on the Assertion", &unused_ns),
        Case::ok(
            "comment injection (X22): a comment splitting the signed NameID is dropped, the identity is whole",
            &injected_signed.replacen(
                "admin@corp.example.evil.com</NameID>",
                "admin@corp.example<!---->.evil.com</NameID>",
                1,
            ),
        )
        .identity(json!({"name_id": "admin@corp.example.evil.com"})),
        Case::ok(
            "a CDATA section splitting the NameID reads back whole",
            &injected_signed.replacen(
                "admin@corp.example.evil.com</NameID>",
                "admin@corp.example<![CDATA[.evil.com]]></NameID>",
                1,
            ),
        )
        .identity(json!({"name_id": "admin@corp.example.evil.com"})),
        Case::ok(
            "a character reference inside the NameID reads back as the character",
            &injected_signed.replacen(
                "admin@corp.example.evil.com</NameID>",
                "admin@corp&#46;example.evil.com</NameID>",
                1,
            ),
        )
        .identity(json!({"name_id": "admin@corp.example.evil.com"})),
        Case::ok(
            "CRLF line ends in transport (X45): normalised before verification",
            &crlf_spec.signed(&idp).replace('\n', "\r\n"),
        )
        .identity(
            json!({"name_id": "jdoe@contoso.com", "attributes": {"urn:example:multiline": ["line one\nline two"]}}),
        ),
        Case::ok("&#13; in signed text survives as a carriage return", &cr_ref)
            .identity(json!({"given_name": "Jo\rhn"})),
    ];
    VectorFile {
        name: "accept",
        description: "Genuine response shapes are accepted and the identity reads back exactly from the signed bytes.",
        settings: base_settings(&idp),
        cases,
        extra: Map::new(),
    }
}

fn xsw_file() -> VectorFile {
    let idp = TestKey::load("idp");
    let b = Spec::default();
    let evil = evil_spec();
    let signed_assertion = sign(&b.assertion(), &b.assertion_id, &idp, &SignOptions::default());
    let assertion_sig = signature_of(&signed_assertion).to_owned();
    let assertion_unsigned = signed_assertion.replacen(&assertion_sig, "", 1);
    let response_signed = b.response_signed(&idp);
    let response_sig = signature_of(&response_signed).to_owned();
    let r1 = response_signed.replacen(&response_sig, "", 1);
    let evil_assertion = evil.assertion();
    let evil_same_id = Spec { name_id: EVIL_NAME.into(), ..Spec::default() }.assertion();

    // X1: the original Response signature, holding the signed Response as its last child, moves
    // into a new root Response that carries the attacker's assertion.
    let xsw1 = format!(
        "{}{}{}{}</samlp:Response>",
        response_open("_evil-response"),
        response_sig.replacen("</ds:Signature>", &format!("{r1}</ds:Signature>"), 1),
        status_xml(),
        evil_assertion
    );
    // X2: the signed Response becomes a sibling; its detached signature stays.
    let xsw2 = format!(
        "{}{}{}{}{}</samlp:Response>",
        response_open("_evil-response"),
        r1,
        response_sig,
        status_xml(),
        evil_assertion
    );
    let with_assertions = |inner: &str| b.response_with(inner);
    let xsw3 = with_assertions(&format!("{evil_assertion}{signed_assertion}"));
    let xsw4 = with_assertions(&evil_assertion.replacen("</Assertion>", &format!("{signed_assertion}</Assertion>"), 1));
    let xsw5 = with_assertions(&format!(
        "{}{}",
        evil_assertion.replacen(
            &format!("<Issuer>{IDP_ENTITY}</Issuer>"),
            &format!("<Issuer>{IDP_ENTITY}</Issuer>{assertion_sig}"),
            1
        ),
        assertion_unsigned
    ));
    let xsw6 = with_assertions(&evil_assertion.replacen(
        &format!("<Issuer>{IDP_ENTITY}</Issuer>"),
        &format!(
            "<Issuer>{IDP_ENTITY}</Issuer>{}",
            assertion_sig.replacen("</ds:Signature>", &format!("{signed_assertion}</ds:Signature>"), 1)
        ),
        1,
    ));
    let xsw7 = b.signed(&idp).replacen(
        status_xml(),
        &format!("<samlp:Extensions>{evil_same_id}</samlp:Extensions>{}", status_xml()),
        1,
    );
    let xsw8 = with_assertions(&evil_same_id.replacen(
        &format!("<Issuer>{IDP_ENTITY}</Issuer>"),
        &format!(
            "<Issuer>{IDP_ENTITY}</Issuer>{}",
            assertion_sig.replacen(
                "</ds:Signature>",
                &format!("<ds:Object>{assertion_unsigned}</ds:Object></ds:Signature>"),
                1
            )
        ),
        1,
    ));
    let xsw9 = with_assertions(&format!(
        "{}<xsw_wrapper>{signed_assertion}</xsw_wrapper>",
        evil_assertion.replacen(
            &format!("<Issuer>{IDP_ENTITY}</Issuer>"),
            &format!("<Issuer>{IDP_ENTITY}</Issuer>{assertion_sig}"),
            1
        )
    ));
    let x10 = with_assertions(&format!("{signed_assertion}{evil_same_id}"));
    let x11 = format!(
        "{}{}{}</samlp:Response>",
        response_open("_evil-response").replacen(
            &format!("{IDP_ENTITY}</Issuer>"),
            &format!("{IDP_ENTITY}{}</Issuer>", b.signed(&idp)),
            1
        ),
        status_xml(),
        evil_assertion
    );
    // X12: a genuine signature over the Response, placed inside the assertion.
    let x12 = {
        let over_response = signature_of(&response_signed).to_owned();
        b.response_with(&b.assertion().replacen(
            &format!("<Issuer>{IDP_ENTITY}</Issuer>"),
            &format!("<Issuer>{IDP_ENTITY}</Issuer>{over_response}"),
            1,
        ))
    };
    let odd_uri = |uri: &str| {
        b.response_with(&sign(
            &b.assertion(),
            &b.assertion_id,
            &idp,
            &SignOptions { reference_uri: Some(uri.to_owned()), ..Default::default() },
        ))
    };
    let decoy = b
        .response_with(&sign(
            &b.assertion(),
            &b.assertion_id,
            &idp,
            &SignOptions { reference_uri: Some("#element(/1/3)".into()), ..Default::default() },
        ))
        .replacen(
            status_xml(),
            &format!(
                r#"<samlp:Extensions><x:y xmlns:x="urn:x" ID="element(/1/3)"/></samlp:Extensions>{}"#,
                status_xml()
            ),
            1,
        );
    let two_roots = format!("{}{}", b.signed(&idp), evil.signed(&TestKey::load("attacker")));
    let cases = vec![
        Case::err(
            "XSW1: the Response signature (holding the signed Response) moved under a forged root",
            &xsw1,
            "assertion_count",
        ),
        Case::err("XSW2: the signed Response as a sibling of a forged assertion", &xsw2, "assertion_count"),
        Case::err("XSW3: a forged assertion before the signed one", &xsw3, "assertion_count"),
        Case::err("XSW4: a forged assertion wrapping the signed one", &xsw4, "assertion_count"),
        Case::err(
            "XSW5: the signature moved into a forged assertion, an unsigned copy appended",
            &xsw5,
            "assertion_count",
        ),
        Case::err(
            "XSW6: the signed assertion hidden inside the forged assertion's signature",
            &xsw6,
            "assertion_count",
        ),
        Case::err("XSW7: a forged assertion with the same ID in Extensions", &xsw7, "duplicate_id"),
        Case::err("XSW8: a forged assertion with the same ID, the original in ds:Object", &xsw8, "duplicate_id"),
        Case::err("X9: the signed assertion concealed in an unknown wrapper", &xsw9, "assertion_count"),
        Case::err("X10 (CVE-2022-41912): two assertions with the same ID", &x10, "duplicate_id"),
        Case::err("X11: the genuine Response inside a forged Response's Issuer", &x11, "assertion_count"),
        Case::err("X12: a signature inside the assertion referencing the Response", &x12, "signature_unsupported"),
        Case::err("X13: Reference URI \"\" (whole document)", &odd_uri(""), "signature_unsupported"),
        Case::err(
            "X13: Reference URI #xpointer(id('…'))",
            &odd_uri(&format!("#xpointer(id('{}'))", b.assertion_id)),
            "signature_unsupported",
        ),
        Case::err(
            "X13: Reference URI with a trailing space",
            &odd_uri(&format!("#{} ", b.assertion_id)),
            "signature_unsupported",
        ),
        Case::err("X13: Reference URI without #", &odd_uri(&b.assertion_id), "signature_unsupported"),
        Case::err("X13: Reference URI #element(/1/3) with a decoy element of that ID", &decoy, "signature_unsupported"),
        Case::err("X26: a second root element after the genuine Response", &two_roots, "xml_malformed"),
    ];
    VectorFile {
        name: "xsw",
        description: "XML signature wrapping (Somorovsky et al. XSW1-8 and relatives, saml.md X1-X13, X26): the signed content never comes back under a forged identity.",
        settings: base_settings(&idp),
        cases,
        extra: Map::new(),
    }
}

fn signature_file() -> VectorFile {
    let idp = TestKey::load("idp");
    let attacker = TestKey::load("attacker");
    let b = Spec::default();
    let evil = evil_spec();
    let default_xml = b.signed(&idp);
    let with = |opts: SignOptions| b.response_with(&sign(&b.assertion(), &b.assertion_id, &idp, &opts));
    let transforms = |t: &str| with(SignOptions { transforms: Some(t.to_owned()), ..Default::default() });
    let t = |alg: &str| format!(r#"<ds:Transform Algorithm="{alg}"/>"#);
    let enveloped = t(ENVELOPED);
    let exc = t(EXC_C14N);
    let sig = signature_of(&default_xml).to_owned();
    let signed_info_start = sig.find("<ds:SignedInfo>").unwrap();
    let signed_info_end = sig.find("</ds:SignedInfo>").unwrap() + "</ds:SignedInfo>".len();
    let signed_info = &sig[signed_info_start..signed_info_end];
    let tampered = default_xml.replacen("jdoe@contoso.com</NameID>", &format!("{EVIL_NAME}</NameID>"), 1);
    let tampered_digest = digest_b64(&tampered, &b.assertion_id);
    let genuine_digest = {
        let start = sig.find("<ds:DigestValue>").unwrap() + "<ds:DigestValue>".len();
        sig[start..start + sig[start..].find('<').unwrap()].to_owned()
    };
    let strip = |xml: &str| xml.replacen(signature_of(xml), "", 1);
    let both = b.both_signed(&idp);
    let status_id = default_xml.replacen("<samlp:Status>", r#"<samlp:Status ID="_status">"#, 1).replacen(&sig, "", 1);
    let wrong_element = {
        let signed_status = sign(&status_id, "_status", &idp, &SignOptions::default());
        let status_sig = signature_of(&signed_status).to_owned();
        signed_status.replacen(&status_sig, "", 1).replacen(
            &format!("{IDP_ENTITY}</Issuer><samlp:Status"),
            &format!("{IDP_ENTITY}</Issuer>{status_sig}<samlp:Status"),
            1,
        )
    };
    let cases = vec![
        Case::err("X14: an XPath filter transform", &transforms(&format!(
            r#"{enveloped}<ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116"><ds:XPath>not(ancestor-or-self::*[@ID='evil'])</ds:XPath></ds:Transform>{exc}"#
        )), "signature_unsupported"),
        Case::err("X15: an XSLT transform (never run)", &transforms(&format!(
            r#"<ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xslt-19991116"><xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform" version="1.0"/></ds:Transform>{enveloped}{exc}"#
        )), "signature_unsupported"),
        Case::err("X15: a base64 transform", &transforms(&format!("{enveloped}{}", t("http://www.w3.org/2000/09/xmldsig#base64"))), "signature_unsupported"),
        Case::err("X15: an XPath Filter 2.0 transform", &transforms(&format!("{enveloped}{}", t("http://www.w3.org/2002/06/xmldsig-filter2"))), "signature_unsupported"),
        Case::err("X15: three transforms", &transforms(&format!("{enveloped}{exc}{exc}")), "signature_unsupported"),
        Case::err("only the enveloped transform (implicit inclusive c14n)", &transforms(&enveloped), "signature_unsupported"),
        Case::err("the transforms in the wrong order", &transforms(&format!("{exc}{enveloped}")), "signature_unsupported"),
        Case::err("inclusive c14n instead of exclusive", &transforms(&format!("{enveloped}{}", t("http://www.w3.org/TR/2001/REC-xml-c14n-20010315"))), "signature_unsupported"),
        Case::err(
            "X16: two SignedInfo elements",
            &default_xml.replacen(signed_info, &format!("{signed_info}{signed_info}"), 1),
            "signature_unsupported",
        ),
        Case::err(
            "X16: a forged SignedInfo in an unknown wrapper before the genuine one",
            &default_xml.replacen(signed_info, &format!("<wrapper>{signed_info}</wrapper>{signed_info}"), 1),
            "signature_unsupported",
        ),
        Case::err(
            "X16: two SignatureValue elements",
            &default_xml.replacen("<ds:KeyInfo>", "<ds:SignatureValue>AAAA</ds:SignatureValue><ds:KeyInfo>", 1),
            "signature_unsupported",
        ),
        Case::err(
            "X17 (CVE-2025-29775): a comment in DigestValue hides the digest of a forged assertion",
            &tampered.replacen(&format!("<ds:DigestValue>{genuine_digest}"), &format!("<ds:DigestValue><!--{tampered_digest}-->{genuine_digest}"), 1),
            "signature_invalid",
        ),
        Case::err(
            "X17: the forged digest after a comment",
            &tampered.replacen(&format!("<ds:DigestValue>{genuine_digest}"), &format!("<ds:DigestValue>{genuine_digest}<!---->{tampered_digest}"), 1),
            "signature_invalid",
        ),
        Case::err(
            "X18 (CVE-2024-45409): a document-wide DigestValue matching the forged assertion",
            &tampered.replacen(
                status_xml(),
                &format!(
                    "<samlp:Extensions><ds:DigestValue xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">{tampered_digest}</ds:DigestValue></samlp:Extensions>{}",
                    status_xml()
                ),
                1,
            ),
            "signature_invalid",
        ),
        Case::err("a forged NameID under the genuine signature", &tampered, "signature_invalid"),
        Case::err(
            "X20: ds rebound to another namespace inside SignedInfo",
            &default_xml.replacen("<ds:Reference ", "<ds:Reference xmlns:ds=\"urn:evil\" ", 1),
            "signature_unsupported",
        ),
        Case::err(
            "X21: an undeclared prefix binding (not namespace-well-formed XML 1.0; c14n could not render it)",
            &default_xml.replacen("<Subject>", "<Subject xmlns:p=\"\">", 1),
            "xml_malformed",
        ),
        Case::err("X24: the assertion signature stripped", &strip(&default_xml), "signature_missing"),
        Case::err("X24: both signatures stripped", &strip(&strip(&both)), "signature_missing"),
        Case::err(
            "X24: an empty SignatureValue",
            &{
                let start = default_xml.find("<ds:SignatureValue>").unwrap() + "<ds:SignatureValue>".len();
                let end = default_xml.find("</ds:SignatureValue>").unwrap();
                format!("{}{}", &default_xml[..start], &default_xml[end..])
            },
            "signature_invalid",
        ),
        Case::err(
            "X24: no SignatureValue element",
            &{
                let start = default_xml.find("<ds:SignatureValue>").unwrap();
                let end = default_xml.find("</ds:SignatureValue>").unwrap() + "</ds:SignatureValue>".len();
                format!("{}{}", &default_xml[..start], &default_xml[end..])
            },
            "signature_unsupported",
        ),
        Case::err(
            "X24: the assertion signature stripped from a both-signed response breaks the Response digest",
            &{
                let inner = signature_of(&both[both.find("<Assertion").unwrap()..]).to_owned();
                both.replacen(&inner, "", 1)
            },
            "signature_invalid",
        ),
        Case::err("X25: a Response signature referencing Status; the assertion unsigned", &wrong_element, "signature_unsupported"),
        Case::err(
            "X28: the forged assertion re-signed with an attacker key and certificate in KeyInfo",
            &evil.signed(&attacker),
            "signature_invalid",
        ),
        Case::err(
            "X28: attacker-signed with RetrievalMethod and KeyName in KeyInfo (nothing fetched)",
            &evil.response_with(&sign(
                &evil.assertion(),
                &evil.assertion_id,
                &attacker,
                &SignOptions {
                    key_info_extra: r#"<ds:KeyName>idp</ds:KeyName><ds:RetrievalMethod URI="http://127.0.0.1:9/key" Type="http://www.w3.org/2000/09/xmldsig#X509Data"/>"#.into(),
                    ..Default::default()
                },
            )),
            "signature_invalid",
        ),
        Case::ok(
            "a genuine signature with junk in KeyInfo still verifies (KeyInfo is never used)",
            &with(SignOptions {
                key_info_extra: r#"<ds:RetrievalMethod URI="file:///dev/zero"/><ds:KeyValue><ds:RSAKeyValue><ds:Modulus>AA==</ds:Modulus><ds:Exponent>AQAB</ds:Exponent></ds:RSAKeyValue></ds:KeyValue>"#.into(),
                ..Default::default()
            }),
        ),
        Case::err(
            "X29: HMAC-SHA256 keyed with the IdP certificate",
            &default_xml.replacen(RSA_SHA256, "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256", 1),
            "algorithm_not_allowed",
        ),
        Case::err(
            "X29: HMAC-SHA1 with HMACOutputLength 0",
            &default_xml.replacen(
                &format!(r#"<ds:SignatureMethod Algorithm="{RSA_SHA256}"/>"#),
                r#"<ds:SignatureMethod Algorithm="http://www.w3.org/2000/09/xmldsig#hmac-sha1"><ds:HMACOutputLength>0</ds:HMACOutputLength></ds:SignatureMethod>"#,
                1,
            ),
            "signature_unsupported",
        ),
        Case::err(
            "X30: RSA-SHA1 without allow_sha1 (signed by xmlsec1)",
            &b.response_with(&xmlsec1_sign(&b.assertion(), &b.assertion_id, &idp, &SignOptions { signature_method: RSA_SHA1, digest_method: SHA1, ..Default::default() })),
            "algorithm_not_allowed",
        ),
        Case::err(
            "X30: a SHA-1 digest under an RSA-SHA256 signature without allow_sha1",
            &with(SignOptions { digest_method: SHA1, ..Default::default() }),
            "algorithm_not_allowed",
        ),
        Case::err(
            "X30: RSA-MD5",
            &default_xml.replacen(RSA_SHA256, "http://www.w3.org/2001/04/xmldsig-more#rsa-md5", 1),
            "algorithm_not_allowed",
        ),
        Case::err(
            "X30: an ECDSA URI over an RSA signature",
            &default_xml.replacen(RSA_SHA256, ECDSA_SHA256, 1),
            "signature_invalid",
        ),
        Case::err(
            "X30: a digest method swapped after signing",
            &default_xml.replacen(SHA256, SHA512, 1),
            "signature_invalid",
        ),
        Case::err(
            "a ds:Object after KeyInfo in an otherwise genuine signature",
            &default_xml.replacen("</ds:KeyInfo></ds:Signature>", "</ds:KeyInfo><ds:Object>anything</ds:Object></ds:Signature>", 1),
            "signature_unsupported",
        ),
        Case::err(
            "text inside the Signature element",
            &default_xml.replacen("</ds:KeyInfo></ds:Signature>", "</ds:KeyInfo>text</ds:Signature>", 1),
            "signature_unsupported",
        ),
        Case::err("two Signatures on the assertion", &default_xml.replacen(&sig, &format!("{sig}{sig}"), 1), "signature_unsupported"),
        Case::err(
            "X36: the signed element identified by Id instead of ID",
            &b.response_with(&sign(&b.assertion(), &b.assertion_id, &idp, &SignOptions::default()))
                .replacen(r#"Assertion xmlns="urn:oasis:names:tc:SAML:2.0:assertion" ID="#, r#"Assertion xmlns="urn:oasis:names:tc:SAML:2.0:assertion" Id="#, 1),
            "signature_unsupported",
        ),
        Case::err(
            "X36: an ID on an unknown element duplicating the assertion ID",
            &default_xml.replacen(status_xml(), &format!(r#"<samlp:Extensions><x:y xmlns:x="urn:x" ID="{}"/></samlp:Extensions>{}"#, b.assertion_id, status_xml()), 1),
            "duplicate_id",
        ),
        Case::err(
            "the SignatureValue of another signature (signed by the attacker) over the genuine SignedInfo",
            &{
                let attacker_signed = b.signed(&attacker);
                let value = |x: &str| {
                    let s = x.find("<ds:SignatureValue>").unwrap() + "<ds:SignatureValue>".len();
                    x[s..s + x[s..].find('<').unwrap()].to_owned()
                };
                default_xml.replacen(&value(&default_xml), &value(&attacker_signed), 1)
            },
            "signature_invalid",
        ),
    ];
    VectorFile {
        name: "signature",
        description: "XML-DSig rules (saml.md X14-X30, X36): exactly one #ID reference to the signature's parent, enveloped + exclusive c14n only, configured keys only, allow-listed algorithms, digest read only from the verified SignedInfo.",
        settings: base_settings(&idp),
        cases,
        extra: Map::new(),
    }
}

fn profile_file() -> VectorFile {
    let idp = TestKey::load("idp");
    let b = Spec::default();
    let with = |f: &dyn Fn(&mut Spec)| {
        let mut s = Spec::default();
        f(&mut s);
        s.signed(&idp)
    };
    let both_with = |f: &dyn Fn(&mut Spec)| {
        let mut s = Spec::default();
        f(&mut s);
        s.both_signed(&idp)
    };
    let destination = |d: &str| with(&|s| s.destination = Some(d.to_owned()));
    let recipient = |r: &str| with(&|s| s.recipient = r.to_owned());
    let second_restriction = b.response_with(&sign(
        &b.assertion().replacen(
            "<AudienceRestriction>",
            "<AudienceRestriction><Audience>https://other.example/</Audience></AudienceRestriction><AudienceRestriction>",
            1,
        ),
        &b.assertion_id,
        &idp,
        &SignOptions::default(),
    ));
    let cases = vec![
        Case::err("Issuer of the assertion is another IdP", &with(&|s| s.assertion_issuer = "https://sts.windows.net/evil/".into()), "issuer_mismatch"),
        Case::ok("Issuer with surrounding whitespace compares trimmed (xs:anyURI collapses it)", &with(&|s| s.assertion_issuer = format!(" {IDP_ENTITY}"))),
        Case::err("Issuer of the Response differs", &with(&|s| s.response_issuer = Some("https://idp.evil/".into())), "issuer_mismatch"),
        Case::ok("no Issuer on the Response (optional)", &with(&|s| s.response_issuer = None)),
        Case::err(
            "Issuer with a non-entity Format",
            &{
                let s = Spec::default();
                s.response_with(&sign(
                    &s.assertion().replacen("<Issuer>", r#"<Issuer Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">"#, 1),
                    &s.assertion_id,
                    &idp,
                    &SignOptions::default(),
                ))
            },
            "issuer_mismatch",
        ),
        Case::err("Destination with a suffix (X39)", &destination(&format!("{ACS}.evil.com")), "destination_mismatch"),
        Case::err("Destination with a trailing slash", &destination(&format!("{ACS}/")), "destination_mismatch"),
        Case::err("Destination in another case", &destination(&ACS.to_uppercase()), "destination_mismatch"),
        Case::err("Destination with a port", &destination("https://app.example.test:443/saml/acs"), "destination_mismatch"),
        Case::err("Destination with a query", &destination(&format!("{ACS}?x=1")), "destination_mismatch"),
        Case::err("Destination with dot segments", &destination("https://app.example.test/saml/acs/../acs"), "destination_mismatch"),
        Case::ok("no Destination on an unsigned Response", &with(&|s| s.destination = None)),
        Case::err("no Destination on a signed Response", &both_with(&|s| s.destination = None), "destination_mismatch"),
        Case::err("Recipient another host carrying ours in the query (X39)", &recipient(&format!("https://evil.example/?{ACS}")), "recipient_mismatch"),
        Case::err("Recipient with a suffix", &recipient(&format!("{ACS}x")), "recipient_mismatch"),
        Case::err("Audience of another SP", &with(&|s| s.audiences = vec!["https://other.example/".into()]), "audience_mismatch"),
        Case::err("an empty Audience", &with(&|s| s.audiences = vec![String::new()]), "audience_mismatch"),
        Case::err("our Audience in only one of two AudienceRestrictions", &second_restriction, "audience_mismatch"),
        Case::ok("our Audience among several in one restriction", &with(&|s| s.audiences = vec!["https://other.example/".into(), SP_ENTITY.into()])),
        Case::err("an AudienceRestriction without Audience", &with(&|s| s.audiences = vec![]), "audience_mismatch"),
        Case::err(
            "no AudienceRestriction",
            &{
                let s = Spec::default();
                let a = s.assertion().replacen(&format!("<AudienceRestriction><Audience>{SP_ENTITY}</Audience></AudienceRestriction>"), "", 1);
                s.response_with(&sign(&a, &s.assertion_id, &idp, &SignOptions::default()))
            },
            "audience_mismatch",
        ),
        Case::err("InResponseTo of another request (X38)", &with(&|s| {
            s.in_response_to = Some("_other".into());
            s.confirmation_in_response_to = Some("_other".into());
        }), "in_response_to_mismatch"),
        Case::err("SubjectConfirmationData InResponseTo differs from the Response's", &with(&|s| s.confirmation_in_response_to = Some("_other".into())), "in_response_to_mismatch"),
        Case::err("no InResponseTo while a request is outstanding", &with(&|s| {
            s.in_response_to = None;
            s.confirmation_in_response_to = None;
        }), "in_response_to_mismatch"),
        Case::err("unsolicited while allow_idp_initiated is off (default)", &with(&|s| {
            s.in_response_to = None;
            s.confirmation_in_response_to = None;
        }), "unsolicited_response")
        .unsolicited(),
        Case::err("answers a request this SP does not know (expired or another browser)", &b.signed(&idp), "in_response_to_mismatch")
            .unsolicited()
            .settings(json!({"allow_idp_initiated": true})),
        // The list form: the host passes every request this browser has pending.
        Case::ok("pending list: the claimed request is among several pending", &b.signed(&idp))
            .pending(&["_older-request", REQUEST_ID, "_newer-request"])
            .identity(json!({"name_id": "jdoe@contoso.com", "in_response_to": REQUEST_ID})),
        Case::err("pending list: the claimed request is not among those pending", &b.signed(&idp), "in_response_to_mismatch")
            .pending(&["_older-request", "_newer-request"]),
        Case::ok("pending list: InResponseTo only on the signed confirmation, among those pending", &with(&|s| s.in_response_to = None))
            .pending(&["_older-request", REQUEST_ID])
            .identity(json!({"name_id": "jdoe@contoso.com", "in_response_to": REQUEST_ID})),
        Case::err(
            "pending list: the unsigned Response claims a pending request, the signed confirmation another",
            &with(&|s| s.confirmation_in_response_to = Some("_another-browser".into())),
            "in_response_to_mismatch",
        )
        .pending(&[REQUEST_ID]),
        Case::ok("pending list: none pending, an unsolicited response, allow_idp_initiated", &with(&|s| {
            s.in_response_to = None;
            s.confirmation_in_response_to = None;
        }))
        .pending(&[])
        .settings(json!({"allow_idp_initiated": true}))
        .identity(json!({"name_id": "jdoe@contoso.com", "in_response_to": null})),
        Case::err("pending list: none pending, a solicited response, allow_idp_initiated", &b.signed(&idp), "in_response_to_mismatch")
            .pending(&[])
            .settings(json!({"allow_idp_initiated": true})),
        Case::err("pending list: a request pending, an unsolicited response, allow_idp_initiated off", &with(&|s| {
            s.in_response_to = None;
            s.confirmation_in_response_to = None;
        }), "unsolicited_response")
        .pending(&[REQUEST_ID]),
        Case::err("status Requester / RequestDenied with a signed assertion (X41)", &with(&|s| s.status = "urn:oasis:names:tc:SAML:2.0:status:Requester".into()), "status_not_success"),
        Case::err(
            "status Responder with a nested AuthnFailed and an AADSTS message",
            &b.signed(&idp).replacen(
                status_xml(),
                r#"<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Responder"><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:AuthnFailed"/></samlp:StatusCode><samlp:StatusMessage>AADSTS50105: The signed in user is not assigned to a role for the application.</samlp:StatusMessage></samlp:Status>"#,
                1,
            ),
            "status_not_success",
        ),
        Case::err("no StatusCode", &b.signed(&idp).replacen(status_xml(), "<samlp:Status/>", 1), "malformed_response"),
        Case::err("expired: now is the confirmation NotOnOrAfter plus the skew (exclusive)", &b.signed(&idp), "expired").now("2026-03-04T12:08:00.123Z"),
        Case::ok("valid a millisecond before", &b.signed(&idp)).now("2026-03-04T12:08:00.122Z"),
        Case::err(
            "SubjectConfirmationData expired while the Conditions are valid",
            &with(&|s| s.confirmation_not_on_or_after = "2026-03-04T11:56:00Z".into()),
            "expired",
        ),
        Case::err("Conditions NotOnOrAfter passed", &with(&|s| s.not_on_or_after = "2026-03-04T11:56:00Z".into()), "expired"),
        Case::ok("NotBefore exactly now plus the skew", &with(&|s| s.not_before = "2026-03-04T12:03:05Z".into())),
        Case::err("NotBefore a millisecond beyond the skew", &with(&|s| s.not_before = "2026-03-04T12:03:05.001Z".into()), "not_yet_valid"),
        Case::ok(
            "seven fraction digits and offsets",
            &with(&|s| {
                s.not_before = "2026-03-04T12:55:00.1234567+01:00".into();
                s.not_on_or_after = "2026-03-04T08:00:00.1234567-05:00".into();
                s.confirmation_not_on_or_after = "2026-03-04T12:05:00Z".into();
            }),
        ),
        Case::err("a time without a timezone", &with(&|s| s.not_on_or_after = "2026-03-04T13:00:00".into()), "malformed_response"),
        Case::err("second 60", &with(&|s| s.not_on_or_after = "2026-03-04T12:59:60Z".into()), "malformed_response"),
        Case::err("year 10000", &with(&|s| s.not_on_or_after = "10000-01-01T00:00:00Z".into()), "malformed_response"),
        Case::err(
            "a holder-of-key confirmation only (signed that way)",
            &{
                let s = Spec::default();
                s.response_with(&sign(&s.assertion().replacen("cm:bearer", "cm:holder-of-key", 1), &s.assertion_id, &idp, &SignOptions::default()))
            },
            "subject_confirmation_missing",
        ),
        Case::err(
            "a bearer confirmation without NotOnOrAfter",
            &{
                let s = Spec::default();
                let a = s.assertion().replacen(&format!(r#" NotOnOrAfter="{}""#, s.confirmation_not_on_or_after), "", 1);
                s.response_with(&sign(&a, &s.assertion_id, &idp, &SignOptions::default()))
            },
            "malformed_response",
        ),
        Case::err(
            "no Conditions",
            &{
                let s = Spec::default();
                let a = s.assertion();
                let start = a.find("<Conditions").unwrap();
                let end = a.find("</Conditions>").unwrap() + "</Conditions>".len();
                s.response_with(&sign(&format!("{}{}", &a[..start], &a[end..]), &s.assertion_id, &idp, &SignOptions::default()))
            },
            "malformed_response",
        ),
        Case::err(
            "an unknown condition",
            &{
                let s = Spec::default();
                let a = s.assertion().replacen("</Conditions>", "<Condition xmlns:x=\"urn:x\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"x:Geo\"/></Conditions>", 1);
                s.response_with(&sign(&a, &s.assertion_id, &idp, &SignOptions::default()))
            },
            "malformed_response",
        ),
        Case::err("an empty NameID", &with(&|s| s.name_id = String::new()), "name_id_missing"),
        Case::err(
            "Assertion Version 1.1",
            &{
                let s = Spec::default();
                s.response_with(&sign(&s.assertion().replacen("Version=\"2.0\"", "Version=\"1.1\"", 1), &s.assertion_id, &idp, &SignOptions::default()))
            },
            "malformed_response",
        ),
        Case::err("Response Version 1.1", &b.signed(&idp).replacen(r#"Version="2.0" IssueInstant"#, r#"Version="1.1" IssueInstant"#, 1), "malformed_response"),
        Case::ok("clock skew 0 still accepts a response inside its window", &b.signed(&idp)).settings(json!({"clock_skew_seconds": 0})),
        Case::err("clock skew 0 refuses a NotBefore a second ahead", &with(&|s| s.not_before = "2026-03-04T12:00:06Z".into()), "not_yet_valid")
            .settings(json!({"clock_skew_seconds": 0})),
        Case::err("require_signed_response refuses Entra's default shape", &b.signed(&idp), "signature_missing")
            .settings(json!({"require_signed_response": true})),
        Case::ok("require_signed_response accepts both signed", &b.both_signed(&idp)).settings(json!({"require_signed_response": true})),
    ];
    VectorFile {
        name: "profile",
        description: "Web Browser SSO profile checks (saml.md §1.6, X38-X42): Issuer, Destination, Recipient, Audience, InResponseTo, Status, time windows with skew, bearer confirmation; exact string matches only.",
        settings: base_settings(&idp),
        cases,
        extra: Map::new(),
    }
}

fn input_file() -> VectorFile {
    let idp = TestKey::load("idp");
    let b = Spec::default();
    let xml = b.signed(&idp);
    let in_extensions = |inner: &str| {
        xml.replacen(status_xml(), &format!("<samlp:Extensions>{inner}</samlp:Extensions>{}", status_xml()), 1)
    };
    let deep = format!("{}{}", "<x:d xmlns:x=\"urn:x\">".repeat(60), "</x:d>".repeat(60));
    let many_attrs: String = (0..65).map(|i| format!(" a{i}=\"v\"")).collect();
    let many_ns: String = (0..200).map(|i| format!(" xmlns:p{i}=\"urn:p{i}\"")).collect();
    let bom = {
        let mut bytes = vec![0xEF, 0xBB, 0xBF];
        bytes.extend(xml.as_bytes());
        STANDARD.encode(bytes)
    };
    let cases = vec![
        Case::err(
            "X33: XXE through an external entity",
            &format!(
                "<!DOCTYPE samlp:Response [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>{}",
                xml.replacen("jdoe@contoso.com</NameID>", "&x;</NameID>", 1)
            ),
            "xml_doctype_forbidden",
        ),
        Case::err(
            "X33: an external DTD subset",
            &format!("<!DOCTYPE samlp:Response SYSTEM \"http://127.0.0.1:9/x.dtd\">{xml}"),
            "xml_doctype_forbidden",
        ),
        Case::err(
            "X33: a parameter entity",
            &format!("<!DOCTYPE samlp:Response [<!ENTITY % p SYSTEM \"http://127.0.0.1:9/p\"> %p;]>{xml}"),
            "xml_doctype_forbidden",
        ),
        Case::err(
            "X34: billion laughs",
            &format!(
                "<!DOCTYPE samlp:Response [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]>{}",
                xml.replacen("jdoe@contoso.com</NameID>", "&c;</NameID>", 1)
            ),
            "xml_doctype_forbidden",
        ),
        Case::err(
            "X19 (CVE-2025-25291): an ATTLIST declaring another ID attribute",
            &format!("<!DOCTYPE samlp:Response [<!ATTLIST Assertion ID2 ID #IMPLIED>]>{xml}"),
            "xml_doctype_forbidden",
        ),
        Case::ok(
            "an xi:include is inert: never processed, nothing fetched",
            &in_extensions(
                r#"<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd" parse="text"/>"#,
            ),
        ),
        Case::err("X26: trailing junk after the root", &format!("{xml}junk"), "xml_malformed"),
        Case::err("a raw ampersand", &in_extensions("<x:y xmlns:x=\"urn:x\">a & b</x:y>"), "xml_malformed"),
        Case::err("an undefined entity", &in_extensions("<x:y xmlns:x=\"urn:x\">&nbsp;</x:y>"), "xml_malformed"),
        Case::err("larger than max_response_bytes", &xml, "saml_input_too_large")
            .settings(json!({"max_response_bytes": 2048})),
        Case::err("the raw XML larger than max_response_bytes", &xml, "saml_input_too_large")
            .settings(json!({"max_response_bytes": 2048}))
            .raw(),
        Case::err("X34: nested 60 deep", &in_extensions(&deep), "xml_limit_exceeded"),
        Case::err(
            "X34: 65 attributes on one element",
            &in_extensions(&format!("<x:y xmlns:x=\"urn:x\"{many_attrs}/>")),
            "xml_limit_exceeded",
        ),
        Case::err("X34: 200 namespace declarations", &in_extensions(&format!("<x:y{many_ns}/>")), "xml_limit_exceeded"),
        Case::err("more nodes than xml_limits.max_nodes", &xml, "xml_limit_exceeded")
            .settings(json!({"xml_limits": {"max_nodes": 50}})),
        Case::new("not base64 and not XML", "!!!not base64!!!".into(), json!({"ok": false, "error": "saml_encoding"})),
        Case::new(
            "still URL-encoded",
            format!("{}%3D", &form_value(&xml)[..40]),
            json!({"ok": false, "error": "saml_encoding"}),
        ),
        Case::new(
            "base64 of something that is not XML",
            STANDARD.encode("hello world"),
            json!({"ok": false, "error": "saml_encoding"}),
        ),
        Case::new(
            "base64 of invalid UTF-8",
            STANDARD.encode(b"<samlp:Response>\xff\xfe</samlp:Response>"),
            json!({"ok": false, "error": "saml_encoding"}),
        ),
        Case::new(
            "a UTF-8 byte order mark before the XML",
            bom,
            json!({"ok": true, "identity": {"name_id": "jdoe@contoso.com"}}),
        ),
        Case::err(
            "the root is an AuthnRequest",
            &format!(
                r#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_x" Version="2.0" IssueInstant="{}"/>"#,
                b.issue_instant
            ),
            "malformed_response",
        ),
        Case::err(
            "the root is a bare Assertion",
            &sign(&b.assertion(), &b.assertion_id, &idp, &SignOptions::default()),
            "malformed_response",
        ),
        Case::err(
            "a Response in another namespace",
            &xml.replacen("urn:oasis:names:tc:SAML:2.0:protocol", "urn:oasis:names:tc:SAML:1.0:protocol", 1),
            "malformed_response",
        ),
        Case::err("no assertion at all", &b.response_with(""), "assertion_count"),
        Case::err(
            "an ID holding whitespace",
            &xml.replacen(&format!("ID=\"{}\"", b.response_id), "ID=\"_r1 x\"", 1),
            "malformed_response",
        ),
        Case::err(
            "X34: a 100 KB SignatureValue",
            &{
                let start = xml.find("<ds:SignatureValue>").unwrap() + "<ds:SignatureValue>".len();
                let end = xml.find("</ds:SignatureValue>").unwrap();
                format!("{}{}{}", &xml[..start], "A".repeat(100_000), &xml[end..])
            },
            "signature_invalid",
        ),
    ];
    VectorFile {
        name: "input",
        description: "Hardened input (saml.md §1.2, X19, X26, X33, X34): base64 or raw XML, size cap, no DTD or entities ever, well-formed only, depth/node/attribute/namespace limits.",
        settings: base_settings(&idp),
        cases,
        extra: Map::new(),
    }
}

fn encrypted_file() -> VectorFile {
    let idp = TestKey::load("idp");
    let sp = TestKey::load("sp");
    let attacker = TestKey::load("attacker");
    let b = Spec::default();
    let evil = evil_spec();
    let signed_assertion = sign(&b.assertion(), &b.assertion_id, &idp, &SignOptions::default());
    let gcm = b.response_with(&encrypt(&signed_assertion, &sp, false));
    let flip = |xml: &str| {
        // Flip a byte in the middle of the data CipherValue (the second CipherValue).
        let first = xml.find("<xenc:CipherValue>").unwrap() + 1;
        let start = xml[first..].find("<xenc:CipherValue>").unwrap() + first + "<xenc:CipherValue>".len();
        let end = xml[start..].find('<').unwrap() + start;
        let mut data = STANDARD.decode(&xml[start..end]).unwrap();
        let mid = data.len() / 2;
        data[mid] ^= 0x01;
        format!("{}{}{}", &xml[..start], STANDARD.encode(data), &xml[end..])
    };
    let covered =
        sign(&b.response_with(&encrypt(&b.assertion(), &sp, true)), &b.response_id, &idp, &SignOptions::default());
    let cases = vec![
        Case::ok("AES-256-GCM with RSA-OAEP (SHA-1, MGF1-SHA-1), signed assertion inside", &gcm).random(),
        Case::ok(
            "AES-256-GCM with xmlenc11 RSA-OAEP (SHA-256, MGF1-SHA-256)",
            &b.response_with(&encrypt(&signed_assertion, &sp, true)),
        )
        .random(),
        Case::ok("AES-128-GCM with RSA-OAEP", &b.response_with(&encrypt_gcm(&signed_assertion, &sp, false, 16)))
            .random(),
        Case::ok("AES-256-CBC with RSA-OAEP", &b.response_with(&encrypt_cbc(&signed_assertion, &sp))).random(),
        Case::ok(
            "an unsigned assertion inside a signed Response: the Response signature covers the ciphertext",
            &covered,
        )
        .random(),
        Case::err(
            "X31: a forged unsigned assertion encrypted to the SP in an unsigned Response",
            &b.response_with(&encrypt(&evil.assertion(), &sp, false)),
            "decryption_failed",
        )
        .random(),
        Case::err("X32: a flipped ciphertext byte (GCM)", &flip(&gcm), "decryption_failed").random(),
        Case::err(
            "X32: a flipped ciphertext byte (CBC)",
            &flip(&b.response_with(&encrypt_cbc(&signed_assertion, &sp))),
            "decryption_failed",
        )
        .random(),
        Case::err(
            "X32: GCM ciphertext relabelled as CBC",
            &gcm.replacen("xmlenc11#aes256-gcm", "xmlenc#aes256-cbc", 1).replacen(
                "http://www.w3.org/2009/xmlenc#aes256-cbc",
                "http://www.w3.org/2001/04/xmlenc#aes256-cbc",
                1,
            ),
            "decryption_failed",
        )
        .random(),
        Case::err(
            "X32: RSA-1_5 key transport",
            &gcm.replacen("xmlenc#rsa-oaep-mgf1p", "xmlenc#rsa-1_5", 1),
            "decryption_failed",
        )
        .random(),
        Case::err(
            "encrypted to another key",
            &b.response_with(&encrypt(&signed_assertion, &attacker, false)),
            "decryption_failed",
        )
        .random(),
        Case::err("no SP decryption key configured", &gcm, "decryption_failed")
            .settings(json!({"sp_decryption_keys": []}))
            .random(),
        Case::err(
            "an EncryptedAssertion beside a plain Assertion",
            &b.response_with(&format!("{}{}", encrypt(&signed_assertion, &sp, false), signed_assertion)),
            "assertion_count",
        )
        .random(),
        Case::err(
            "a covered unsigned assertion whose Response signature fails",
            &covered.replacen("<samlp:Status>", "<samlp:Status><!---->", 1).replacen(
                IDP_ENTITY,
                "https://sts.windows.net/0d9a7d32-6a2e-4ef4-9e51-1c5a2a7e3c12/",
                1,
            ),
            "signature_invalid",
        )
        .random(),
    ];
    let mut settings = base_settings(&idp);
    settings["sp_decryption_keys"] = json!([sp.key_pem]);
    VectorFile {
        name: "encrypted",
        description: "EncryptedAssertion (saml.md §1.7, X31, X32): RSA-OAEP key transport, AES-CBC/GCM, one opaque error for every failure of unauthenticated ciphertext.",
        settings,
        cases,
        extra: Map::new(),
    }
}

fn entra_file() -> VectorFile {
    let fixture = |f: &str| format!("../shared/fixtures/saml/entra/{f}");
    let verify = |name: &str, file: &str| Case {
        operation: Some("verify_signed_element"),
        response: None,
        response_file: Some(fixture(file)),
        ..Case::new(
            name,
            String::new(),
            json!({"ok": true, "canonical_contains": ["RrX3SPSxDw6z4KHaKB2V_mnv0G-LbRZdYvo1RQa1L7s", "User1@Cyrano.onmicrosoft.com"]}),
        )
    };
    let mut wrapped = Case {
        response: None,
        response_file: Some(fixture("entra_default_shape_wrapped_response.xml")),
        ..Case::new(
            "the default-shape wrapper: the signature verifies, the 2017 WS-Federation token lacks SubjectConfirmationData",
            String::new(),
            json!({"ok": false, "error": "subject_confirmation_missing"}),
        )
    }
    .unsolicited()
    .settings(json!({"allow_idp_initiated": true}));
    wrapped.now = Some("2017-04-23T16:16:30Z".into());
    let mut extra = Map::new();
    extra.insert("idp_certificates_from".into(), json!([fixture("aad_Saml2Valid.assertion.xml")]));
    VectorFile {
        name: "entra",
        description: "The genuine Entra-signed assertions in ../shared/fixtures/saml/entra/ verify byte for byte (the IdP certificate is the X509Certificate text of the file named in idp_certificates_from; paths are relative to the repository root).",
        settings: json!({
            "sp_entity_id": "spn:fe78e0b4-6fe7-47e6-812c-fb75cee266a4",
            "acs_url": "https://sp.example.test/saml/acs",
            "idp_entity_id": "https://sts.windows.net/add29489-7269-41f4-8841-b63c95564420/",
            "idp_certificates": []
        }),
        cases: vec![
            verify("Saml2TokenValidSigned verifies", "aad_Saml2TokenValidSigned.assertion.xml"),
            verify("Saml2Valid verifies", "aad_Saml2Valid.assertion.xml"),
            verify("WresultSaml2Valid (extra unused xmlns:t) verifies", "aad_WresultSaml2Valid.assertion.xml"),
            wrapped,
        ],
        extra,
    }
}

fn login_file() -> VectorFile {
    let idp = TestKey::load("idp");
    let spec = |id: &str, name: &str| Spec {
        assertion_id: id.into(),
        session_index: id.into(),
        name_id: name.into(),
        ..Spec::default()
    };
    let decision = |name: &str, xml: &str, expect: Value| Case::new(name, form_value(xml), expect);
    let allowed = |user: &str| json!({"decision": "allowed", "user_name": user});
    let refused = |code: &str| json!({"decision": "refused", "code": code});
    let first = spec("_login-1", "jdoe@contoso.com").signed(&idp);
    let by_email = {
        let mut s = spec("_login-7", "RrX3SPSxDw6z4KHaKB2V_mnv0G-LbRZdYvo1RQa1L7s");
        s.name_id_format = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent".into();
        s.signed(&idp)
    };
    let cases = vec![
        decision("an active user signs in", &first, allowed("jdoe@contoso.com")),
        decision("the same assertion again is a replay (X37)", &first, refused("replayed")),
        decision(
            "the same assertion ID in a new response is a replay",
            &{
                let mut s = spec("_login-1", "jdoe@contoso.com");
                s.response_id = "_another-response".into();
                s.signed(&idp)
            },
            refused("replayed"),
        ),
        decision(
            "nobody with that userName",
            &spec("_login-3", "nobody@contoso.com").signed(&idp),
            refused("unknown_user"),
        ),
        decision("an archived user", &spec("_login-4", "archived@contoso.com").signed(&idp), refused("user_archived")),
        decision(
            "a user deleted through SCIM",
            &spec("_login-5", "deleted@contoso.com").signed(&idp),
            refused("user_archived"),
        ),
        decision(
            "the NameID matches the userName case-insensitively",
            &spec("_login-6", "JDoe@Contoso.COM").signed(&idp),
            allowed("jdoe@contoso.com"),
        ),
        decision("lookup by the e-mail attribute", &by_email, allowed("jdoe@contoso.com"))
            .settings(json!({"user_lookup": "email"})),
        decision(
            "a forged response never reaches the directory",
            &evil_spec().signed(&TestKey::load("attacker")),
            json!({"error": "signature_invalid"}),
        ),
    ];
    let mut extra = Map::new();
    extra.insert("kind".into(), json!("login"));
    extra.insert("workspace".into(), json!({"id": "ws-1", "name": "Contoso", "default_role": "Project Manager"}));
    extra.insert(
        "users".into(),
        json!([
            {"user_name": "jdoe@contoso.com", "state": "active"},
            {"user_name": "archived@contoso.com", "state": "archived"},
            {"user_name": "deleted@contoso.com", "state": "deprovisioned"}
        ]),
    );
    VectorFile {
        name: "login",
        description: "Login decisions over an in-memory directory, run in order on one store: allowed, replayed (X37), unknown_user, user_archived; lookup by NameID or e-mail with the SCIM userName key.",
        settings: base_settings(&idp),
        cases,
        extra,
    }
}

fn all_files() -> Vec<VectorFile> {
    vec![
        accept_file(),
        xsw_file(),
        signature_file(),
        profile_file(),
        input_file(),
        encrypted_file(),
        entra_file(),
        login_file(),
        keys::keys_file(),
        hardening::hardening_file(),
    ]
}

// ---------------------------------------------------------------------------------------
// The runner: what every binding reimplements.

fn repo_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(relative)
}

/// The case's settings; `Err` when they do not even read as settings (a case expecting
/// `settings_error` may test that).
fn merged_settings(file: &Value, case: &Value) -> Result<SamlSettings, SamlError> {
    let mut settings = file["settings"].clone();
    for from in file.get("idp_certificates_from").and_then(Value::as_array).into_iter().flatten() {
        let xml = fs::read_to_string(repo_path(from.as_str().unwrap())).unwrap();
        let start = xml.find("<X509Certificate>").unwrap() + "<X509Certificate>".len();
        let cert = &xml[start..start + xml[start..].find('<').unwrap()];
        settings["idp_certificates"].as_array_mut().unwrap().push(json!(cert));
    }
    if let Some(Value::Object(patch)) = case.get("settings") {
        for (k, v) in patch {
            settings[k] = v.clone();
        }
    }
    SamlSettings::from_json(&settings.to_string())
}

fn case_input(case: &Value) -> Vec<u8> {
    match (case.get("response"), case.get("response_file")) {
        (Some(Value::String(r)), _) => r.as_bytes().to_vec(),
        (_, Some(Value::String(f))) => fs::read(repo_path(f)).unwrap(),
        _ => panic!("a case needs response or response_file"),
    }
}

fn case_now(file: &Value, case: &Value) -> OffsetDateTime {
    let text = case.get("now").or_else(|| file.get("now")).and_then(Value::as_str).unwrap();
    OffsetDateTime::parse(text, &Rfc3339).unwrap()
}

/// The pending request IDs of a case validated through the list form, if it is one.
fn case_pending_request_ids(case: &Value) -> Option<Vec<&str>> {
    case.get("pending_request_ids").map(|ids| ids.as_array().unwrap().iter().map(|id| id.as_str().unwrap()).collect())
}

fn case_request_id(file: &Value, case: &Value) -> Option<String> {
    match case.get("request_id") {
        Some(v) => v.as_str().map(str::to_owned),
        None => file.get("request_id").and_then(Value::as_str).map(str::to_owned),
    }
}

fn check_identity(identity: &sso_scim_core::saml::Identity, facts: &Value) -> Vec<String> {
    let actual = serde_json::to_value(identity).unwrap();
    let mut problems = Vec::new();
    for (key, want) in facts.as_object().unwrap() {
        match key.as_str() {
            "attribute_counts" => {
                for (name, n) in want.as_object().unwrap() {
                    let got = identity.attributes.get(name).map(Vec::len);
                    if got != n.as_u64().map(|n| n as usize) {
                        problems.push(format!("attribute {name}: {got:?} values, expected {n}"));
                    }
                }
            }
            "attributes" => {
                for (name, values) in want.as_object().unwrap() {
                    if actual["attributes"].get(name) != Some(values) {
                        problems
                            .push(format!("attribute {name}: {:?}, expected {values}", actual["attributes"].get(name)));
                    }
                }
            }
            // An absent member compares as null (so `null` expects it absent).
            _ if actual.get(key).unwrap_or(&Value::Null) != want => {
                problems.push(format!("{key}: {:?}, expected {want}", actual.get(key)))
            }
            _ => {}
        }
    }
    problems
}

fn run_validation_file(file: &Value) -> Vec<String> {
    let mut failures = Vec::new();
    for case in file["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let expect = &case["expect"];
        let built = merged_settings(file, case).and_then(ServiceProvider::new);
        if let Some(code) = expect.get("settings_error") {
            let problem = match built {
                Err(e) if code == e.code().as_str() => None,
                Err(e) => Some(format!("settings refused with {e}, expected {code}")),
                Ok(_) => Some(format!("settings accepted, expected {code}")),
            };
            let label: String = file["description"].as_str().unwrap_or("").chars().take(30).collect();
            failures.extend(problem.map(|p| format!("{label} / {name}: {p}")));
            continue;
        }
        let sp = built.unwrap_or_else(|e| panic!("{name}: settings: {e}"));
        let input = case_input(case);
        let problems = if case.get("operation").and_then(Value::as_str) == Some("verify_signed_element") {
            match sp.verify_signed_element(std::str::from_utf8(&input).unwrap()) {
                Ok(canonical) if expect["ok"] == true => expect["canonical_contains"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|t| !canonical.contains(t.as_str().unwrap()))
                    .map(|t| format!("canonical bytes lack {t}"))
                    .collect(),
                Ok(_) => vec![format!("accepted, expected {}", expect["error"])],
                Err(e) if expect["error"] == e.code().as_str() => Vec::new(),
                Err(e) => vec![format!("refused with {e}, expected {expect}")],
            }
        } else {
            let now = case_now(file, case);
            let validated = match case_pending_request_ids(case) {
                Some(pending) => sp.validate_response_pending(&input, now, &pending),
                None => sp.validate_response(&input, now, case_request_id(file, case).as_deref()),
            };
            match validated {
                Ok(identity) if expect["ok"] == true => check_identity(&identity, &expect["identity"]),
                Ok(identity) => vec![format!("accepted as {}, expected {}", identity.name_id, expect["error"])],
                Err(e) if expect["error"] == e.code().as_str() => Vec::new(),
                Err(e) => vec![format!("refused with {e}, expected {expect}")],
            }
        };
        if !problems.is_empty() {
            failures.push(format!(
                "{} / {name}: {}",
                file["description"].as_str().unwrap_or("").chars().take(30).collect::<String>(),
                problems.join("; ")
            ));
        }
    }
    failures
}

fn run_login_file(file: &Value) -> Vec<String> {
    let ws: Workspace = serde_json::from_value(file["workspace"].clone()).unwrap();
    let dir = MemoryDirectory::new();
    dir.add_workspace(ws.clone());
    for (i, user) in file["users"].as_array().unwrap().iter().enumerate() {
        let name = user["user_name"].as_str().unwrap();
        let state: UserState = serde_json::from_value(user["state"].clone()).unwrap();
        let doc = json!({"userName": name}).as_object().unwrap().clone();
        let record =
            UserRecord::new(&ws.id, &format!("user-{i}"), &ws.default_role, state, OffsetDateTime::UNIX_EPOCH, doc);
        now_or_never(sso_scim_core::Directory::insert_user(&dir, &record)).unwrap().unwrap();
    }
    let mut failures = Vec::new();
    for case in file["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let sp = ServiceProvider::new(merged_settings(file, case).unwrap()).unwrap();
        let rid = case_request_id(file, case);
        let expect = &case["expect"];
        let outcome = sp.validate_response(case_input(case), case_now(file, case), rid.as_deref());
        let got = match outcome {
            Err(e) => json!({"error": e.code().as_str()}),
            Ok(identity) => match now_or_never(decide(&dir, &ws.id, &sp, &identity)).unwrap() {
                Ok(LoginDecision::Allowed(user)) => json!({"decision": "allowed", "user_name": user.user_name}),
                Ok(LoginDecision::Refused(r)) => json!({"decision": "refused", "code": r.code.as_str()}),
                Err(e) => json!({"error": e.code().as_str()}),
            },
        };
        if &got != expect {
            failures.push(format!("login / {name}: got {got}, expected {expect}"));
        }
    }
    failures
}

#[test]
fn every_saml_vector_passes() {
    let dir = vectors_dir();
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e} (run UPDATE_SAML_VECTORS=1 cargo test --test saml_vectors)", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 8, "expected every SAML vector file, found {}", files.len());
    let mut failures = Vec::new();
    let mut cases = 0;
    for path in &files {
        let file: Value = serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap();
        cases += file["cases"].as_array().unwrap().len();
        if file.get("kind").and_then(Value::as_str) == Some("login") {
            failures.extend(run_login_file(&file));
        } else {
            failures.extend(run_validation_file(&file));
        }
    }
    assert!(failures.is_empty(), "{} of {cases} SAML vector cases failed:\n{}", failures.len(), failures.join("\n"));
    eprintln!("{cases} SAML vector cases passed");
}

/// The committed vectors are what the generator makes now (byte for byte where signing is
/// deterministic). `UPDATE_SAML_VECTORS=1` rewrites them.
#[test]
fn saml_vectors_are_fresh() {
    let update = std::env::var_os("UPDATE_SAML_VECTORS").is_some();
    let dir = vectors_dir();
    fs::create_dir_all(&dir).unwrap();
    let mut stale = Vec::new();
    for file in all_files() {
        let generated = file.to_json();
        let path = dir.join(format!("{}.json", file.name));
        let committed: Option<Value> = fs::read_to_string(&path).ok().and_then(|t| serde_json::from_str(&t).ok());
        let same = committed.as_ref().is_some_and(|c| comparable(c) == comparable(&generated));
        if !same {
            if update {
                let mut text = serde_json::to_string_pretty(&generated).unwrap();
                text.push('\n');
                fs::write(&path, text).unwrap();
            } else {
                stale.push(path.display().to_string());
            }
        }
    }
    assert!(
        stale.is_empty(),
        "stale SAML vectors (UPDATE_SAML_VECTORS=1 cargo test -p sso-scim-core --test saml_vectors): {stale:?}"
    );
}

/// A vector file without the response bytes of randomised cases.
fn comparable(file: &Value) -> Value {
    let mut file = file.clone();
    for case in file["cases"].as_array_mut().into_iter().flatten() {
        if case.get("deterministic") == Some(&json!(false)) {
            case.as_object_mut().unwrap().remove("response");
        }
    }
    file
}

#[test]
fn case_names_are_unique_within_a_file() {
    for file in all_files() {
        let mut seen = BTreeMap::new();
        for case in &file.cases {
            assert!(seen.insert(case.name.clone(), ()).is_none(), "{}: duplicate case {:?}", file.name, case.name);
        }
    }
}
