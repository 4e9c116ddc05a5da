//! `input.json`: hardened input (§1.2, X19, X26, X33, X34) — base64 or raw XML, the size cap,
//! no DTD or entity ever, well-formed XML only, and the depth, node, attribute and namespace
//! limits.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;

use super::build::{Case, VectorFile, base_settings, in_extensions, with_content};
use crate::saml_support::*;

pub(super) fn file() -> VectorFile {
    let idp = TestKey::load("idp");
    let b = Spec::default();
    let xml = b.signed(&idp);
    let mut cases = doctypes(&xml);
    cases.extend(well_formed_and_bounded(&xml));
    cases.extend(encodings(&xml));
    cases.extend(roots(&b, &idp, &xml));
    VectorFile::new(
        "input",
        "Hardened input (saml.md §1.2, X19, X26, X33, X34): base64 or raw XML, size cap, no DTD or entities ever, well-formed only, depth/node/attribute/namespace limits.",
        base_settings(&idp),
        cases,
    )
}

/// X19, X33, X34: a DOCTYPE of any kind is refused before anything in it is read; an
/// XInclude is inert.
fn doctypes(xml: &str) -> Vec<Case> {
    let forbidden = |name: &str, xml: &str| Case::err(name, xml, "xml_doctype_forbidden");
    let in_name_id = |entity: &str| xml.replacen("jdoe@contoso.com</NameID>", &format!("{entity}</NameID>"), 1);
    vec![
        forbidden(
            "X33: XXE through an external entity",
            &format!("<!DOCTYPE samlp:Response [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>{}", in_name_id("&x;")),
        ),
        forbidden(
            "X33: an external DTD subset",
            &format!("<!DOCTYPE samlp:Response SYSTEM \"http://127.0.0.1:9/x.dtd\">{xml}"),
        ),
        forbidden(
            "X33: a parameter entity",
            &format!("<!DOCTYPE samlp:Response [<!ENTITY % p SYSTEM \"http://127.0.0.1:9/p\"> %p;]>{xml}"),
        ),
        forbidden(
            "X34: billion laughs",
            &format!(
                "<!DOCTYPE samlp:Response [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]>{}",
                in_name_id("&c;")
            ),
        ),
        forbidden(
            "X19 (CVE-2025-25291): an ATTLIST declaring another ID attribute",
            &format!("<!DOCTYPE samlp:Response [<!ATTLIST Assertion ID2 ID #IMPLIED>]>{xml}"),
        ),
        Case::ok(
            "an xi:include is inert: never processed, nothing fetched",
            &in_extensions(
                xml,
                r#"<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd" parse="text"/>"#,
            ),
        ),
    ]
}

/// X26, X34: well-formed XML only, and every size and shape limit.
fn well_formed_and_bounded(xml: &str) -> Vec<Case> {
    let deep = format!("{}{}", "<x:d xmlns:x=\"urn:x\">".repeat(60), "</x:d>".repeat(60));
    let many_attrs: String = (0..65).map(|i| format!(" a{i}=\"v\"")).collect();
    let many_ns: String = (0..200).map(|i| format!(" xmlns:p{i}=\"urn:p{i}\"")).collect();
    let small_cap = json!({"max_response_bytes": 2048});
    let exceeded = |name: &str, xml: &str| Case::err(name, xml, "xml_limit_exceeded");
    vec![
        Case::err("X26: trailing junk after the root", &format!("{xml}junk"), "xml_malformed"),
        Case::err("a raw ampersand", &in_extensions(xml, "<x:y xmlns:x=\"urn:x\">a & b</x:y>"), "xml_malformed"),
        Case::err("an undefined entity", &in_extensions(xml, "<x:y xmlns:x=\"urn:x\">&nbsp;</x:y>"), "xml_malformed"),
        Case::err("larger than max_response_bytes", xml, "saml_input_too_large").settings(small_cap.clone()),
        Case::err("the raw XML larger than max_response_bytes", xml, "saml_input_too_large").settings(small_cap).raw(),
        exceeded("X34: nested 60 deep", &in_extensions(xml, &deep)),
        exceeded(
            "X34: 65 attributes on one element",
            &in_extensions(xml, &format!("<x:y xmlns:x=\"urn:x\"{many_attrs}/>")),
        ),
        exceeded("X34: 200 namespace declarations", &in_extensions(xml, &format!("<x:y{many_ns}/>"))),
        exceeded("more nodes than xml_limits.max_nodes", xml).settings(json!({"xml_limits": {"max_nodes": 50}})),
    ]
}

/// The form value must be base64 of UTF-8 XML (a byte order mark allowed).
fn encodings(xml: &str) -> Vec<Case> {
    let refused =
        |name: &str, response: String| Case::new(name, response, json!({"ok": false, "error": "saml_encoding"}));
    let mut bom = vec![0xEF, 0xBB, 0xBF];
    bom.extend(xml.as_bytes());
    vec![
        refused("not base64 and not XML", "!!!not base64!!!".into()),
        refused("still URL-encoded", format!("{}%3D", &form_value(xml)[..40])),
        refused("base64 of something that is not XML", STANDARD.encode("hello world")),
        refused("base64 of invalid UTF-8", STANDARD.encode(b"<samlp:Response>\xff\xfe</samlp:Response>")),
        Case::new(
            "a UTF-8 byte order mark before the XML",
            STANDARD.encode(bom),
            json!({"ok": true, "identity": {"name_id": "jdoe@contoso.com"}}),
        ),
    ]
}

/// The root must be one SAML 2.0 protocol Response holding an assertion, with well-formed IDs.
fn roots(b: &Spec, idp: &TestKey, xml: &str) -> Vec<Case> {
    let malformed = |name: &str, xml: &str| Case::err(name, xml, "malformed_response");
    let authn_request = format!(
        r#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_x" Version="2.0" IssueInstant="{}"/>"#,
        b.issue_instant
    );
    let (open, close) = ("<ds:SignatureValue>", "</ds:SignatureValue>");
    vec![
        malformed("the root is an AuthnRequest", &authn_request),
        malformed("the root is a bare Assertion", &sign(&b.assertion(), &b.assertion_id, idp, &SignOptions::default())),
        malformed(
            "a Response in another namespace",
            &xml.replacen("urn:oasis:names:tc:SAML:2.0:protocol", "urn:oasis:names:tc:SAML:1.0:protocol", 1),
        ),
        Case::err("no assertion at all", &b.response_with(""), "assertion_count"),
        malformed("an ID holding whitespace", &xml.replacen(&format!("ID=\"{}\"", b.response_id), "ID=\"_r1 x\"", 1)),
        Case::err(
            "X34: a 100 KB SignatureValue",
            &with_content(xml, open, close, &"A".repeat(100_000)),
            "signature_invalid",
        ),
    ]
}
