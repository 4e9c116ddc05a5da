//! The checked service provider: [`SamlSettings`] validated once, with every certificate and
//! key parsed, so that no sign-in pays for (or fails on) configuration.

use aws_lc_rs::rsa::{OaepPrivateDecryptingKey, PrivateDecryptingKey};
use aws_lc_rs::signature::RsaKeyPair;

use super::certificate::{Certificate, MIN_RSA_KEY_BITS_RANGE, decode_base64};
use super::error::SamlError;
use super::settings::{MAX_CLOCK_SKEW_SECONDS, MAX_RESPONSE_BYTES_LIMIT, SamlSettings, invalid};
use crate::error::ErrorCode;

/// An RSA private key (PKCS#8) usable for RSA-OAEP decryption.
pub(crate) struct DecryptionKey(pub OaepPrivateDecryptingKey);

impl std::fmt::Debug for DecryptionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DecryptionKey(…)")
    }
}

/// Read the DER of a single PEM block with the given label (`PRIVATE KEY`).
pub(crate) fn pem_block(text: &str, label: &str) -> Result<Vec<u8>, SamlError> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = text.find(&begin).ok_or_else(|| {
        let hint = if text.contains("BEGIN RSA PRIVATE KEY") {
            "; convert PKCS#1 with `openssl pkcs8 -topk8 -nocrypt`"
        } else {
            ""
        };
        SamlError::new(ErrorCode::InvalidKey, format!("expected a \"{begin}\" block (PKCS#8 PEM){hint}"))
    })?;
    let body = &text[start + begin.len()..];
    let stop =
        body.find(&end).ok_or_else(|| SamlError::new(ErrorCode::InvalidKey, format!("\"{begin}\" is not closed")))?;
    decode_base64(&body[..stop]).map_err(|e| SamlError::new(ErrorCode::InvalidKey, e.message().to_owned()))
}

/// Settings checked and parsed: the object every SAML operation runs on.
#[derive(Debug)]
pub struct ServiceProvider {
    settings: SamlSettings,
    idp_certificates: Vec<Certificate>,
    decryption_keys: Vec<DecryptionKey>,
    signing_key: Option<RsaKeyPair>,
    sp_certificate: Option<Certificate>,
}

fn check_url(field: &str, url: &str) -> Result<(), SamlError> {
    if url.starts_with("https://") || url.starts_with("http://") {
        Ok(())
    } else {
        Err(invalid(format!("{field} must be an http(s) URL, got \"{url}\"")))
    }
}

/// `field` must lie in `range`: every number a host can set is bounded here, at construction,
/// so no later call can overflow on it (a clock skew of 2^63 seconds once made every
/// validation panic on date arithmetic).
fn in_range(field: &str, value: u64, range: std::ops::RangeInclusive<u64>) -> Result<(), SamlError> {
    if range.contains(&value) {
        return Ok(());
    }
    Err(invalid(format!("{field} must be between {} and {}, got {value}", range.start(), range.end())))
}

fn check_numbers(s: &SamlSettings) -> Result<(), SamlError> {
    in_range("clock_skew_seconds", s.clock_skew_seconds, 0..=MAX_CLOCK_SKEW_SECONDS)?;
    in_range("max_response_bytes", s.max_response_bytes as u64, 1..=MAX_RESPONSE_BYTES_LIMIT)?;
    let l = &s.xml_limits;
    let size = |v: usize| v as u64;
    in_range("xml_limits.max_depth", size(l.max_depth), 1..=256)?;
    in_range("xml_limits.max_nodes", u64::from(l.max_nodes), 1..=1_000_000)?;
    in_range("xml_limits.max_attributes", size(l.max_attributes), 1..=256)?;
    in_range("xml_limits.max_namespaced_attributes", size(l.max_namespaced_attributes), 1..=256)?;
    in_range("xml_limits.max_namespace_declarations", size(l.max_namespace_declarations), 1..=4096)?;
    in_range("xml_limits.max_namespaces_in_scope", size(l.max_namespaces_in_scope), 1..=256)?;
    in_range("xml_limits.max_name_bytes", size(l.max_name_bytes), 1..=4096)?;
    in_range("xml_limits.max_namespace_uri_bytes", size(l.max_namespace_uri_bytes), 1..=4096)
}

impl ServiceProvider {
    /// Check `settings` and parse every certificate and key.
    pub fn new(settings: SamlSettings) -> Result<Self, SamlError> {
        for (field, value) in [
            ("sp_entity_id", &settings.sp_entity_id),
            ("acs_url", &settings.acs_url),
            ("idp_entity_id", &settings.idp_entity_id),
        ] {
            if value.trim().is_empty() {
                return Err(invalid(format!("{field} is required")));
            }
        }
        check_url("acs_url", &settings.acs_url)?;
        if let Some(url) = &settings.idp_sso_url {
            check_url("idp_sso_url", url)?;
        }
        if settings.idp_certificates.is_empty() {
            return Err(invalid("idp_certificates is empty: at least one IdP signing certificate is required"));
        }
        check_numbers(&settings)?;
        if !MIN_RSA_KEY_BITS_RANGE.contains(&settings.min_rsa_key_bits) {
            return Err(invalid(format!(
                "min_rsa_key_bits must be between {} and {}, got {}",
                MIN_RSA_KEY_BITS_RANGE.start(),
                MIN_RSA_KEY_BITS_RANGE.end(),
                settings.min_rsa_key_bits
            )));
        }
        let mut idp_certificates = Vec::new();
        for text in &settings.idp_certificates {
            for cert in Certificate::parse_all(text)? {
                // Refused here, where the admin configures the IdP, rather than as a
                // signature_invalid at every sign-in.
                cert.check_key_size(settings.min_rsa_key_bits)?;
                idp_certificates.push(cert);
            }
        }
        let mut decryption_keys = Vec::new();
        for text in &settings.sp_decryption_keys {
            let der = pem_block(text, "PRIVATE KEY")?;
            let key = PrivateDecryptingKey::from_pkcs8(&der).map_err(|e| {
                SamlError::new(ErrorCode::InvalidKey, format!("sp_decryption_keys: not an RSA PKCS#8 key ({e})"))
            })?;
            let key = OaepPrivateDecryptingKey::new(key)
                .map_err(|_| SamlError::new(ErrorCode::InvalidKey, "sp_decryption_keys: the key cannot do RSA-OAEP"))?;
            decryption_keys.push(DecryptionKey(key));
        }
        let sp_certificate = match &settings.sp_certificate {
            Some(text) => Certificate::parse_all(text)?.into_iter().next(),
            None => None,
        };
        if settings.sign_authn_requests && settings.sp_signing_key.is_none() {
            return Err(invalid("sign_authn_requests needs sp_signing_key"));
        }
        let signing_key = match &settings.sp_signing_key {
            Some(text) => Some(RsaKeyPair::from_pkcs8(&pem_block(text, "PRIVATE KEY")?).map_err(|e| {
                SamlError::new(ErrorCode::InvalidKey, format!("sp_signing_key: not an RSA PKCS#8 key ({e})"))
            })?),
            None => None,
        };
        if let (Some(key), Some(cert)) = (&signing_key, &sp_certificate) {
            // A published certificate that does not match the signing key would make the IdP
            // refuse every signed request; say so now rather than at the first login.
            let probe = b"sso-scim: does sp_certificate match sp_signing_key?";
            let mut sig = vec![0u8; key.public_modulus_len()];
            let rng = aws_lc_rs::rand::SystemRandom::new();
            let signed = key.sign(&aws_lc_rs::signature::RSA_PKCS1_SHA256, &rng, probe, &mut sig).is_ok();
            if !signed || !cert.verifies(super::algorithms::SignatureAlgorithm::RsaSha256, probe, &sig) {
                return Err(invalid("sp_certificate does not hold the public key of sp_signing_key"));
            }
        }
        Ok(ServiceProvider { settings, idp_certificates, decryption_keys, signing_key, sp_certificate })
    }

    /// The settings.
    pub fn settings(&self) -> &SamlSettings {
        &self.settings
    }

    /// The trusted IdP certificates.
    pub fn idp_certificates(&self) -> &[Certificate] {
        &self.idp_certificates
    }

    /// IdP certificates that expire by `now + days` (for rollover warnings).
    pub fn certificates_expiring_within(&self, now: time::OffsetDateTime, days: u32) -> Vec<&Certificate> {
        self.idp_certificates.iter().filter(|c| c.expires_within(now, days)).collect()
    }

    pub(crate) fn decryption_keys(&self) -> &[DecryptionKey] {
        &self.decryption_keys
    }

    /// Our AuthnRequest signing key, when configured.
    pub(crate) fn signing_key(&self) -> Option<&RsaKeyPair> {
        self.signing_key.as_ref()
    }

    /// Our own certificate, when configured.
    pub fn sp_certificate(&self) -> Option<&Certificate> {
        self.sp_certificate.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::saml::xml::XmlLimits;

    fn read(name: &str) -> String {
        std::fs::read_to_string(format!("{}/tests/data/saml/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    fn base() -> SamlSettings {
        SamlSettings::new(
            "https://sp.example/",
            "https://sp.example/acs",
            "https://idp.example/",
            vec![read("idp-cert.pem")],
        )
    }

    #[test]
    fn required_values_and_keys_are_checked() {
        assert!(ServiceProvider::new(base()).is_ok());
        let code = |s: SamlSettings| ServiceProvider::new(s).unwrap_err().code().as_str();
        assert_eq!(code(SamlSettings { idp_certificates: vec![], ..base() }), "invalid_settings");
        assert_eq!(code(SamlSettings { sp_entity_id: " ".into(), ..base() }), "invalid_settings");
        assert_eq!(code(SamlSettings { acs_url: "/acs".into(), ..base() }), "invalid_settings");
        assert_eq!(code(SamlSettings { idp_sso_url: Some("javascript:x".into()), ..base() }), "invalid_settings");
        assert_eq!(code(SamlSettings { idp_certificates: vec!["junk".into()], ..base() }), "invalid_certificate");
        assert_eq!(code(SamlSettings { sp_decryption_keys: vec![read("sp-cert.pem")], ..base() }), "invalid_key");
        assert_eq!(code(SamlSettings { sign_authn_requests: true, ..base() }), "invalid_settings");
        assert_eq!(code(SamlSettings { max_response_bytes: 0, ..base() }), "invalid_settings");
        let matching = SamlSettings {
            sp_signing_key: Some(read("sp-key.pem")),
            sp_certificate: Some(read("sp-cert.pem")),
            ..base()
        };
        assert!(ServiceProvider::new(matching).is_ok());
        let mismatched = SamlSettings {
            sp_signing_key: Some(read("sp-key.pem")),
            sp_certificate: Some(read("idp-cert.pem")),
            ..base()
        };
        assert_eq!(code(mismatched), "invalid_settings");
    }

    #[test]
    fn every_number_is_bounded_at_construction() {
        let message = |s: SamlSettings| ServiceProvider::new(s).unwrap_err().message().to_owned();
        for skew in [86_401, 1_000_000_000_000, u64::MAX] {
            assert_eq!(
                message(SamlSettings { clock_skew_seconds: skew, ..base() }),
                format!("clock_skew_seconds must be between 0 and 86400, got {skew}")
            );
        }
        assert!(ServiceProvider::new(SamlSettings { clock_skew_seconds: 86_400, ..base() }).is_ok());
        assert!(message(SamlSettings { max_response_bytes: usize::MAX, ..base() }).starts_with("max_response_bytes"));
        let deep = XmlLimits { max_depth: 1_000_000, ..XmlLimits::default() };
        assert_eq!(
            message(SamlSettings { xml_limits: deep, ..base() }),
            "xml_limits.max_depth must be between 1 and 256, got 1000000"
        );
        let none = XmlLimits { max_nodes: 0, ..XmlLimits::default() };
        assert!(message(SamlSettings { xml_limits: none, ..base() }).starts_with("xml_limits.max_nodes"));
    }

    #[test]
    fn min_rsa_key_bits_is_a_checked_floor() {
        let code = |s: SamlSettings| ServiceProvider::new(s).unwrap_err().code().as_str();
        assert_eq!(base().min_rsa_key_bits, 2048);
        for bad in [0, 512, 1023, 16385, u32::MAX] {
            let err = ServiceProvider::new(SamlSettings { min_rsa_key_bits: bad, ..base() }).unwrap_err();
            assert_eq!(err.code().as_str(), "invalid_settings", "{bad}");
            assert_eq!(err.message(), format!("min_rsa_key_bits must be between 1024 and 16384, got {bad}"));
        }
        for fine in [1024, 2048, 16384] {
            let certs = vec![read("idp-ec-cert.pem")];
            assert!(
                ServiceProvider::new(SamlSettings { min_rsa_key_bits: fine, idp_certificates: certs, ..base() })
                    .is_ok()
            );
        }
        // A 1024-bit IdP key is refused by default, accepted when the floor is lowered; every
        // certificate counts, a rollover partner included.
        let short = vec![read("idp-rsa1024-cert.pem")];
        let err = ServiceProvider::new(SamlSettings { idp_certificates: short.clone(), ..base() }).unwrap_err();
        assert_eq!(err.code().as_str(), "invalid_certificate");
        assert!(err.message().contains("1024-bit RSA key; the minimum is 2048 bits (min_rsa_key_bits)"), "{err}");
        assert!(
            ServiceProvider::new(SamlSettings { idp_certificates: short, min_rsa_key_bits: 1024, ..base() }).is_ok()
        );
        let rollover = format!("{}{}", read("idp-cert.pem"), read("idp-rsa1024-cert.pem"));
        assert_eq!(code(SamlSettings { idp_certificates: vec![rollover], ..base() }), "invalid_certificate");
        let four_k = vec![read("idp-rsa4096-cert.pem")];
        assert_eq!(
            code(SamlSettings { idp_certificates: four_k.clone(), min_rsa_key_bits: 4097, ..base() }),
            "invalid_certificate"
        );
        assert!(
            ServiceProvider::new(SamlSettings { idp_certificates: four_k, min_rsa_key_bits: 4096, ..base() }).is_ok()
        );
    }
}
