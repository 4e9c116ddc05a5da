//! `saml_validate` and `saml_validate_mutated`: `ServiceProvider::validate_response` on
//! arbitrary bytes, and on genuine signed responses edited by a fuzzer-chosen recipe.
//!
//! The property both share: an accepted response can only carry what an IdP key signed. The
//! only signed responses in existence are the vectors in `tests/vectors/saml/` (signed at
//! generation time with the throwaway keys of `core/tests/data/saml/`), so every accepted
//! identity must carry a NameID that one of them carries; for an edit of a response that was
//! accepted as it stands, the identity must be exactly the one the original gives.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value};
use sso_scim_core::saml::{Identity, SamlSettings, ServiceProvider};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::datetime;

use crate::mutate;
use crate::recipe::Recipe;

/// The SAML vector files whose responses are signed with the test keys. (`entra.json` is left
/// out: its responses are files outside this repository, trusted through their own certificate.)
const VECTORS: &[(&str, &str)] = &[
    ("accept", include_str!("../../../tests/vectors/saml/accept.json")),
    ("encrypted", include_str!("../../../tests/vectors/saml/encrypted.json")),
    ("input", include_str!("../../../tests/vectors/saml/input.json")),
    ("login", include_str!("../../../tests/vectors/saml/login.json")),
    ("profile", include_str!("../../../tests/vectors/saml/profile.json")),
    ("signature", include_str!("../../../tests/vectors/saml/signature.json")),
    ("xsw", include_str!("../../../tests/vectors/saml/xsw.json")),
];

/// Every IdP key the vectors sign with (RSA, its rollover successor, ECDSA); never the attacker's.
const IDP_CERTIFICATES: &[&str] = &[
    include_str!("../../../core/tests/data/saml/idp-cert.pem"),
    include_str!("../../../core/tests/data/saml/idp2-cert.pem"),
    include_str!("../../../core/tests/data/saml/idp-ec-cert.pem"),
];

/// The vectors' outstanding AuthnRequest ID and clock.
const REQUEST_ID: &str = "_8f1c2f6d0b6a4e0e9c3f2b7a1d5e4c33";
const NOW: OffsetDateTime = datetime!(2026-03-04 12:00:05 UTC);

/// One vector response with the settings, clock and request ID of its case.
pub(crate) struct Seed {
    name: String,
    sp: ServiceProvider,
    /// The decoded XML (the vectors mostly hold the base64 form value).
    xml: Vec<u8>,
    now: OffsetDateTime,
    request_id: Option<String>,
    /// What validation gives for the unedited response, when it is accepted.
    identity: Option<Identity>,
}

struct Fixtures {
    /// Every test IdP key trusted, our decryption key, a request outstanding.
    solicited: ServiceProvider,
    /// The same, also taking IdP-initiated responses and SHA-1.
    unsolicited: ServiceProvider,
    seeds: Vec<Seed>,
    /// The NameIDs of every response some case accepts.
    genuine: BTreeSet<String>,
}

fn fixtures() -> &'static Fixtures {
    static FIXTURES: OnceLock<Fixtures> = OnceLock::new();
    FIXTURES.get_or_init(load)
}

fn load() -> Fixtures {
    let mut seeds: Vec<Seed> = Vec::new();
    let mut base = None;
    for (file, text) in VECTORS {
        let vector: Value =
            serde_json::from_str(text).unwrap_or_else(|e| panic!("tests/vectors/saml/{file}.json: {e}"));
        let settings = vector["settings"].as_object().cloned().unwrap_or_default();
        if *file == "encrypted" {
            // The one file whose settings hold the SP decryption key, so arbitrary input can
            // reach decryption too.
            base = Some(settings.clone());
        }
        let file_now = vector["now"].as_str().map_or(NOW, parse_time);
        let file_request = vector["request_id"].as_str().map(str::to_owned);
        for case in vector["cases"].as_array().into_iter().flatten() {
            if case.get("operation").is_some_and(|o| o != "validate") {
                continue;
            }
            let Some(xml) = case["response"].as_str().and_then(decode) else { continue };
            let mut merged: Map<String, Value> = settings.clone();
            for (key, value) in case["settings"].as_object().into_iter().flatten() {
                merged.insert(key.clone(), value.clone());
            }
            let Ok(sp) = SamlSettings::from_json(&Value::Object(merged).to_string()).and_then(ServiceProvider::new)
            else {
                continue;
            };
            let now = case["now"].as_str().map_or(file_now, parse_time);
            let request_id = match case.get("request_id") {
                Some(Value::Null) => None,
                Some(v) => v.as_str().map(str::to_owned),
                None => file_request.clone(),
            };
            // A case validated against a list of pending requests (`pending_request_ids`) is
            // replayed as the single request it answered.
            let pending: Option<Vec<&str>> =
                case["pending_request_ids"].as_array().map(|ids| ids.iter().filter_map(Value::as_str).collect());
            let identity = match &pending {
                Some(ids) => sp.validate_response_pending(&xml, now, ids).ok(),
                None => sp.validate_response(&xml, now, request_id.as_deref()).ok(),
            };
            let request_id = match pending {
                Some(_) => identity.as_ref().and_then(|i| i.in_response_to.clone()),
                None => request_id,
            };
            let name = format!("{file}: {}", case["name"].as_str().unwrap_or("?"));
            seeds.push(Seed { name, sp, xml, now, request_id, identity });
        }
    }
    let genuine: BTreeSet<String> =
        seeds.iter().filter_map(|s| s.identity.as_ref()).map(|i| i.name_id.clone()).collect();
    assert!(!genuine.is_empty(), "no vector response validates: the SAML vectors or the test keys changed");

    let base = base.expect("tests/vectors/saml/encrypted.json has settings");
    let mut settings =
        SamlSettings::from_json(&Value::Object(base).to_string()).expect("the vector settings are valid");
    settings.idp_certificates = IDP_CERTIFICATES.iter().map(|pem| (*pem).to_owned()).collect();
    let solicited = ServiceProvider::new(settings.clone()).expect("the test keys are valid");
    settings.allow_idp_initiated = true;
    settings.allow_sha1 = true;
    let unsolicited = ServiceProvider::new(settings).expect("the test keys are valid");
    Fixtures { solicited, unsolicited, seeds, genuine }
}

fn parse_time(text: &str) -> OffsetDateTime {
    OffsetDateTime::parse(text, &Rfc3339).unwrap_or_else(|e| panic!("a vector time {text:?}: {e}"))
}

/// The response as XML bytes: raw XML is kept, the form value is base64-decoded.
fn decode(response: &str) -> Option<Vec<u8>> {
    let trimmed = response.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with('<') {
        return Some(response.as_bytes().to_vec());
    }
    let compact: String = response.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    STANDARD.decode(compact).ok()
}

/// Panics unless `identity` carries a NameID some genuine response carries, from the IdP the
/// settings name.
fn assert_genuine(identity: &Identity, sp: &ServiceProvider, input: &[u8]) {
    let f = fixtures();
    assert!(
        f.genuine.contains(&identity.name_id),
        "accepted a NameID no signed vector carries: {identity:?}\ninput: {}",
        String::from_utf8_lossy(input)
    );
    assert_eq!(identity.issuer, sp.settings().idp_entity_id, "accepted an assertion from another issuer");
}

/// `validate_response` on arbitrary bytes, as a request with an outstanding AuthnRequest and as
/// an unsolicited one, and `validate_response_pending` with that request among others pending;
/// also the two other entry points that read an unverified response.
pub fn saml_validate(data: &[u8]) {
    let f = fixtures();
    for (sp, request_id) in [(&f.solicited, Some(REQUEST_ID)), (&f.unsolicited, None)] {
        if let Ok(identity) = sp.validate_response(data, NOW, request_id) {
            assert_genuine(&identity, sp, data);
        }
    }
    let pending = ["_another-request", REQUEST_ID];
    if let Ok(identity) = f.unsolicited.validate_response_pending(data, NOW, &pending) {
        assert_genuine(&identity, &f.unsolicited, data);
        let answered = identity.in_response_to.as_deref();
        assert!(answered.is_none_or(|id| pending.contains(&id)), "answered a request not pending: {answered:?}");
    }
    // Still reachable through every binding, so still fuzzed.
    #[allow(deprecated)]
    let _ = f.solicited.in_response_to_hint(data);
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(canonical) = f.solicited.verify_signed_element(text)
    {
        assert!(canonical.starts_with('<'), "verified canonical XML does not start with an element: {canonical:?}");
    }
}

/// A genuine vector response, edited by the recipe in `data` (see `crate::mutate`), then
/// validated with its case's settings. Accepted edits must give the original identity: edits
/// outside the signed content (the unsigned Response, KeyInfo, the encoding) may be accepted,
/// edits inside it never.
pub fn saml_validate_mutated(data: &[u8]) {
    let f = fixtures();
    let mut recipe = Recipe::new(data);
    let seed = &f.seeds[recipe.index(f.seeds.len())];
    let flags = recipe.byte();
    let mut xml = seed.xml.clone();
    mutate::edit(&mut xml, &mut recipe);

    let input = match flags & 3 {
        0 => xml.clone(),
        1 => STANDARD.encode(&xml).into_bytes(),
        // The form value as browsers and IdPs wrap it.
        2 => wrap(&STANDARD.encode(&xml), 76, "\r\n"),
        _ => wrap(&STANDARD.encode(&xml), 64, "\n"),
    };
    let request_id = match (flags >> 2) & 3 {
        1 => None,
        2 => Some("_another-request"),
        _ => seed.request_id.as_deref(),
    };
    let unchanged = xml == seed.xml && request_id == seed.request_id.as_deref();
    match seed.sp.validate_response(&input, seed.now, request_id) {
        Ok(identity) => {
            assert_genuine(&identity, &seed.sp, &input);
            if let Some(original) = &seed.identity {
                assert_eq!(
                    &identity,
                    original,
                    "an edit of \"{}\" was accepted with another identity\nedited: {}",
                    seed.name,
                    String::from_utf8_lossy(&xml)
                );
            }
        }
        Err(e) if unchanged && seed.identity.is_some() => {
            panic!("\"{}\" is accepted as given but refused once re-encoded: {e}", seed.name)
        }
        Err(_) => {}
    }
}

fn wrap(text: &str, width: usize, line_end: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + text.len() / width * 2 + 2);
    for chunk in text.as_bytes().chunks(width) {
        out.extend_from_slice(chunk);
        out.extend_from_slice(line_end.as_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_vectors_give_accepted_and_refused_seeds() {
        let f = fixtures();
        let accepted = f.seeds.iter().filter(|s| s.identity.is_some()).count();
        assert!(accepted >= 20, "only {accepted} vector responses validate");
        assert!(f.seeds.len() > accepted, "the refused vectors (XSW, forgeries) are seeds too");
        assert!(f.genuine.contains("jdoe@contoso.com"));
    }
}
