//! Handler settings: a plain, serde-readable struct so every binding can take it as JSON.

use serde::{Deserialize, Serialize};

use super::filter::{FilterLimits, FilterOptions};

/// How closely the handler follows the RFC when a client does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Profile {
    /// Accept what Entra ID, Okta and OneLogin really send (the default): capitalised PATCH
    /// ops, `"True"`/`"False"` strings for booleans, dotted and URN keys in path-less PATCH
    /// values, value paths that create the entry they name, a bare string for `manager`,
    /// `""`/`null`/`{"value":""}` as "unassigned", a value list selecting what `remove`
    /// removes, unknown attributes and schema URIs ignored, an empty `Operations` list as a
    /// no-op, unquoted filter values, a filter inside `attributes`, and the
    /// `/serviceConfiguration` alias. None of these changes the answer to a valid RFC request.
    #[default]
    Entra,
    /// RFC 7643/7644 to the letter: every deviation above is a 400 with the matching
    /// `scimType`.
    Strict,
}

impl Profile {
    /// Whether client deviations are tolerated.
    pub fn lenient(self) -> bool {
        self == Profile::Entra
    }
}

/// What a successful PATCH answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PatchResponse {
    /// 200 with the resource (what Entra's validator and Okta read back).
    #[default]
    Representation,
    /// 204 with no body unless `attributes`/`excludedAttributes` is given (RFC 7644 §3.5.2
    /// then requires 200) or the client sends `Prefer: return=representation`.
    NoContent,
}

/// Every limit the handler enforces. An exceeded limit answers a SCIM error and changes
/// nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Largest request body, in bytes (413 beyond).
    pub max_body_bytes: usize,
    /// Deepest JSON nesting of a body (400 `invalidSyntax` beyond).
    pub max_json_depth: usize,
    /// Longest filter, in bytes (400 `invalidFilter` beyond); also bounds a PATCH path
    /// (400 `invalidPath` beyond).
    pub max_filter_bytes: usize,
    /// Deepest filter nesting (400 `invalidFilter` beyond; `invalidPath` in a PATCH path).
    pub max_filter_depth: usize,
    /// Most operations in one PATCH (413 beyond).
    pub max_patch_operations: usize,
    /// Largest page: `count` is capped to it; advertised as `filter.maxResults`.
    pub max_results: usize,
    /// Page size when the client gives no `count`.
    pub default_page_size: usize,
    /// Most entries in `attributes` plus `excludedAttributes` (400 `invalidValue` beyond).
    pub max_attribute_paths: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 1 << 20,
            max_json_depth: 32,
            max_filter_bytes: 4096,
            max_filter_depth: 16,
            max_patch_operations: 256,
            max_results: 200,
            default_page_size: 100,
            max_attribute_paths: 64,
        }
    }
}

/// Settings of a [`ScimHandler`](super::ScimHandler).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScimConfig {
    /// Absolute URL of the SCIM base as clients see it, e.g.
    /// `https://app.example.com/scim/v2`: prefixes `Location` and `meta.location`. Empty
    /// gives base-relative locations (`/Users/{id}`).
    pub base_url: String,
    /// Client compatibility profile.
    pub profile: Profile,
    /// What a successful PATCH answers.
    pub patch_response: PatchResponse,
    /// Serve `/Groups` (and advertise the Group resource type). On by default; a host whose
    /// store does not implement the optional group methods turns it off (`/Groups` then
    /// answers 501).
    pub groups: bool,
    /// Require the bearer token on `/ServiceProviderConfig`, `/ResourceTypes` and `/Schemas`
    /// too. Off by default: RFC 7644 §4 lets clients discover the service unauthenticated,
    /// and these endpoints hold nothing tenant-specific.
    pub authenticate_discovery: bool,
    /// Limits.
    pub limits: Limits,
}

impl Default for ScimConfig {
    fn default() -> Self {
        ScimConfig {
            base_url: String::new(),
            profile: Profile::default(),
            patch_response: PatchResponse::default(),
            groups: true,
            authenticate_discovery: false,
            limits: Limits::default(),
        }
    }
}

/// A setting that cannot work.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid SCIM settings: {0}")]
pub struct ConfigError(pub String);

impl ScimConfig {
    /// Read settings from JSON (the form bindings and the CLI use); unknown keys are refused.
    pub fn from_json(text: &str) -> Result<Self, ConfigError> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| ConfigError(e.to_string()))?;
        if !value.is_object() {
            return Err(ConfigError("settings are a JSON object".into()));
        }
        let config: ScimConfig = serde_json::from_value(value).map_err(|e| ConfigError(e.to_string()))?;
        config.validate()?;
        Ok(config)
    }

    /// Check that the settings can work together.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let l = &self.limits;
        let positive = [
            ("max_body_bytes", l.max_body_bytes),
            ("max_json_depth", l.max_json_depth),
            ("max_filter_bytes", l.max_filter_bytes),
            ("max_filter_depth", l.max_filter_depth),
            ("max_patch_operations", l.max_patch_operations),
            ("max_results", l.max_results),
            ("max_attribute_paths", l.max_attribute_paths),
        ];
        if let Some((name, _)) = positive.iter().find(|(_, v)| *v == 0) {
            return Err(ConfigError(format!("limits.{name} must be at least 1")));
        }
        if l.default_page_size > l.max_results {
            return Err(ConfigError(format!(
                "limits.default_page_size ({}) exceeds limits.max_results ({})",
                l.default_page_size, l.max_results
            )));
        }
        let url = &self.base_url;
        if !(url.is_empty() || url.starts_with("https://") || url.starts_with("http://")) {
            return Err(ConfigError(format!("base_url must be an http(s) URL, not {:?}", self.base_url)));
        }
        Ok(())
    }

    pub(crate) fn filter_limits(&self) -> FilterLimits {
        FilterLimits { max_len: self.limits.max_filter_bytes, max_depth: self.limits.max_filter_depth }
    }

    pub(crate) fn filter_options(&self) -> FilterOptions {
        FilterOptions { lenient: self.profile.lenient() }
    }

    /// The base URL without a trailing slash.
    pub(crate) fn base(&self) -> &str {
        self.base_url.trim_end_matches('/')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_documented_ones() {
        let c = ScimConfig::default();
        assert_eq!(c.profile, Profile::Entra);
        assert_eq!(c.limits.max_body_bytes, 1_048_576);
        assert_eq!(c.patch_response, PatchResponse::Representation);
        assert!(c.validate().is_ok());
    }

    #[test]
    fn json_settings_are_checked() {
        let c =
            ScimConfig::from_json(r#"{"profile":"strict","limits":{"max_results":5,"default_page_size":5}}"#).unwrap();
        assert_eq!(c.profile, Profile::Strict);
        assert_eq!(c.limits.max_results, 5);
        assert_eq!(c.limits.max_filter_depth, 16, "unnamed limits keep their defaults");
        for bad in [
            r#"{"profle":"strict"}"#,
            r#"{"profile":"loose"}"#,
            r#"{"limits":{"max_results":0}}"#,
            r#"{"limits":{"max_results":10}}"#,
            r#"{"base_url":"ftp://x"}"#,
            "[]",
        ] {
            assert!(ScimConfig::from_json(bad).is_err(), "{bad}");
        }
    }
}
