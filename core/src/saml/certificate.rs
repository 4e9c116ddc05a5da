//! IdP certificates: pinned verification keys. A configured certificate is trusted as a key
//! holder; its validity dates feed expiry warnings and are never enforced at verification (so
//! a late IdP rollover cannot lock users out), as in Shibboleth and every anchor.

use std::fmt;

use aws_lc_rs::signature::{self, ParsedPublicKey, VerificationAlgorithm};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use time::OffsetDateTime;
use x509_cert::der::{Decode, Encode};
use x509_cert::spki::ObjectIdentifier;

use super::algorithms::SignatureAlgorithm;
use crate::error::ErrorCode;
use crate::saml::error::SamlError;

const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const P521: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.35");

/// The kind of key a certificate holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// RSA (2048 bits or more).
    Rsa,
    /// ECDSA on P-256 (verifies ecdsa-sha256).
    EcP256,
    /// ECDSA on P-384 (verifies ecdsa-sha384).
    EcP384,
    /// ECDSA on P-521 (verifies ecdsa-sha512).
    EcP521,
}

/// A parsed X.509 certificate and its pre-parsed verification keys.
#[derive(Clone)]
pub struct Certificate {
    der: Vec<u8>,
    subject: String,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
    sha256: [u8; 32],
    kind: KeyKind,
    /// One parsed key per signature algorithm this key can verify.
    keys: Vec<(SignatureAlgorithm, ParsedPublicKey)>,
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificate")
            .field("subject", &self.subject)
            .field("not_after", &self.not_after)
            .field("sha256", &self.sha256_fingerprint())
            .finish_non_exhaustive()
    }
}

fn bad(message: impl Into<String>) -> SamlError {
    SamlError::new(ErrorCode::InvalidCertificate, message)
}

impl Certificate {
    /// Read every certificate in `text`: PEM (one or more `CERTIFICATE` blocks) or the bare
    /// base64 of one DER certificate (as in metadata), whitespace and line breaks tolerated.
    pub fn parse_all(text: &str) -> Result<Vec<Certificate>, SamlError> {
        let text = text.trim();
        if !text.contains("-----BEGIN") {
            return Ok(vec![Certificate::from_der(&decode_base64(text)?)?]);
        }
        let mut out = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find("-----BEGIN CERTIFICATE-----") {
            let body = &rest[start + "-----BEGIN CERTIFICATE-----".len()..];
            let end =
                body.find("-----END CERTIFICATE-----").ok_or_else(|| bad("a PEM certificate block is not closed"))?;
            out.push(Certificate::from_der(&decode_base64(&body[..end])?)?);
            rest = &body[end..];
        }
        if out.is_empty() {
            return Err(bad("no \"-----BEGIN CERTIFICATE-----\" block found"));
        }
        Ok(out)
    }

    /// Read one DER certificate.
    pub fn from_der(der: &[u8]) -> Result<Certificate, SamlError> {
        let cert = x509_cert::Certificate::from_der(der).map_err(|e| bad(format!("not an X.509 certificate: {e}")))?;
        let tbs = &cert.tbs_certificate;
        let time = |t: x509_cert::time::Time| {
            OffsetDateTime::from_unix_timestamp(t.to_unix_duration().as_secs() as i64)
                .map_err(|_| bad("certificate validity out of range"))
        };
        let spki = &tbs.subject_public_key_info;
        let spki_der = spki.to_der().map_err(|e| bad(format!("cannot re-encode the public key: {e}")))?;
        let kind = match spki.algorithm.oid {
            RSA_ENCRYPTION => KeyKind::Rsa,
            EC_PUBLIC_KEY => {
                let curve = spki
                    .algorithm
                    .parameters
                    .as_ref()
                    .and_then(|p| p.decode_as::<ObjectIdentifier>().ok())
                    .ok_or_else(|| bad("an EC key without a named curve"))?;
                match curve {
                    P256 => KeyKind::EcP256,
                    P384 => KeyKind::EcP384,
                    P521 => KeyKind::EcP521,
                    other => return Err(bad(format!("EC curve {other} is not supported (P-256, P-384, P-521 are)"))),
                }
            }
            other => return Err(bad(format!("public key algorithm {other} is not supported (RSA and ECDSA are)"))),
        };
        let algorithms: &[(SignatureAlgorithm, &'static dyn VerificationAlgorithm)] = match kind {
            KeyKind::Rsa => &[
                (SignatureAlgorithm::RsaSha1, &signature::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY),
                (SignatureAlgorithm::RsaSha256, &signature::RSA_PKCS1_2048_8192_SHA256),
                (SignatureAlgorithm::RsaSha384, &signature::RSA_PKCS1_2048_8192_SHA384),
                (SignatureAlgorithm::RsaSha512, &signature::RSA_PKCS1_2048_8192_SHA512),
            ],
            KeyKind::EcP256 => &[(SignatureAlgorithm::EcdsaSha256, &signature::ECDSA_P256_SHA256_FIXED)],
            KeyKind::EcP384 => &[(SignatureAlgorithm::EcdsaSha384, &signature::ECDSA_P384_SHA384_FIXED)],
            KeyKind::EcP521 => &[(SignatureAlgorithm::EcdsaSha512, &signature::ECDSA_P521_SHA512_FIXED)],
        };
        let mut keys = Vec::with_capacity(algorithms.len());
        for (alg, verification) in algorithms {
            let key = ParsedPublicKey::new(*verification, &spki_der)
                .map_err(|e| bad(format!("the public key is refused ({e}); RSA keys need at least 2048 bits")))?;
            keys.push((*alg, key));
        }
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, der);
        let mut sha256 = [0u8; 32];
        sha256.copy_from_slice(digest.as_ref());
        Ok(Certificate {
            der: der.to_vec(),
            subject: tbs.subject.to_string(),
            not_before: time(tbs.validity.not_before)?,
            not_after: time(tbs.validity.not_after)?,
            sha256,
            kind,
            keys,
        })
    }

    /// Whether the signature over `message` verifies with this key under `algorithm`.
    pub fn verifies(&self, algorithm: SignatureAlgorithm, message: &[u8], signature: &[u8]) -> bool {
        self.keys.iter().any(|(a, key)| *a == algorithm && key.verify_sig(message, signature).is_ok())
    }

    /// The DER bytes.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The DER as base64 (the form metadata and KeyInfo carry).
    pub fn to_base64(&self) -> String {
        STANDARD.encode(&self.der)
    }

    /// The certificate as PEM.
    pub fn to_pem(&self) -> String {
        let b64 = self.to_base64();
        let lines: Vec<&str> =
            b64.as_bytes().chunks(64).map(|c| std::str::from_utf8(c).expect("base64 is ASCII")).collect();
        format!("-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n", lines.join("\n"))
    }

    /// The subject distinguished name (RFC 4514).
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// Start of validity.
    pub fn not_before(&self) -> OffsetDateTime {
        self.not_before
    }

    /// End of validity.
    pub fn not_after(&self) -> OffsetDateTime {
        self.not_after
    }

    /// The key kind.
    pub fn key_kind(&self) -> KeyKind {
        self.kind
    }

    /// SHA-256 of the DER, as colon-separated upper-case hex (how admin consoles show it).
    pub fn sha256_fingerprint(&self) -> String {
        self.sha256.iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(":")
    }

    /// Whether the certificate has expired by `now + days` (for rollover warnings).
    pub fn expires_within(&self, now: OffsetDateTime, days: u32) -> bool {
        self.not_after <= now + time::Duration::days(i64::from(days))
    }
}

/// base64 with whitespace and line breaks removed first.
pub(crate) fn decode_base64(text: &str) -> Result<Vec<u8>, SamlError> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    STANDARD.decode(compact.as_bytes()).map_err(|e| bad(format!("invalid base64: {e}")))
}

/// The genuine Entra certificate of `../shared/fixtures/saml/entra/`, read at test time.
#[cfg(test)]
pub(crate) fn entra_fixture_certificate() -> String {
    let xml = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/fixtures/saml/entra/aad_Saml2Valid.assertion.xml"
    ))
    .expect("the shared Entra fixtures are beside the project");
    let start = xml.find("<X509Certificate>").unwrap() + "<X509Certificate>".len();
    let end = xml[start..].find("</X509Certificate>").unwrap() + start;
    xml[start..end].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entra_cert_text() -> String {
        entra_fixture_certificate()
    }

    #[test]
    fn reads_the_entra_certificate_in_every_form() {
        let b64 = entra_cert_text();
        let certs = Certificate::parse_all(&b64).unwrap();
        assert_eq!(certs.len(), 1);
        let c = &certs[0];
        assert_eq!(c.subject(), "CN=accounts.accesscontrol.windows.net");
        assert_eq!(
            c.sha256_fingerprint(),
            "3C:B3:E2:A1:27:22:D3:E7:59:7B:D6:8D:1F:00:6E:44:75:15:E0:FA:21:C0:E4:84:59:74:7F:51:36:81:26:DD"
        );
        assert_eq!(c.key_kind(), KeyKind::Rsa);
        assert_eq!(c.not_after(), time::macros::datetime!(2019-02-14 00:00:00 UTC));
        let pem = c.to_pem();
        let twice = format!("{pem}\n{pem}");
        assert_eq!(Certificate::parse_all(&twice).unwrap().len(), 2);
        let wrapped: String =
            b64.as_bytes().chunks(40).map(|c| format!("{}\r\n", std::str::from_utf8(c).unwrap())).collect();
        assert_eq!(Certificate::parse_all(&wrapped).unwrap()[0].der(), c.der());
        assert!(c.expires_within(time::macros::datetime!(2019-01-01 00:00:00 UTC), 60));
        assert!(!c.expires_within(time::macros::datetime!(2018-01-01 00:00:00 UTC), 60));
    }

    #[test]
    fn refuses_junk() {
        for bad in [
            "",
            "not base64!",
            "AAAA",
            "-----BEGIN CERTIFICATE-----\nAAAA",
            "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----",
        ] {
            let err = Certificate::parse_all(bad).unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidCertificate, "{bad:?}");
        }
    }
}
