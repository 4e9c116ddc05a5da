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
/// nothing, except the limits that shape a list page (`max_results`, `default_page_size`,
/// `max_page_bytes`), which make the page shorter instead.
///
/// Memory per request: a body is at most `max_body_bytes`, a stored resource at most
/// `max_resource_bytes`, and a list page loads at most `max_results` resources from the store
/// (each at most `max_resource_bytes`, if it was written through this handler) and renders at
/// most `max_page_bytes` plus one resource.
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
    /// Largest stored User or Group, in bytes: the compact JSON of the stored resource
    /// document (the attributes kept after normalisation, `schemas` and a Group's `members`
    /// included; not `id`, `meta` or a User's `active`). Checked on every write that changes
    /// the document — POST (a User's re-link too), PUT and PATCH — against the result, so a
    /// PATCH adding members to a Group is refused once the Group would pass it: 413
    /// `payload_too_large` (no `scimType`), and nothing is stored. A document already stored above it (after the limit was lowered)
    /// can still be read, deleted, or changed in `active` alone.
    ///
    /// With it, what a store hands back for one resource is bounded too: a list page loads up
    /// to `count` (at most `max_results`) resources, so one list request holds at most about
    /// `max_results` × `max_resource_bytes` of stored documents plus `max_page_bytes` of
    /// rendered response.
    pub max_resource_bytes: usize,
    /// Byte budget for the `Resources` of one list or search page (`GET /Users`, `GET
    /// /Groups`, their `.search`, the root `POST /.search`): the compact JSON of the rendered
    /// resources, counted with the commas between them. Resources are rendered one at a time,
    /// and the page stops before the one that would pass the budget — but always holds at
    /// least one, however large. `itemsPerPage` is then smaller than `count` while
    /// `totalResults` and `startIndex` are unchanged; RFC 7644 §3.4.2.4 lets a page hold fewer
    /// than `count`, and a client pages on from `startIndex` + `itemsPerPage`.
    pub max_page_bytes: usize,
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
            max_resource_bytes: 256 << 10,
            max_page_bytes: 1 << 20,
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
            ("max_resource_bytes", l.max_resource_bytes),
            ("max_page_bytes", l.max_page_bytes),
        ];
        if let Some((name, _)) = positive.iter().find(|(_, v)| *v == 0) {
            return Err(ConfigError(format!("limits.{name} must be at least 1")));
        }
        // Upper bounds: a depth bounds recursion (past the stack, a process aborts rather
        // than panics) and a size bounds memory; none can be "unlimited".
        let ceilings = [
            ("max_body_bytes", l.max_body_bytes, 64 << 20),
            ("max_json_depth", l.max_json_depth, 128),
            ("max_filter_bytes", l.max_filter_bytes, 1 << 20),
            ("max_filter_depth", l.max_filter_depth, 64),
            ("max_patch_operations", l.max_patch_operations, 10_000),
            ("max_results", l.max_results, 10_000),
            ("max_attribute_paths", l.max_attribute_paths, 1024),
            ("max_resource_bytes", l.max_resource_bytes, 64 << 20),
            ("max_page_bytes", l.max_page_bytes, 256 << 20),
        ];
        if let Some((name, value, max)) = ceilings.iter().find(|(_, v, max)| v > max) {
            return Err(ConfigError(format!("limits.{name} must be between 1 and {max}, got {value}")));
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
        assert_eq!(c.limits.max_resource_bytes, 262_144);
        assert_eq!(c.limits.max_page_bytes, 1_048_576);
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
            r#"{"limits":{"max_resource_bytes":0}}"#,
            r#"{"limits":{"max_page_bytes":0}}"#,
            r#"{"limits":{"maxPageBytes":4096}}"#,
            r#"{"limits":{"max_results":10}}"#,
            r#"{"base_url":"ftp://x"}"#,
            r#"{"limits":{"max_json_depth":1000000000}}"#,
            r#"{"limits":{"max_filter_depth":65}}"#,
            r#"{"limits":{"max_body_bytes":18446744073709551615}}"#,
            "[]",
        ] {
            assert!(ScimConfig::from_json(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn size_limits_read_from_json_and_name_themselves_when_zero() {
        let c = ScimConfig::from_json(r#"{"limits":{"max_resource_bytes":1,"max_page_bytes":1}}"#).unwrap();
        assert_eq!((c.limits.max_resource_bytes, c.limits.max_page_bytes), (1, 1), "1 is the smallest allowed");
        for name in ["max_resource_bytes", "max_page_bytes"] {
            let err = ScimConfig::from_json(&format!(r#"{{"limits":{{"{name}":0}}}}"#)).unwrap_err();
            assert_eq!(err.0, format!("limits.{name} must be at least 1"));
        }
    }
}
