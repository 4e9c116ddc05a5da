//! `encrypted.json`: EncryptedAssertion (§1.7, X31, X32) — RSA-OAEP key transport, AES-CBC
//! and AES-GCM, and one opaque error for every failure of unauthenticated ciphertext. Every
//! case is randomised (fresh keys and IVs), so its response bytes are not compared for
//! freshness: what it expects is.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;

use super::build::{Case, VectorFile, base_settings, evil_spec};
use crate::saml_support::*;

/// The pieces every case encrypts or tampers with.
struct Pieces {
    idp: TestKey,
    sp: TestKey,
    b: Spec,
    /// The assertion signed by the IdP, before encryption.
    signed_assertion: String,
    /// That assertion in AES-256-GCM, in an unsigned Response.
    gcm: String,
    /// An unsigned assertion encrypted, in a Response the IdP signed over the ciphertext.
    covered: String,
}

pub(super) fn file() -> VectorFile {
    let b = Spec::default();
    let idp = TestKey::load("idp");
    let sp = TestKey::load("sp");
    let signed_assertion = sign(&b.assertion(), &b.assertion_id, &idp, &SignOptions::default());
    let gcm = b.response_with(&encrypt(&signed_assertion, &sp, false));
    let covered =
        sign(&b.response_with(&encrypt(&b.assertion(), &sp, true)), &b.response_id, &idp, &SignOptions::default());
    let p = Pieces { idp, sp, b, signed_assertion, gcm, covered };
    let mut cases = accepted(&p);
    cases.extend(forged_or_tampered(&p));
    cases.extend(misconfigured(&p));
    let mut settings = base_settings(&p.idp);
    settings["sp_decryption_keys"] = json!([p.sp.key_pem]);
    VectorFile::new(
        "encrypted",
        "EncryptedAssertion (saml.md §1.7, X31, X32): RSA-OAEP key transport, AES-CBC/GCM, one opaque error for every failure of unauthenticated ciphertext.",
        settings,
        cases,
    )
}

fn accepted(p: &Pieces) -> Vec<Case> {
    let (b, sp, signed) = (&p.b, &p.sp, &p.signed_assertion);
    vec![
        Case::ok("AES-256-GCM with RSA-OAEP (SHA-1, MGF1-SHA-1), signed assertion inside", &p.gcm),
        Case::ok(
            "AES-256-GCM with xmlenc11 RSA-OAEP (SHA-256, MGF1-SHA-256)",
            &b.response_with(&encrypt(signed, sp, true)),
        ),
        Case::ok("AES-128-GCM with RSA-OAEP", &b.response_with(&encrypt_gcm(signed, sp, false, 16))),
        Case::ok("AES-256-CBC with RSA-OAEP", &b.response_with(&encrypt_cbc(signed, sp))),
        Case::ok(
            "an unsigned assertion inside a signed Response: the Response signature covers the ciphertext",
            &p.covered,
        ),
    ]
    .into_iter()
    .map(Case::random)
    .collect()
}

/// `xml` with a byte flipped in the middle of the data CipherValue (the second CipherValue).
fn flip(xml: &str) -> String {
    let first = xml.find("<xenc:CipherValue>").unwrap() + 1;
    let start = xml[first..].find("<xenc:CipherValue>").unwrap() + first + "<xenc:CipherValue>".len();
    let end = xml[start..].find('<').unwrap() + start;
    let mut data = STANDARD.decode(&xml[start..end]).unwrap();
    let mid = data.len() / 2;
    data[mid] ^= 0x01;
    format!("{}{}{}", &xml[..start], STANDARD.encode(data), &xml[end..])
}

/// X31, X32: forged plaintext and changed ciphertext or algorithms all fail alike.
fn forged_or_tampered(p: &Pieces) -> Vec<Case> {
    let (b, sp, gcm) = (&p.b, &p.sp, &p.gcm);
    let relabelled = gcm.replacen("xmlenc11#aes256-gcm", "xmlenc#aes256-cbc", 1).replacen(
        "http://www.w3.org/2009/xmlenc#aes256-cbc",
        "http://www.w3.org/2001/04/xmlenc#aes256-cbc",
        1,
    );
    let failed = |name: &str, xml: &str| Case::err(name, xml, "decryption_failed").random();
    vec![
        failed(
            "X31: a forged unsigned assertion encrypted to the SP in an unsigned Response",
            &b.response_with(&encrypt(&evil_spec().assertion(), sp, false)),
        ),
        failed("X32: a flipped ciphertext byte (GCM)", &flip(gcm)),
        failed("X32: a flipped ciphertext byte (CBC)", &flip(&b.response_with(&encrypt_cbc(&p.signed_assertion, sp)))),
        failed("X32: GCM ciphertext relabelled as CBC", &relabelled),
        failed("X32: RSA-1_5 key transport", &gcm.replacen("xmlenc#rsa-oaep-mgf1p", "xmlenc#rsa-1_5", 1)),
    ]
}

/// The wrong key or none, a plain assertion beside the encrypted one, and a covering
/// signature that fails.
fn misconfigured(p: &Pieces) -> Vec<Case> {
    let (b, signed) = (&p.b, &p.signed_assertion);
    let attacker = TestKey::load("attacker");
    let beside = b.response_with(&format!("{}{}", encrypt(signed, &p.sp, false), signed));
    let broken_cover = p.covered.replacen("<samlp:Status>", "<samlp:Status><!---->", 1).replacen(
        IDP_ENTITY,
        "https://sts.windows.net/0d9a7d32-6a2e-4ef4-9e51-1c5a2a7e3c12/",
        1,
    );
    vec![
        Case::err(
            "encrypted to another key",
            &b.response_with(&encrypt(signed, &attacker, false)),
            "decryption_failed",
        ),
        Case::err("no SP decryption key configured", &p.gcm, "decryption_failed")
            .settings(json!({"sp_decryption_keys": []})),
        Case::err("an EncryptedAssertion beside a plain Assertion", &beside, "assertion_count"),
        Case::err("a covered unsigned assertion whose Response signature fails", &broken_cover, "signature_invalid"),
    ]
    .into_iter()
    .map(Case::random)
    .collect()
}
