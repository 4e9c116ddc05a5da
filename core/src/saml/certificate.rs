//! IdP certificates: pinned verification keys. A configured certificate is trusted as a key
//! holder; its validity dates feed expiry warnings and are never enforced at verification (so
//! a late IdP rollover cannot lock users out), as in Shibboleth and every anchor.
//!
//! Parsing never depends on settings: the key-size floor (`min_rsa_key_bits`) is applied by
//! whoever turns a certificate into trust — [`ServiceProvider::new`](super::ServiceProvider::new)
//! and metadata import — through [`Certificate::check_key_size`].

use std::fmt;
use std::ops::RangeInclusive;

use aws_lc_rs::signature::{self, ParsedPublicKey, VerificationAlgorithm};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use time::OffsetDateTime;
use x509_cert::der::asn1::UintRef;
use x509_cert::der::{Decode, Encode, Reader, SliceReader};
use x509_cert::spki::ObjectIdentifier;

use super::algorithms::SignatureAlgorithm;
use crate::error::ErrorCode;
use crate::saml::error::SamlError;

const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const P521: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.35");

/// Default of `min_rsa_key_bits`: NIST SP 800-131A has disallowed RSA signatures under 2048
/// bits since 2013, and Entra's signing certificates are RSA-2048.
pub const DEFAULT_MIN_RSA_KEY_BITS: u32 = 2048;

/// The values `min_rsa_key_bits` may take. 1024 is the floor because nothing shorter is
/// verifiable at all (aws-lc-rs's legacy verifiers start there); the ceiling only keeps the
/// setting sane.
pub const MIN_RSA_KEY_BITS_RANGE: RangeInclusive<u32> = 1024..=16384;

/// The longest RSA modulus aws-lc-rs verifies with.
const MAX_RSA_BITS: u32 = 8192;

/// Below this, RSA verification goes through aws-lc-rs's `1024_8192_*_FOR_LEGACY_USE_ONLY`
/// verifiers, which exist for SHA-1, SHA-256 and SHA-512 only.
const LEGACY_RSA_BELOW: u32 = 2048;

/// The kind of key a certificate holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// RSA; its size is [`Certificate::key_bits`].
    Rsa,
    /// ECDSA on P-256.
    EcP256,
    /// ECDSA on P-384.
    EcP384,
    /// ECDSA on P-521.
    EcP521,
}

impl KeyKind {
    /// The curve's size in bits, for EC keys.
    fn curve_bits(self) -> Option<u32> {
        match self {
            KeyKind::Rsa => None,
            KeyKind::EcP256 => Some(256),
            KeyKind::EcP384 => Some(384),
            KeyKind::EcP521 => Some(521),
        }
    }

    /// How many bytes each of r and s take in an XML-DSig ECDSA SignatureValue (RFC 4050 §3.3:
    /// the field size, left-padded with zeros).
    fn field_bytes(self) -> Option<usize> {
        self.curve_bits().map(|bits| bits.div_ceil(8) as usize)
    }
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
    bits: u32,
    /// One parsed key per signature algorithm this key can verify.
    keys: Vec<(SignatureAlgorithm, ParsedPublicKey)>,
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificate")
            .field("subject", &self.subject)
            .field("key", &format_args!("{:?} {} bits", self.kind, self.bits))
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
        let bits = match kind.curve_bits() {
            Some(bits) => bits,
            None => rsa_modulus_bits(spki.subject_public_key.raw_bytes())?,
        };
        // XML-DSig does not tie the hash to the curve (xmlsec1 signs P-256 with SHA-512), so an
        // EC key gets all three hashes; the SignatureValue's r‖s is re-encoded as DER for the
        // ASN.1 verifiers, the only ones aws-lc-rs has for every curve and hash.
        let algorithms: &[(SignatureAlgorithm, &'static dyn VerificationAlgorithm)] = match kind {
            KeyKind::Rsa if bits < LEGACY_RSA_BELOW => &[
                (SignatureAlgorithm::RsaSha1, &signature::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY),
                (SignatureAlgorithm::RsaSha256, &signature::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY),
                (SignatureAlgorithm::RsaSha512, &signature::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY),
            ],
            KeyKind::Rsa => &[
                (SignatureAlgorithm::RsaSha1, &signature::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY),
                (SignatureAlgorithm::RsaSha256, &signature::RSA_PKCS1_2048_8192_SHA256),
                (SignatureAlgorithm::RsaSha384, &signature::RSA_PKCS1_2048_8192_SHA384),
                (SignatureAlgorithm::RsaSha512, &signature::RSA_PKCS1_2048_8192_SHA512),
            ],
            KeyKind::EcP256 => &[
                (SignatureAlgorithm::EcdsaSha256, &signature::ECDSA_P256_SHA256_ASN1),
                (SignatureAlgorithm::EcdsaSha384, &signature::ECDSA_P256_SHA384_ASN1),
                (SignatureAlgorithm::EcdsaSha512, &signature::ECDSA_P256_SHA512_ASN1),
            ],
            KeyKind::EcP384 => &[
                (SignatureAlgorithm::EcdsaSha256, &signature::ECDSA_P384_SHA256_ASN1),
                (SignatureAlgorithm::EcdsaSha384, &signature::ECDSA_P384_SHA384_ASN1),
                (SignatureAlgorithm::EcdsaSha512, &signature::ECDSA_P384_SHA512_ASN1),
            ],
            KeyKind::EcP521 => &[
                (SignatureAlgorithm::EcdsaSha256, &signature::ECDSA_P521_SHA256_ASN1),
                (SignatureAlgorithm::EcdsaSha384, &signature::ECDSA_P521_SHA384_ASN1),
                (SignatureAlgorithm::EcdsaSha512, &signature::ECDSA_P521_SHA512_ASN1),
            ],
        };
        let mut keys = Vec::with_capacity(algorithms.len());
        for (alg, verification) in algorithms {
            let key = ParsedPublicKey::new(*verification, &spki_der)
                .map_err(|e| bad(format!("the public key is refused ({e})")))?;
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
            bits,
            keys,
        })
    }

    /// Whether the signature over `message` verifies with this key under `algorithm`: `Ok(true)`
    /// or `Ok(false)`, and `Err` (code [`ErrorCode::AlgorithmNotAllowed`]) when this key could
    /// have made such a signature but it cannot be checked here (RSA-SHA384 with an RSA key
    /// under 2048 bits), so the IdP admin learns to change the algorithm instead of hunting a
    /// broken signature. An algorithm of the other key family (an ECDSA URI over an RSA key) is
    /// `Ok(false)`: this key cannot have made that signature.
    pub fn check_signature(
        &self,
        algorithm: SignatureAlgorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<bool, SamlError> {
        if algorithm.is_rsa() != (self.kind == KeyKind::Rsa) {
            return Ok(false);
        }
        let Some((_, key)) = self.keys.iter().find(|(a, _)| *a == algorithm) else {
            return Err(SamlError::new(
                ErrorCode::AlgorithmNotAllowed,
                format!(
                    "SignatureMethod {} cannot be verified with the {}-bit RSA key of certificate \"{}\": RSA keys \
                     under {LEGACY_RSA_BELOW} bits verify RSA-SHA256, RSA-SHA512 and (with allow_sha1) RSA-SHA1 \
                     only; configure the IdP for RSA-SHA256, or give it a key of {LEGACY_RSA_BELOW} bits or more",
                    algorithm.uri(),
                    self.bits,
                    self.subject
                ),
            ));
        };
        let verified = match self.kind.field_bytes() {
            None => key.verify_sig(message, signature).is_ok(),
            Some(field) => match ecdsa_der(signature, field) {
                Some(der) => key.verify_sig(message, &der).is_ok(),
                None => false,
            },
        };
        Ok(verified)
    }

    /// Whether the signature over `message` verifies with this key under `algorithm` (an
    /// algorithm this key cannot check counts as not verifying; see
    /// [`check_signature`](Self::check_signature) to tell the two apart).
    pub fn verifies(&self, algorithm: SignatureAlgorithm, message: &[u8], signature: &[u8]) -> bool {
        matches!(self.check_signature(algorithm, message, signature), Ok(true))
    }

    /// Refuse this certificate as an IdP signing key when its RSA key is shorter than
    /// `min_rsa_key_bits` (the setting of that name), or longer than any verifier takes.
    /// EC keys always pass: every supported curve is at least as strong as RSA-3072.
    pub fn check_key_size(&self, min_rsa_key_bits: u32) -> Result<(), SamlError> {
        if self.kind != KeyKind::Rsa {
            return Ok(());
        }
        if self.bits < min_rsa_key_bits {
            return Err(bad(format!(
                "the IdP certificate \"{}\" has a {}-bit RSA key; the minimum is {min_rsa_key_bits} bits \
                 (min_rsa_key_bits)",
                self.subject, self.bits
            )));
        }
        if self.bits > MAX_RSA_BITS {
            return Err(bad(format!(
                "the IdP certificate \"{}\" has a {}-bit RSA key; keys over {MAX_RSA_BITS} bits cannot be verified",
                self.subject, self.bits
            )));
        }
        Ok(())
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

    /// The key size in bits: the RSA modulus length, or the EC curve size (256, 384, 521).
    pub fn key_bits(&self) -> u32 {
        self.bits
    }

    /// The key as an admin reads it: "RSA-2048", "EC P-256".
    pub fn key_description(&self) -> String {
        match self.kind {
            KeyKind::Rsa => format!("RSA-{}", self.bits),
            _ => format!("EC P-{}", self.bits),
        }
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

/// Whether the signature over `message` verifies under `algorithm` with any of `certificates`
/// (tried in order: several during a rollover). When none verifies and one of them could not
/// check `algorithm` at all, that refusal (code [`ErrorCode::AlgorithmNotAllowed`]) is returned
/// rather than `Ok(false)`: the admin must change the algorithm, not look for a forgery.
pub fn verify_with_any(
    certificates: &[Certificate],
    algorithm: SignatureAlgorithm,
    message: &[u8],
    signature: &[u8],
) -> Result<bool, SamlError> {
    let mut unsupported = None;
    for certificate in certificates {
        match certificate.check_signature(algorithm, message, signature) {
            Ok(true) => return Ok(true),
            Ok(false) => {}
            Err(e) => {
                unsupported.get_or_insert(e);
            }
        }
    }
    match unsupported {
        Some(e) => Err(e),
        None => Ok(false),
    }
}

/// The length in bits of the modulus of a PKCS#1 `RSAPublicKey` (the subjectPublicKey of an
/// rsaEncryption SubjectPublicKeyInfo): `SEQUENCE { modulus INTEGER, publicExponent INTEGER }`.
fn rsa_modulus_bits(public_key: &[u8]) -> Result<u32, SamlError> {
    let refuse = |e: x509_cert::der::Error| bad(format!("the RSA public key is not a PKCS#1 RSAPublicKey: {e}"));
    let mut reader = SliceReader::new(public_key).map_err(refuse)?;
    let modulus = reader
        .sequence(|seq| {
            let modulus = UintRef::decode(seq)?;
            UintRef::decode(seq)?;
            Ok(modulus)
        })
        .map_err(refuse)?;
    let modulus = reader.finish(modulus).map_err(refuse)?;
    // UintRef drops the leading zero bytes, so only the first byte has unused high bits.
    let bytes = modulus.as_bytes();
    let bits = match bytes.first() {
        Some(first) => bytes.len() * 8 - first.leading_zeros() as usize,
        None => 0,
    };
    u32::try_from(bits).map_err(|_| bad("the RSA modulus is impossibly long"))
}

/// An XML-DSig ECDSA SignatureValue — r and s as big-endian integers of `field` bytes each,
/// concatenated (RFC 4050 §3.3) — as the DER `ECDSA-Sig-Value` the ASN.1 verifiers take. Any
/// other length is no signature from this curve: `None`.
fn ecdsa_der(value: &[u8], field: usize) -> Option<Vec<u8>> {
    if value.len() != 2 * field {
        return None;
    }
    let (r, s) = value.split_at(field);
    let mut body = der_unsigned_integer(r);
    body.extend(der_unsigned_integer(s));
    let mut out = vec![0x30];
    der_length(body.len(), &mut out);
    out.extend(body);
    Some(out)
}

/// A DER INTEGER holding the unsigned big-endian `magnitude`: minimal, and with a leading zero
/// byte where the top bit would otherwise read as a sign.
fn der_unsigned_integer(magnitude: &[u8]) -> Vec<u8> {
    let start = magnitude.iter().position(|b| *b != 0).unwrap_or(magnitude.len());
    let digits = &magnitude[start..];
    let pad = digits.first().is_none_or(|b| b & 0x80 != 0);
    let mut out = vec![0x02];
    der_length(digits.len() + usize::from(pad), &mut out);
    if pad {
        out.push(0);
    }
    out.extend_from_slice(digits);
    out
}

/// A DER length; ECDSA signatures stay far below 65,536 bytes, so one or two length bytes do.
fn der_length(len: usize, out: &mut Vec<u8>) {
    match len {
        0..=0x7F => out.push(len as u8),
        0x80..=0xFF => out.extend([0x81, len as u8]),
        _ => out.extend([0x82, (len >> 8) as u8, len as u8]),
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

    fn test_cert(name: &str) -> Certificate {
        let path = format!("{}/tests/data/saml/{name}-cert.pem", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        Certificate::parse_all(&text).unwrap().remove(0)
    }

    #[test]
    fn reads_the_key_size() {
        // Sizes as `openssl x509 -noout -text` prints them for the throwaway certificates.
        for (name, kind, bits) in [
            ("idp-rsa1024", KeyKind::Rsa, 1024),
            ("idp", KeyKind::Rsa, 2048),
            ("idp-rsa3072", KeyKind::Rsa, 3072),
            ("idp-rsa4096", KeyKind::Rsa, 4096),
            ("idp-ec", KeyKind::EcP256, 256),
            ("idp-ec384", KeyKind::EcP384, 384),
            ("idp-ec521", KeyKind::EcP521, 521),
        ] {
            let cert = test_cert(name);
            assert_eq!((cert.key_kind(), cert.key_bits()), (kind, bits), "{name}");
        }
        assert_eq!(test_cert("idp-rsa3072").key_description(), "RSA-3072");
        assert_eq!(test_cert("idp-ec521").key_description(), "EC P-521");
        assert_eq!(Certificate::parse_all(&entra_cert_text()).unwrap()[0].key_bits(), 2048);
    }

    #[test]
    fn modulus_bits_count_from_the_top_set_bit() {
        // SEQUENCE { INTEGER 0x0101 (9 bits), INTEGER 3 }, then a leading sign byte not counted.
        assert_eq!(rsa_modulus_bits(&[0x30, 0x07, 0x02, 0x02, 0x01, 0x01, 0x02, 0x01, 0x03]).unwrap(), 9);
        assert_eq!(rsa_modulus_bits(&[0x30, 0x08, 0x02, 0x03, 0x00, 0x80, 0x00, 0x02, 0x01, 0x03]).unwrap(), 16);
        for junk in [&[][..], &[0x30, 0x00], &[0x02, 0x01, 0x01], &[0x30, 0x03, 0x02, 0x01, 0x01, 0x00]] {
            assert_eq!(rsa_modulus_bits(junk).unwrap_err().code(), ErrorCode::InvalidCertificate, "{junk:?}");
        }
    }

    #[test]
    fn key_size_floor() {
        let short = test_cert("idp-rsa1024");
        let err = short.check_key_size(DEFAULT_MIN_RSA_KEY_BITS).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidCertificate);
        assert_eq!(
            err.message(),
            "the IdP certificate \"CN=sso-scim test idp RSA-1024 (throwaway)\" has a 1024-bit RSA key; the \
             minimum is 2048 bits (min_rsa_key_bits)"
        );
        assert!(short.check_key_size(1024).is_ok());
        assert!(test_cert("idp").check_key_size(2048).is_ok());
        assert!(test_cert("idp").check_key_size(2049).is_err());
        assert!(test_cert("idp-rsa4096").check_key_size(3072).is_ok());
        // EC keys have no RSA floor.
        assert!(test_cert("idp-ec").check_key_size(16384).is_ok());
    }

    #[test]
    fn rsa_sha384_with_a_short_key_is_an_algorithm_refusal() {
        let short = test_cert("idp-rsa1024");
        let err = short.check_signature(SignatureAlgorithm::RsaSha384, b"m", &[0; 128]).unwrap_err();
        assert_eq!(err.code(), ErrorCode::AlgorithmNotAllowed);
        assert!(err.message().contains("1024-bit RSA key") && err.message().contains("RSA-SHA256"), "{err}");
        // Other hashes are checked (and this junk fails); another key family is simply no match.
        assert_eq!(short.check_signature(SignatureAlgorithm::RsaSha256, b"m", &[0; 128]), Ok(false));
        assert_eq!(short.check_signature(SignatureAlgorithm::EcdsaSha384, b"m", &[0; 128]), Ok(false));
        assert!(!short.verifies(SignatureAlgorithm::RsaSha384, b"m", &[0; 128]));
        // With several certificates, the refusal stands only if none verifies.
        let both = [short, test_cert("idp")];
        let err = verify_with_any(&both, SignatureAlgorithm::RsaSha384, b"m", &[0; 256]).unwrap_err();
        assert_eq!(err.code(), ErrorCode::AlgorithmNotAllowed);
        assert_eq!(verify_with_any(&both, SignatureAlgorithm::RsaSha256, b"m", &[0; 256]), Ok(false));
    }

    #[test]
    fn ecdsa_signatures_verify_from_their_xml_dsig_form() {
        use aws_lc_rs::rand::SystemRandom;
        use aws_lc_rs::signature::{EcdsaKeyPair, EcdsaSigningAlgorithm};
        let rng = SystemRandom::new();
        let message = b"canonical SignedInfo";
        // The pairs aws-lc-rs can sign (fixed r||s form); the other curve/hash pairs are signed
        // by xmlsec1 in the SAML vectors (tests/vectors/saml/keys.json).
        let cases: [(&str, &'static EcdsaSigningAlgorithm, SignatureAlgorithm); 5] = [
            ("idp-ec", &signature::ECDSA_P256_SHA256_FIXED_SIGNING, SignatureAlgorithm::EcdsaSha256),
            ("idp-ec384", &signature::ECDSA_P384_SHA384_FIXED_SIGNING, SignatureAlgorithm::EcdsaSha384),
            ("idp-ec521", &signature::ECDSA_P521_SHA256_FIXED_SIGNING, SignatureAlgorithm::EcdsaSha256),
            ("idp-ec521", &signature::ECDSA_P521_SHA384_FIXED_SIGNING, SignatureAlgorithm::EcdsaSha384),
            ("idp-ec521", &signature::ECDSA_P521_SHA512_FIXED_SIGNING, SignatureAlgorithm::EcdsaSha512),
        ];
        for (name, signing, algorithm) in cases {
            let pem = std::fs::read_to_string(format!("{}/tests/data/saml/{name}-key.pem", env!("CARGO_MANIFEST_DIR")))
                .unwrap();
            let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
            let key = EcdsaKeyPair::from_pkcs8(signing, &STANDARD.decode(body).unwrap()).unwrap();
            let cert = test_cert(name);
            for _ in 0..8 {
                // r or s with a top bit set, or a leading zero byte, takes another DER shape.
                let value = key.sign(&rng, message).unwrap();
                let value = value.as_ref();
                assert_eq!(cert.check_signature(algorithm, message, value), Ok(true), "{name} {algorithm:?}");
                assert_eq!(cert.check_signature(algorithm, b"another message", value), Ok(false));
                // The DER form itself, or r||s with a byte more or less, is no XML-DSig value.
                assert!(!cert.verifies(algorithm, message, &value[1..]));
                assert!(!cert.verifies(algorithm, message, &[value, &[0]].concat()));
                let der = ecdsa_der(value, value.len() / 2).unwrap();
                assert!(!cert.verifies(algorithm, message, &der));
            }
            let others: Vec<SignatureAlgorithm> =
                [SignatureAlgorithm::EcdsaSha256, SignatureAlgorithm::EcdsaSha384, SignatureAlgorithm::EcdsaSha512]
                    .into_iter()
                    .filter(|a| *a != algorithm)
                    .collect();
            let value = key.sign(&rng, message).unwrap();
            for other in others {
                assert_eq!(cert.check_signature(other, message, value.as_ref()), Ok(false), "{name} {other:?}");
            }
        }
    }

    #[test]
    fn ecdsa_der_encoding() {
        assert_eq!(
            ecdsa_der(&[0, 0x7F, 0x80, 0x01], 2).unwrap(),
            [0x30, 0x08, 0x02, 0x01, 0x7F, 0x02, 0x03, 0x00, 0x80, 0x01]
        );
        assert_eq!(ecdsa_der(&[0, 0, 0, 0], 2).unwrap(), [0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00]);
        assert_eq!(ecdsa_der(&[1, 2, 3], 2), None);
        assert_eq!(ecdsa_der(&[], 2), None);
        let long = ecdsa_der(&[0xFF; 132], 66).unwrap();
        assert_eq!(&long[..3], [0x30, 0x81, 2 * (2 + 67)]);
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
