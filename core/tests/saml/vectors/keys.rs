//! `keys.json`: which IdP keys and signature algorithms are accepted — the RSA key-size floor
//! (`min_rsa_key_bits`), the legacy verifiers behind it, and every ECDSA curve with every
//! hash.
//!
//! aws-lc-rs signs neither with RSA keys under 2048 bits nor with ECDSA hash/curve pairs other
//! than P-256/SHA-256, P-384/SHA-384 and P-521/any, so those responses are signed by the
//! `xmlsec1` CLI, which has no such limits (and is an independent signer besides).

use serde_json::{Value, json};

use super::build::{Case, VectorFile, base_settings, signature_of};
use crate::saml_support::*;

const RSA_SHA1_URI: &str = RSA_SHA1;
const ECDSA_SHA384: &str = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384";
const ECDSA_SHA512: &str = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512";

/// Expect the settings to be refused when the service provider is built, with `code`.
fn settings_error(name: &str, xml: &str, code: &str) -> Case {
    Case::new(name, form_value(xml), json!({"settings_error": code}))
}

/// A copy of a signed response whose SignatureValue lost its last byte.
fn truncated_signature(xml: &str) -> String {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    let signature = signature_of(xml);
    let start = signature.find("<ds:SignatureValue>").unwrap() + "<ds:SignatureValue>".len();
    let end = signature.find("</ds:SignatureValue>").unwrap();
    let text: String = signature[start..end].chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let mut value = STANDARD.decode(text).unwrap();
    value.pop();
    let shorter = format!("{}{}{}", &signature[..start], STANDARD.encode(value), &signature[end..]);
    xml.replacen(signature, &shorter, 1)
}

/// The keys and the two signers every case picks from.
struct Keys {
    idp: TestKey,
    rsa1024: TestKey,
    b: Spec,
    /// The RSA-1024 response every legacy case starts from (signed once: xmlsec1 is a process).
    legacy_sha256: String,
}

impl Keys {
    fn new() -> Keys {
        let (idp, rsa1024, b) = (TestKey::load("idp"), TestKey::load("idp-rsa1024"), Spec::default());
        let mut keys = Keys { idp, rsa1024, b, legacy_sha256: String::new() };
        keys.legacy_sha256 = keys.xmlsec(&keys.rsa1024, RSA_SHA256);
        keys
    }

    /// Signed by the `xmlsec1` CLI (SHA-1 digest with RSA-SHA1, SHA-256 otherwise).
    fn xmlsec(&self, key: &TestKey, method: &'static str) -> String {
        let digest_method = if method == RSA_SHA1_URI { SHA1 } else { SHA256 };
        let options = SignOptions { signature_method: method, digest_method, ..Default::default() };
        self.b.response_with(&xmlsec1_sign(&self.b.assertion(), &self.b.assertion_id, key, &options))
    }

    /// Signed by our test signer.
    fn ours(&self, key: &TestKey, method: &'static str) -> String {
        self.b.signed_with(key, &SignOptions::method(method))
    }
}

/// Settings trusting only `key`.
fn only(key: &TestKey) -> Value {
    json!({"idp_certificates": [key.cert_pem]})
}

/// Settings trusting only `key`, with the RSA floor lowered to 1024 bits.
fn legacy(key: &TestKey) -> Value {
    json!({"idp_certificates": [key.cert_pem], "min_rsa_key_bits": 1024})
}

pub(super) fn file() -> VectorFile {
    let k = Keys::new();
    let mut cases = refused_settings(&k);
    cases.extend(rsa(&k));
    cases.extend(ecdsa(&k));
    VectorFile::new(
        "keys",
        "IdP keys and signature algorithms: RSA under min_rsa_key_bits (default 2048, 1024 to 16384) is refused when the service provider is built; lowered to 1024, such keys verify RSA-SHA1/256/512 and refuse RSA-SHA384 as algorithm_not_allowed; every ECDSA curve (P-256, P-384, P-521) verifies with every hash.",
        base_settings(&k.idp),
        cases,
    )
}

/// Keys under the floor and numbers out of range are refused when the provider is built.
fn refused_settings(k: &Keys) -> Vec<Case> {
    let (idp, rsa1024, legacy_sha256) = (&k.idp, &k.rsa1024, &k.legacy_sha256);
    let xml = k.b.signed(idp);
    let invalid = |name: &str, patch: Value| settings_error(name, &xml, "invalid_settings").settings(patch);
    vec![
        settings_error(
            "an RSA-1024 IdP certificate is refused when the service provider is built (min_rsa_key_bits defaults to 2048)",
            legacy_sha256,
            "invalid_certificate",
        )
        .settings(only(rsa1024)),
        settings_error(
            "an RSA-1024 certificate beside an RSA-2048 one (rollover) is refused too",
            legacy_sha256,
            "invalid_certificate",
        )
        .settings(json!({"idp_certificates": [idp.cert_pem, rsa1024.cert_pem]})),
        settings_error("min_rsa_key_bits 3072 refuses the RSA-2048 certificate", &xml, "invalid_certificate")
            .settings(json!({"min_rsa_key_bits": 3072})),
        invalid("min_rsa_key_bits under 1024 is refused", json!({"min_rsa_key_bits": 1023})),
        invalid("min_rsa_key_bits over 16384 is refused", json!({"min_rsa_key_bits": 16385})),
        // Every number is bounded where it is set: a skew of 10^12 s once made each validation
        // panic on date arithmetic.
        invalid("clock_skew_seconds over a day is refused", json!({"clock_skew_seconds": 86_401})),
        invalid("clock_skew_seconds of 10^12 is refused", json!({"clock_skew_seconds": 1_000_000_000_000u64})),
        invalid("clock_skew_seconds of 2^64-1 is refused", json!({"clock_skew_seconds": u64::MAX})),
        invalid("max_response_bytes over 64 MiB is refused", json!({"max_response_bytes": 1_u64 << 40})),
        invalid("xml_limits.max_depth over 256 is refused", json!({"xml_limits": {"max_depth": 1_000_000}})),
        Case::ok("clock_skew_seconds of exactly a day is accepted", &xml).settings(json!({"clock_skew_seconds": 86_400})),
    ]
}

/// RSA below 2048 bits only when allowed, and then only with the hashes its verifiers pair it
/// with; larger keys with every hash.
fn rsa(k: &Keys) -> Vec<Case> {
    let (idp, rsa1024, legacy_sha256) = (&k.idp, &k.rsa1024, &k.legacy_sha256);
    let rsa3072 = TestKey::load("idp-rsa3072");
    let rsa4096 = TestKey::load("idp-rsa4096");
    let beside_2048 = json!({"idp_certificates": [rsa1024.cert_pem, idp.cert_pem], "min_rsa_key_bits": 1024});
    vec![
        Case::ok("RSA-1024 with RSA-SHA256, accepted with min_rsa_key_bits 1024 (signed by xmlsec1)", legacy_sha256)
            .settings(legacy(rsa1024)),
        Case::ok(
            "RSA-1024 with RSA-SHA512, accepted with min_rsa_key_bits 1024 (signed by xmlsec1)",
            &k.xmlsec(rsa1024, RSA_SHA512),
        )
        .settings(legacy(rsa1024)),
        Case::ok(
            "RSA-1024 with RSA-SHA1, accepted with min_rsa_key_bits 1024 and allow_sha1 (signed by xmlsec1)",
            &k.xmlsec(rsa1024, RSA_SHA1_URI),
        )
        .settings(json!({"idp_certificates": [rsa1024.cert_pem], "min_rsa_key_bits": 1024, "allow_sha1": true})),
        Case::err(
            "RSA-1024 with RSA-SHA384 is an algorithm refusal, not a bad signature (no verifier pairs them)",
            &k.xmlsec(rsa1024, RSA_SHA384),
            "algorithm_not_allowed",
        )
        .settings(legacy(rsa1024)),
        Case::err(
            "RSA-1024 with RSA-SHA384, the RSA-2048 rollover partner configured too: still an algorithm refusal",
            &k.xmlsec(rsa1024, RSA_SHA384),
            "algorithm_not_allowed",
        )
        .settings(beside_2048.clone()),
        Case::ok(
            "RSA-2048 with RSA-SHA384 beside a configured RSA-1024 certificate: the key that can verify it does",
            &k.ours(idp, RSA_SHA384),
        )
        .settings(beside_2048),
        Case::err(
            "RSA-1024 with a tampered SignatureValue is still signature_invalid",
            &truncated_signature(legacy_sha256),
            "signature_invalid",
        )
        .settings(legacy(rsa1024)),
        Case::ok("RSA-3072 with RSA-SHA384", &k.ours(&rsa3072, RSA_SHA384)).settings(only(&rsa3072)),
        Case::ok("RSA-4096 with RSA-SHA512", &k.ours(&rsa4096, RSA_SHA512))
            .settings(json!({"idp_certificates": [rsa4096.cert_pem], "min_rsa_key_bits": 4096})),
    ]
}

/// XML-DSig names the hash, not the curve: every pair verifies, as in xmlsec1.
fn ecdsa(k: &Keys) -> Vec<Case> {
    let mut cases = Vec::new();
    for (name, curve) in [("idp-ec", "P-256"), ("idp-ec384", "P-384"), ("idp-ec521", "P-521")] {
        let key = TestKey::load(name);
        for (method, hash) in [(ECDSA_SHA256, "SHA-256"), (ECDSA_SHA384, "SHA-384"), (ECDSA_SHA512, "SHA-512")] {
            let signed = k.xmlsec(&key, method);
            cases.push(
                Case::ok(&format!("ECDSA {curve} with {hash} (signed by xmlsec1)"), &signed)
                    .settings(only(&key))
                    .random(),
            );
            if method == ECDSA_SHA512 {
                cases.push(
                    Case::err(
                        &format!("ECDSA {curve}: a SignatureValue one byte short of r and s is signature_invalid"),
                        &truncated_signature(&signed),
                        "signature_invalid",
                    )
                    .settings(only(&key))
                    .random(),
                );
            }
        }
    }
    cases.push(
        Case::err(
            "an ECDSA URI over an RSA-1024 signature",
            &k.legacy_sha256.replacen(RSA_SHA256, ECDSA_SHA256, 1),
            "signature_invalid",
        )
        .settings(legacy(&k.rsa1024)),
    );
    cases
}
