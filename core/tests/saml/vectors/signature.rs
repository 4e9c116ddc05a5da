//! `signature.json`: the XML-DSig rules (X14-X30, X36). Exactly one `#ID` reference to the
//! signature's parent, enveloped + exclusive c14n only, configured keys only, allow-listed
//! algorithms, and the digest read only from the verified SignedInfo.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::build::{Case, EVIL_NAME, VectorFile, base_settings, evil_spec, signature_of, status_xml, text_of};
use super::build::{with_content, without_element};
use crate::saml_support::*;

pub(super) fn file() -> VectorFile {
    let idp = TestKey::load("idp");
    let b = Spec::default();
    let mut cases = transforms(&b, &idp);
    cases.extend(signed_info_and_digests(&b, &idp));
    cases.extend(stripped(&b, &idp));
    cases.extend(keys(&b, &idp));
    cases.extend(algorithms(&b, &idp));
    cases.extend(structure(&b, &idp));
    VectorFile::new(
        "signature",
        "XML-DSig rules (saml.md X14-X30, X36): exactly one #ID reference to the signature's parent, enveloped + exclusive c14n only, configured keys only, allow-listed algorithms, digest read only from the verified SignedInfo.",
        base_settings(&idp),
        cases,
    )
}

/// X14, X15: only enveloped + exclusive c14n, in that order; nothing else is ever run.
fn transforms(b: &Spec, idp: &TestKey) -> Vec<Case> {
    let with = |t: &str| b.signed_with(idp, &SignOptions { transforms: Some(t.to_owned()), ..Default::default() });
    let t = |alg: &str| format!(r#"<ds:Transform Algorithm="{alg}"/>"#);
    let enveloped = t(ENVELOPED);
    let exc = t(EXC_C14N);
    let refused = |name: &str, transform: &str| Case::err(name, &with(transform), "signature_unsupported");
    vec![
        refused(
            "X14: an XPath filter transform",
            &format!(
                r#"{enveloped}<ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116"><ds:XPath>not(ancestor-or-self::*[@ID='evil'])</ds:XPath></ds:Transform>{exc}"#
            ),
        ),
        refused(
            "X15: an XSLT transform (never run)",
            &format!(
                r#"<ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xslt-19991116"><xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform" version="1.0"/></ds:Transform>{enveloped}{exc}"#
            ),
        ),
        refused("X15: a base64 transform", &format!("{enveloped}{}", t("http://www.w3.org/2000/09/xmldsig#base64"))),
        refused(
            "X15: an XPath Filter 2.0 transform",
            &format!("{enveloped}{}", t("http://www.w3.org/2002/06/xmldsig-filter2")),
        ),
        refused("X15: three transforms", &format!("{enveloped}{exc}{exc}")),
        refused("only the enveloped transform (implicit inclusive c14n)", &enveloped),
        refused("the transforms in the wrong order", &format!("{exc}{enveloped}")),
        refused(
            "inclusive c14n instead of exclusive",
            &format!("{enveloped}{}", t("http://www.w3.org/TR/2001/REC-xml-c14n-20010315")),
        ),
    ]
}

/// The SHA-256 digest of the element with ID `id` in `xml`, as its DigestValue would say.
fn digest_b64(xml: &str, id: &str) -> String {
    let doc = parse_xml(xml).unwrap();
    let node = doc.descendants().find(|n| n.attribute("ID") == Some(id)).unwrap();
    let sig = node.children().find(|c| c.tag_name().name() == "Signature");
    let mut out = Vec::new();
    let opts = sso_scim_core::internal::xml::c14n::C14nOptions { exclude: sig.map(|s| s.id()), ..Default::default() };
    sso_scim_core::internal::xml::c14n::canonicalize(node, &opts, &mut out).unwrap();
    STANDARD.encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &out))
}

/// X16-X21: one SignedInfo, one SignatureValue, the digest only from the verified SignedInfo,
/// and `ds` bound as XML-DSig says.
fn signed_info_and_digests(b: &Spec, idp: &TestKey) -> Vec<Case> {
    let default_xml = b.signed(idp);
    let sig = signature_of(&default_xml);
    let signed_info_start = sig.find("<ds:SignedInfo>").unwrap();
    let signed_info_end = sig.find("</ds:SignedInfo>").unwrap() + "</ds:SignedInfo>".len();
    let signed_info = &sig[signed_info_start..signed_info_end];
    let tampered = default_xml.replacen("jdoe@contoso.com</NameID>", &format!("{EVIL_NAME}</NameID>"), 1);
    let forged = digest_b64(&tampered, &b.assertion_id);
    let genuine = text_of(sig, "<ds:DigestValue>");
    let digest_value =
        |value: &str| tampered.replacen(&format!("<ds:DigestValue>{genuine}"), &format!("<ds:DigestValue>{value}"), 1);
    let document_wide = format!(
        "<samlp:Extensions><ds:DigestValue xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">{forged}</ds:DigestValue></samlp:Extensions>{}",
        status_xml()
    );
    vec![
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
            &digest_value(&format!("<!--{forged}-->{genuine}")),
            "signature_invalid",
        ),
        Case::err(
            "X17: the forged digest after a comment",
            &digest_value(&format!("{genuine}<!---->{forged}")),
            "signature_invalid",
        ),
        Case::err(
            "X18 (CVE-2024-45409): a document-wide DigestValue matching the forged assertion",
            &tampered.replacen(status_xml(), &document_wide, 1),
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
    ]
}

/// X24, X25: a signature removed, emptied, or over the wrong element.
fn stripped(b: &Spec, idp: &TestKey) -> Vec<Case> {
    let default_xml = b.signed(idp);
    let strip = |xml: &str| xml.replacen(signature_of(xml), "", 1);
    let both = b.both_signed(idp);
    let inner = signature_of(&both[both.find("<Assertion").unwrap()..]);
    let (open, close) = ("<ds:SignatureValue>", "</ds:SignatureValue>");
    vec![
        Case::err("X24: the assertion signature stripped", &strip(&default_xml), "signature_missing"),
        Case::err("X24: both signatures stripped", &strip(&strip(&both)), "signature_missing"),
        Case::err("X24: an empty SignatureValue", &with_content(&default_xml, open, close, ""), "signature_invalid"),
        Case::err(
            "X24: no SignatureValue element",
            &without_element(&default_xml, open, close),
            "signature_unsupported",
        ),
        Case::err(
            "X24: the assertion signature stripped from a both-signed response breaks the Response digest",
            &both.replacen(inner, "", 1),
            "signature_invalid",
        ),
        Case::err(
            "X25: a Response signature referencing Status; the assertion unsigned",
            &over_status(&default_xml, idp),
            "signature_unsupported",
        ),
    ]
}

/// `default_xml` with its assertion unsigned and a genuine signature over its Status instead.
fn over_status(default_xml: &str, idp: &TestKey) -> String {
    let status_id = default_xml.replacen("<samlp:Status>", r#"<samlp:Status ID="_status">"#, 1).replacen(
        signature_of(default_xml),
        "",
        1,
    );
    let signed_status = sign(&status_id, "_status", idp, &SignOptions::default());
    let status_sig = signature_of(&signed_status);
    signed_status.replacen(status_sig, "", 1).replacen(
        &format!("{IDP_ENTITY}</Issuer><samlp:Status"),
        &format!("{IDP_ENTITY}</Issuer>{status_sig}<samlp:Status"),
        1,
    )
}

/// X28: only configured keys verify; whatever KeyInfo says is never used.
fn keys(b: &Spec, idp: &TestKey) -> Vec<Case> {
    let attacker = TestKey::load("attacker");
    let evil = evil_spec();
    let fetching = SignOptions {
        key_info_extra: r#"<ds:KeyName>idp</ds:KeyName><ds:RetrievalMethod URI="http://127.0.0.1:9/key" Type="http://www.w3.org/2000/09/xmldsig#X509Data"/>"#.into(),
        ..Default::default()
    };
    let junk = SignOptions {
        key_info_extra: r#"<ds:RetrievalMethod URI="file:///dev/zero"/><ds:KeyValue><ds:RSAKeyValue><ds:Modulus>AA==</ds:Modulus><ds:Exponent>AQAB</ds:Exponent></ds:RSAKeyValue></ds:KeyValue>"#.into(),
        ..Default::default()
    };
    vec![
        Case::err(
            "X28: the forged assertion re-signed with an attacker key and certificate in KeyInfo",
            &evil.signed(&attacker),
            "signature_invalid",
        ),
        Case::err(
            "X28: attacker-signed with RetrievalMethod and KeyName in KeyInfo (nothing fetched)",
            &evil.signed_with(&attacker, &fetching),
            "signature_invalid",
        ),
        Case::ok(
            "a genuine signature with junk in KeyInfo still verifies (KeyInfo is never used)",
            &b.signed_with(idp, &junk),
        ),
    ]
}

/// X29, X30: no HMAC, no SHA-1 unless allowed, no MD5, and algorithms bound to what was signed.
fn algorithms(b: &Spec, idp: &TestKey) -> Vec<Case> {
    let default_xml = b.signed(idp);
    let sha1 = SignOptions { signature_method: RSA_SHA1, digest_method: SHA1, ..Default::default() };
    let hmac_sha1 = r#"<ds:SignatureMethod Algorithm="http://www.w3.org/2000/09/xmldsig#hmac-sha1"><ds:HMACOutputLength>0</ds:HMACOutputLength></ds:SignatureMethod>"#;
    vec![
        Case::err(
            "X29: HMAC-SHA256 keyed with the IdP certificate",
            &default_xml.replacen(RSA_SHA256, "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256", 1),
            "algorithm_not_allowed",
        ),
        Case::err(
            "X29: HMAC-SHA1 with HMACOutputLength 0",
            &default_xml.replacen(&format!(r#"<ds:SignatureMethod Algorithm="{RSA_SHA256}"/>"#), hmac_sha1, 1),
            "signature_unsupported",
        ),
        Case::err(
            "X30: RSA-SHA1 without allow_sha1 (signed by xmlsec1)",
            &b.response_with(&xmlsec1_sign(&b.assertion(), &b.assertion_id, idp, &sha1)),
            "algorithm_not_allowed",
        ),
        Case::err(
            "X30: a SHA-1 digest under an RSA-SHA256 signature without allow_sha1",
            &b.signed_with(idp, &SignOptions { digest_method: SHA1, ..Default::default() }),
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
    ]
}

/// The Signature's own shape (X36 and relatives): nothing extra inside it, one per element,
/// `ID` as the only identifier, and a SignatureValue that belongs to this SignedInfo.
fn structure(b: &Spec, idp: &TestKey) -> Vec<Case> {
    let default_xml = b.signed(idp);
    let sig = signature_of(&default_xml);
    let id_renamed = default_xml.replacen(
        r#"Assertion xmlns="urn:oasis:names:tc:SAML:2.0:assertion" ID="#,
        r#"Assertion xmlns="urn:oasis:names:tc:SAML:2.0:assertion" Id="#,
        1,
    );
    let decoy = format!(
        r#"<samlp:Extensions><x:y xmlns:x="urn:x" ID="{}"/></samlp:Extensions>{}"#,
        b.assertion_id,
        status_xml()
    );
    let attacker_value = b.signed(&TestKey::load("attacker"));
    let (value, stolen) =
        (text_of(&default_xml, "<ds:SignatureValue>"), text_of(&attacker_value, "<ds:SignatureValue>"));
    vec![
        Case::err(
            "a ds:Object after KeyInfo in an otherwise genuine signature",
            &default_xml.replacen(
                "</ds:KeyInfo></ds:Signature>",
                "</ds:KeyInfo><ds:Object>anything</ds:Object></ds:Signature>",
                1,
            ),
            "signature_unsupported",
        ),
        Case::err(
            "text inside the Signature element",
            &default_xml.replacen("</ds:KeyInfo></ds:Signature>", "</ds:KeyInfo>text</ds:Signature>", 1),
            "signature_unsupported",
        ),
        Case::err(
            "two Signatures on the assertion",
            &default_xml.replacen(sig, &format!("{sig}{sig}"), 1),
            "signature_unsupported",
        ),
        Case::err("X36: the signed element identified by Id instead of ID", &id_renamed, "signature_unsupported"),
        Case::err(
            "X36: an ID on an unknown element duplicating the assertion ID",
            &default_xml.replacen(status_xml(), &decoy, 1),
            "duplicate_id",
        ),
        Case::err(
            "the SignatureValue of another signature (signed by the attacker) over the genuine SignedInfo",
            &default_xml.replacen(value, stolen, 1),
            "signature_invalid",
        ),
    ]
}
