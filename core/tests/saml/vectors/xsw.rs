//! `xsw.json`: XML signature wrapping (Somorovsky et al. XSW1-8 and relatives, X1-X13, X26).
//! Each case moves genuinely signed content next to, inside or around a forged assertion; the
//! signed content must never come back under the forged identity.

use super::build::{Case, EVIL_NAME, VectorFile, base_settings, evil_spec, signature_of, status_xml};
use crate::saml_support::*;

/// The genuine pieces every wrapping attack rearranges.
struct Pieces {
    b: Spec,
    /// The assertion signed alone (Entra's default), its Signature, and it without that.
    signed_assertion: String,
    assertion_sig: String,
    assertion_unsigned: String,
    /// The Response signed alone, its Signature, and it without that.
    response_signed: String,
    response_sig: String,
    response_unsigned: String,
    /// The forged assertion under its own ID, and under the genuine assertion's ID.
    evil_assertion: String,
    evil_same_id: String,
}

impl Pieces {
    fn new(idp: &TestKey) -> Pieces {
        let b = Spec::default();
        let signed_assertion = sign(&b.assertion(), &b.assertion_id, idp, &SignOptions::default());
        let assertion_sig = signature_of(&signed_assertion).to_owned();
        let response_signed = b.response_signed(idp);
        let response_sig = signature_of(&response_signed).to_owned();
        Pieces {
            assertion_unsigned: signed_assertion.replacen(&assertion_sig, "", 1),
            response_unsigned: response_signed.replacen(&response_sig, "", 1),
            evil_assertion: evil_spec().assertion(),
            evil_same_id: Spec { name_id: EVIL_NAME.into(), ..Spec::default() }.assertion(),
            signed_assertion,
            assertion_sig,
            response_signed,
            response_sig,
            b,
        }
    }

    /// `assertion` with `inserted` right after its Issuer (where a Signature belongs).
    fn after_issuer(assertion: &str, inserted: &str) -> String {
        assertion.replacen(
            &format!("<Issuer>{IDP_ENTITY}</Issuer>"),
            &format!("<Issuer>{IDP_ENTITY}</Issuer>{inserted}"),
            1,
        )
    }
}

pub(super) fn file() -> VectorFile {
    let idp = TestKey::load("idp");
    let p = Pieces::new(&idp);
    let mut cases = response_wrapping(&p);
    cases.extend(assertion_wrapping(&p));
    cases.extend(same_id(&p, &idp));
    cases.extend(misplaced(&p, &idp));
    cases.extend(reference_uris(&p.b, &idp));
    let two_roots = format!("{}{}", p.b.signed(&idp), evil_spec().signed(&TestKey::load("attacker")));
    cases.push(Case::err("X26: a second root element after the genuine Response", &two_roots, "xml_malformed"));
    VectorFile::new(
        "xsw",
        "XML signature wrapping (Somorovsky et al. XSW1-8 and relatives, saml.md X1-X13, X26): the signed content never comes back under a forged identity.",
        base_settings(&idp),
        cases,
    )
}

/// A forged root Response that opens like the genuine one.
fn response_open(id: &str) -> String {
    format!(
        r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="{id}" Version="2.0" IssueInstant="2026-03-04T12:00:00.123Z" Destination="{ACS}" InResponseTo="{REQUEST_ID}"><Issuer xmlns="urn:oasis:names:tc:SAML:2.0:assertion">{IDP_ENTITY}</Issuer>"#
    )
}

/// XSW1, XSW2: the signed Response moved aside under a forged root.
fn response_wrapping(p: &Pieces) -> Vec<Case> {
    // X1: the original Response signature, holding the signed Response as its last child, moves
    // into a new root Response that carries the attacker's assertion.
    let xsw1 = format!(
        "{}{}{}{}</samlp:Response>",
        response_open("_evil-response"),
        p.response_sig.replacen("</ds:Signature>", &format!("{}</ds:Signature>", p.response_unsigned), 1),
        status_xml(),
        p.evil_assertion
    );
    // X2: the signed Response becomes a sibling; its detached signature stays.
    let xsw2 = format!(
        "{}{}{}{}{}</samlp:Response>",
        response_open("_evil-response"),
        p.response_unsigned,
        p.response_sig,
        status_xml(),
        p.evil_assertion
    );
    vec![
        Case::err(
            "XSW1: the Response signature (holding the signed Response) moved under a forged root",
            &xsw1,
            "assertion_count",
        ),
        Case::err("XSW2: the signed Response as a sibling of a forged assertion", &xsw2, "assertion_count"),
    ]
}

/// XSW3-XSW6: the signed assertion beside, inside or under a forged one.
fn assertion_wrapping(p: &Pieces) -> Vec<Case> {
    let (evil, signed, sig) = (&p.evil_assertion, &p.signed_assertion, &p.assertion_sig);
    let xsw3 = p.b.response_with(&format!("{evil}{signed}"));
    let xsw4 = p.b.response_with(&evil.replacen("</Assertion>", &format!("{signed}</Assertion>"), 1));
    let xsw5 = p.b.response_with(&format!("{}{}", Pieces::after_issuer(evil, sig), p.assertion_unsigned));
    let holding_signed = sig.replacen("</ds:Signature>", &format!("{signed}</ds:Signature>"), 1);
    let xsw6 = p.b.response_with(&Pieces::after_issuer(evil, &holding_signed));
    vec![
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
    ]
}

/// XSW7-X10: a forged assertion sharing the genuine ID, and the signed one concealed.
fn same_id(p: &Pieces, idp: &TestKey) -> Vec<Case> {
    let xsw7 = p.b.signed(idp).replacen(
        status_xml(),
        &format!("<samlp:Extensions>{}</samlp:Extensions>{}", p.evil_same_id, status_xml()),
        1,
    );
    let in_object = p.assertion_sig.replacen(
        "</ds:Signature>",
        &format!("<ds:Object>{}</ds:Object></ds:Signature>", p.assertion_unsigned),
        1,
    );
    let xsw8 = p.b.response_with(&Pieces::after_issuer(&p.evil_same_id, &in_object));
    let xsw9 = p.b.response_with(&format!(
        "{}<xsw_wrapper>{}</xsw_wrapper>",
        Pieces::after_issuer(&p.evil_assertion, &p.assertion_sig),
        p.signed_assertion
    ));
    let x10 = p.b.response_with(&format!("{}{}", p.signed_assertion, p.evil_same_id));
    vec![
        Case::err("XSW7: a forged assertion with the same ID in Extensions", &xsw7, "duplicate_id"),
        Case::err("XSW8: a forged assertion with the same ID, the original in ds:Object", &xsw8, "duplicate_id"),
        Case::err("X9: the signed assertion concealed in an unknown wrapper", &xsw9, "assertion_count"),
        Case::err("X10 (CVE-2022-41912): two assertions with the same ID", &x10, "duplicate_id"),
    ]
}

/// X11, X12: genuine signed content where no signature of it belongs.
fn misplaced(p: &Pieces, idp: &TestKey) -> Vec<Case> {
    let x11 = format!(
        "{}{}{}</samlp:Response>",
        response_open("_evil-response").replacen(
            &format!("{IDP_ENTITY}</Issuer>"),
            &format!("{IDP_ENTITY}{}</Issuer>", p.b.signed(idp)),
            1
        ),
        status_xml(),
        p.evil_assertion
    );
    // X12: a genuine signature over the Response, placed inside the assertion.
    let over_response = signature_of(&p.response_signed);
    let x12 = p.b.response_with(&Pieces::after_issuer(&p.b.assertion(), over_response));
    vec![
        Case::err("X11: the genuine Response inside a forged Response's Issuer", &x11, "assertion_count"),
        Case::err("X12: a signature inside the assertion referencing the Response", &x12, "signature_unsupported"),
    ]
}

/// X13: any Reference URI but `#` and the signed element's ID.
fn reference_uris(b: &Spec, idp: &TestKey) -> Vec<Case> {
    let odd_uri =
        |uri: &str| b.signed_with(idp, &SignOptions { reference_uri: Some(uri.to_owned()), ..Default::default() });
    let decoy = odd_uri("#element(/1/3)").replacen(
        status_xml(),
        &format!(r#"<samlp:Extensions><x:y xmlns:x="urn:x" ID="element(/1/3)"/></samlp:Extensions>{}"#, status_xml()),
        1,
    );
    let refused = |name: &str, xml: &str| Case::err(name, xml, "signature_unsupported");
    vec![
        refused("X13: Reference URI \"\" (whole document)", &odd_uri("")),
        refused("X13: Reference URI #xpointer(id('…'))", &odd_uri(&format!("#xpointer(id('{}'))", b.assertion_id))),
        refused("X13: Reference URI with a trailing space", &odd_uri(&format!("#{} ", b.assertion_id))),
        refused("X13: Reference URI without #", &odd_uri(&b.assertion_id)),
        refused("X13: Reference URI #element(/1/3) with a decoy element of that ID", &decoy),
    ]
}
