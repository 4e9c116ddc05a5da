//! SAML settings: the JSON form the CLI, bindings and hosts use. They are checked, and their
//! certificates and keys parsed, once, when a [`ServiceProvider`](super::ServiceProvider) is
//! built from them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::certificate::DEFAULT_MIN_RSA_KEY_BITS;
use super::xml::XmlLimits;
use crate::error::ErrorCode;
use crate::saml::error::SamlError;

/// Largest clock skew a setting may give (one day): anything more is not a clock problem.
pub const MAX_CLOCK_SKEW_SECONDS: u64 = 86_400;

/// Largest `max_response_bytes` a setting may give (64 MiB).
pub const MAX_RESPONSE_BYTES_LIMIT: u64 = 64 << 20;

/// Default clock skew tolerated on every time check (crewjam, samael and Shibboleth use 180 s).
pub const DEFAULT_CLOCK_SKEW_SECONDS: u64 = 180;
/// Default cap on a decoded SAMLResponse (Entra's are 5–15 KB).
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 256 * 1024;

/// How a signed-in identity is matched to a directory user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserLookup {
    /// The NameID is the userName (Entra's default NameID is the UPN, as is SCIM's userName).
    #[default]
    NameId,
    /// The mapped e-mail attribute is the userName.
    Email,
}

/// Which attribute names feed the mapped identity fields; each list is tried in order. The
/// defaults cover Entra's claim URIs, the common `urn:oid` names and friendly names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AttributeMap {
    /// E-mail.
    pub email: Vec<String>,
    /// Given name.
    pub given_name: Vec<String>,
    /// Family name.
    pub family_name: Vec<String>,
    /// Display name.
    pub display_name: Vec<String>,
    /// The IdP's immutable user id (Entra object id).
    pub object_id: Vec<String>,
    /// The IdP tenant.
    pub tenant_id: Vec<String>,
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

impl Default for AttributeMap {
    fn default() -> Self {
        AttributeMap {
            email: names(&[
                "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
                "urn:oid:0.9.2342.19200300.100.1.3",
                "email",
                "mail",
                "emailAddress",
            ]),
            given_name: names(&[
                "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname",
                "urn:oid:2.5.4.42",
                "givenName",
                "given_name",
                "firstName",
            ]),
            family_name: names(&[
                "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname",
                "urn:oid:2.5.4.4",
                "sn",
                "surname",
                "family_name",
                "lastName",
            ]),
            display_name: names(&[
                "http://schemas.microsoft.com/identity/claims/displayname",
                "urn:oid:2.16.840.1.113730.3.1.241",
                "displayName",
                "display_name",
                "name",
            ]),
            object_id: names(&["http://schemas.microsoft.com/identity/claims/objectidentifier", "oid", "objectId"]),
            tenant_id: names(&["http://schemas.microsoft.com/identity/claims/tenantid", "tid", "tenantId"]),
        }
    }
}

/// SAML settings of one workspace's service provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SamlSettings {
    /// Our entity ID (Entra: "Identifier (Entity ID)"); must appear in every AudienceRestriction.
    pub sp_entity_id: String,
    /// Our Assertion Consumer Service URL (Entra: "Reply URL"); Destination and Recipient
    /// must equal it exactly.
    pub acs_url: String,
    /// The IdP's entity ID (Entra: `https://sts.windows.net/<tenant>/`). May be left out of the
    /// JSON when metadata fills it.
    #[serde(default)]
    pub idp_entity_id: String,
    /// Trusted IdP signing certificates (PEM or base64 DER); several for rollover. At least
    /// one is required: nothing is ever accepted unsigned.
    #[serde(default)]
    pub idp_certificates: Vec<String>,
    /// The IdP's single sign-on URL (HTTP-Redirect), where AuthnRequests go.
    #[serde(default)]
    pub idp_sso_url: Option<String>,
    /// Accept unsolicited (IdP-initiated) responses, as from Entra's My Apps. Off by default:
    /// replay protection then carries the weight.
    #[serde(default)]
    pub allow_idp_initiated: bool,
    /// Clock skew tolerated on every time check, in seconds.
    #[serde(default = "default_skew")]
    pub clock_skew_seconds: u64,
    /// Accept RSA-SHA1 signatures and SHA-1 digests.
    #[serde(default)]
    pub allow_sha1: bool,
    /// The shortest RSA key accepted in an IdP certificate, in bits: 2048 by default, 1024 to
    /// 16384 allowed. Lower it to 1024 only for a legacy IdP that cannot roll its key over
    /// (RSA-SHA384 is then refused with such a key: no verifier pairs it with short keys).
    #[serde(default = "default_min_rsa_key_bits")]
    pub min_rsa_key_bits: u32,
    /// Demand a signature on the Response element itself, not only on the assertion.
    #[serde(default)]
    pub require_signed_response: bool,
    /// Largest decoded SAMLResponse accepted, in bytes.
    #[serde(default = "default_max_bytes")]
    pub max_response_bytes: usize,
    /// Structural XML limits.
    #[serde(default)]
    pub xml_limits: XmlLimits,
    /// Our private keys (PKCS#8 PEM, RSA) for encrypted assertions; several for rollover.
    #[serde(default)]
    pub sp_decryption_keys: Vec<String>,
    /// Our private key (PKCS#8 PEM, RSA) for signing AuthnRequests, when the IdP requires it.
    #[serde(default)]
    pub sp_signing_key: Option<String>,
    /// Our certificate (PEM), published in SP metadata for signing and encryption.
    #[serde(default)]
    pub sp_certificate: Option<String>,
    /// Sign HTTP-Redirect AuthnRequests with `sp_signing_key`.
    #[serde(default)]
    pub sign_authn_requests: bool,
    /// The NameID format requested in AuthnRequests (none: the IdP chooses).
    #[serde(default)]
    pub name_id_format: Option<String>,
    /// Attribute names for the mapped identity fields.
    #[serde(default)]
    pub attribute_map: AttributeMap,
    /// How the login decision finds the user.
    #[serde(default)]
    pub user_lookup: UserLookup,
}

fn default_skew() -> u64 {
    DEFAULT_CLOCK_SKEW_SECONDS
}

fn default_max_bytes() -> usize {
    DEFAULT_MAX_RESPONSE_BYTES
}

fn default_min_rsa_key_bits() -> u32 {
    DEFAULT_MIN_RSA_KEY_BITS
}

impl SamlSettings {
    /// The clock skew as a duration: the one place it is converted (the response checks and
    /// the replay memory both use it). Bounded to a day when the service provider is built.
    pub fn clock_skew(&self) -> time::Duration {
        time::Duration::seconds(i64::try_from(self.clock_skew_seconds.min(MAX_CLOCK_SKEW_SECONDS)).unwrap_or(0))
    }

    /// Settings with the required values and every default.
    pub fn new(sp_entity_id: &str, acs_url: &str, idp_entity_id: &str, idp_certificates: Vec<String>) -> Self {
        SamlSettings {
            sp_entity_id: sp_entity_id.to_owned(),
            acs_url: acs_url.to_owned(),
            idp_entity_id: idp_entity_id.to_owned(),
            idp_certificates,
            idp_sso_url: None,
            allow_idp_initiated: false,
            clock_skew_seconds: DEFAULT_CLOCK_SKEW_SECONDS,
            allow_sha1: false,
            min_rsa_key_bits: DEFAULT_MIN_RSA_KEY_BITS,
            require_signed_response: false,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            xml_limits: XmlLimits::default(),
            sp_decryption_keys: Vec::new(),
            sp_signing_key: None,
            sp_certificate: None,
            sign_authn_requests: false,
            name_id_format: None,
            attribute_map: AttributeMap::default(),
            user_lookup: UserLookup::default(),
        }
    }

    /// Read settings from JSON; unknown keys are refused.
    pub fn from_json(text: &str) -> Result<Self, SamlError> {
        serde_json::from_str(text).map_err(|e| invalid(format!("SAML settings JSON: {e}")))
    }
}

/// An `invalid_settings` error: a setting no service provider can be built from.
pub(crate) fn invalid(message: impl Into<String>) -> SamlError {
    SamlError::new(ErrorCode::InvalidSettings, message)
}

/// Attribute name → values, as the identity carries them.
pub type Attributes = BTreeMap<String, Vec<String>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_skew_is_converted_in_one_place_and_capped_at_a_day() {
        let with = |seconds| SamlSettings { clock_skew_seconds: seconds, ..SamlSettings::new("a", "b", "c", vec![]) };
        assert_eq!(with(0).clock_skew(), time::Duration::ZERO);
        assert_eq!(with(180).clock_skew(), time::Duration::minutes(3));
        assert_eq!(with(u64::MAX).clock_skew(), time::Duration::days(1));
    }

    #[test]
    fn json_form_uses_defaults_and_refuses_unknown_keys() {
        let s = SamlSettings::from_json(
            r#"{"sp_entity_id":"a","acs_url":"https://a/acs","idp_entity_id":"b","idp_certificates":[]}"#,
        )
        .unwrap();
        assert_eq!(s.clock_skew_seconds, 180);
        assert!(!s.allow_sha1 && !s.allow_idp_initiated);
        assert_eq!(s.max_response_bytes, 256 * 1024);
        assert_eq!(s.min_rsa_key_bits, 2048, "settings stored before the field existed still load");
        let set = SamlSettings::from_json(
            r#"{"sp_entity_id":"a","acs_url":"https://a/acs","idp_entity_id":"b","min_rsa_key_bits":1024}"#,
        )
        .unwrap();
        assert_eq!(set.min_rsa_key_bits, 1024);
        let negative = r#"{"sp_entity_id":"a","acs_url":"https://a/acs","idp_entity_id":"b","min_rsa_key_bits":-1}"#;
        assert_eq!(SamlSettings::from_json(negative).unwrap_err().code().as_str(), "invalid_settings");
        let unknown =
            r#"{"sp_entity_id":"a","acs_url":"x","idp_entity_id":"b","idp_certificates":[],"allow_sha":true}"#;
        assert!(SamlSettings::from_json(unknown).is_err());
    }
}
