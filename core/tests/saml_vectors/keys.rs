//! `keys.json`: which IdP keys and signature algorithms are accepted — the RSA key-size floor
//! (`min_rsa_key_bits`), the legacy verifiers behind it, and every ECDSA curve with every
//! hash. Included by `saml_vectors.rs`; its cases are built like every other file's.
//!
//! aws-lc-rs signs neither with RSA keys under 2048 bits nor with ECDSA hash/curve pairs other
//! than P-256/SHA-256, P-384/SHA-384 and P-521/any, so those responses are signed by the
//! `xmlsec1` CLI, which has no such limits (and is an independent signer besides).

use serde_json::{Map, Value, json};

use super::{Case, VectorFile, base_settings, signature_of};
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

pub(super) fn keys_file() -> VectorFile {
    let idp = TestKey::load("idp");
    let rsa1024 = TestKey::load("idp-rsa1024");
    let rsa3072 = TestKey::load("idp-rsa3072");
    let rsa4096 = TestKey::load("idp-rsa4096");
    let b = Spec::default();
    let xmlsec = |key: &TestKey, method: &'static str| {
        let digest_method = if method == RSA_SHA1_URI { SHA1 } else { SHA256 };
        let options = SignOptions { signature_method: method, digest_method, ..Default::default() };
        b.response_with(&xmlsec1_sign(&b.assertion(), &b.assertion_id, key, &options))
    };
    let ours = |key: &TestKey, method: &'static str| {
        b.response_with(&sign(&b.assertion(), &b.assertion_id, key, &SignOptions::method(method)))
    };
    let only = |key: &TestKey| json!({"idp_certificates": [key.cert_pem]});
    let legacy = |key: &TestKey| json!({"idp_certificates": [key.cert_pem], "min_rsa_key_bits": 1024});
    let legacy_sha256 = xmlsec(&rsa1024, RSA_SHA256);

    let mut cases = vec![
        settings_error(
            "an RSA-1024 IdP certificate is refused when the service provider is built (min_rsa_key_bits defaults to 2048)",
            &legacy_sha256,
            "invalid_certificate",
        )
        .settings(only(&rsa1024)),
        settings_error(
            "an RSA-1024 certificate beside an RSA-2048 one (rollover) is refused too",
            &legacy_sha256,
            "invalid_certificate",
        )
        .settings(json!({"idp_certificates": [idp.cert_pem, rsa1024.cert_pem]})),
        settings_error(
            "min_rsa_key_bits 3072 refuses the RSA-2048 certificate",
            &b.signed(&idp),
            "invalid_certificate",
        )
        .settings(json!({"min_rsa_key_bits": 3072})),
        settings_error("min_rsa_key_bits under 1024 is refused", &b.signed(&idp), "invalid_settings")
            .settings(json!({"min_rsa_key_bits": 1023})),
        settings_error("min_rsa_key_bits over 16384 is refused", &b.signed(&idp), "invalid_settings")
            .settings(json!({"min_rsa_key_bits": 16385})),
        // Every number is bounded where it is set: a skew of 10^12 s once made each validation
        // panic on date arithmetic.
        settings_error("clock_skew_seconds over a day is refused", &b.signed(&idp), "invalid_settings")
            .settings(json!({"clock_skew_seconds": 86_401})),
        settings_error("clock_skew_seconds of 10^12 is refused", &b.signed(&idp), "invalid_settings")
            .settings(json!({"clock_skew_seconds": 1_000_000_000_000u64})),
        settings_error("clock_skew_seconds of 2^64-1 is refused", &b.signed(&idp), "invalid_settings")
            .settings(json!({"clock_skew_seconds": u64::MAX})),
        settings_error("max_response_bytes over 64 MiB is refused", &b.signed(&idp), "invalid_settings")
            .settings(json!({"max_response_bytes": 1_u64 << 40})),
        settings_error("xml_limits.max_depth over 256 is refused", &b.signed(&idp), "invalid_settings")
            .settings(json!({"xml_limits": {"max_depth": 1_000_000}})),
        Case::ok("clock_skew_seconds of exactly a day is accepted", &b.signed(&idp))
            .settings(json!({"clock_skew_seconds": 86_400})),
        Case::ok("RSA-1024 with RSA-SHA256, accepted with min_rsa_key_bits 1024 (signed by xmlsec1)", &legacy_sha256)
            .settings(legacy(&rsa1024)),
        Case::ok(
            "RSA-1024 with RSA-SHA512, accepted with min_rsa_key_bits 1024 (signed by xmlsec1)",
            &xmlsec(&rsa1024, RSA_SHA512),
        )
        .settings(legacy(&rsa1024)),
        Case::ok(
            "RSA-1024 with RSA-SHA1, accepted with min_rsa_key_bits 1024 and allow_sha1 (signed by xmlsec1)",
            &xmlsec(&rsa1024, RSA_SHA1_URI),
        )
        .settings(json!({"idp_certificates": [rsa1024.cert_pem], "min_rsa_key_bits": 1024, "allow_sha1": true})),
        Case::err(
            "RSA-1024 with RSA-SHA384 is an algorithm refusal, not a bad signature (no verifier pairs them)",
            &xmlsec(&rsa1024, RSA_SHA384),
            "algorithm_not_allowed",
        )
        .settings(legacy(&rsa1024)),
        Case::err(
            "RSA-1024 with RSA-SHA384, the RSA-2048 rollover partner configured too: still an algorithm refusal",
            &xmlsec(&rsa1024, RSA_SHA384),
            "algorithm_not_allowed",
        )
        .settings(json!({"idp_certificates": [rsa1024.cert_pem, idp.cert_pem], "min_rsa_key_bits": 1024})),
        Case::ok(
            "RSA-2048 with RSA-SHA384 beside a configured RSA-1024 certificate: the key that can verify it does",
            &ours(&idp, RSA_SHA384),
        )
        .settings(json!({"idp_certificates": [rsa1024.cert_pem, idp.cert_pem], "min_rsa_key_bits": 1024})),
        Case::err(
            "RSA-1024 with a tampered SignatureValue is still signature_invalid",
            &truncated_signature(&legacy_sha256),
            "signature_invalid",
        )
        .settings(legacy(&rsa1024)),
        Case::ok("RSA-3072 with RSA-SHA384", &ours(&rsa3072, RSA_SHA384)).settings(only(&rsa3072)),
        Case::ok("RSA-4096 with RSA-SHA512", &ours(&rsa4096, RSA_SHA512))
            .settings(json!({"idp_certificates": [rsa4096.cert_pem], "min_rsa_key_bits": 4096})),
    ];

    // XML-DSig names the hash, not the curve: every pair verifies, as in xmlsec1.
    for (name, curve) in [("idp-ec", "P-256"), ("idp-ec384", "P-384"), ("idp-ec521", "P-521")] {
        let key = TestKey::load(name);
        for (method, hash) in [(ECDSA_SHA256, "SHA-256"), (ECDSA_SHA384, "SHA-384"), (ECDSA_SHA512, "SHA-512")] {
            let signed = xmlsec(&key, method);
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
            &legacy_sha256.replacen(RSA_SHA256, ECDSA_SHA256, 1),
            "signature_invalid",
        )
        .settings(legacy(&rsa1024)),
    );

    VectorFile {
        name: "keys",
        description: "IdP keys and signature algorithms: RSA under min_rsa_key_bits (default 2048, 1024 to 16384) is refused when the service provider is built; lowered to 1024, such keys verify RSA-SHA1/256/512 and refuse RSA-SHA384 as algorithm_not_allowed; every ECDSA curve (P-256, P-384, P-521) verifies with every hash.",
        settings: base_settings(&idp),
        cases,
        extra: Map::<String, Value>::new(),
    }
}
