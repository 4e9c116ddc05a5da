//! `metadata_import`: IdP metadata import on arbitrary text.
//!
//! What an import promises is that its result is usable: settings built from accepted metadata
//! must pass `ServiceProvider::new`, or an admin could save a configuration that fails only at
//! the first sign-in.

use sso_scim_core::saml::{IdpMetadata, ServiceProvider};
use time::macros::datetime;

/// Every entity the document lists is selected (a few at most), then the single-IdP import is
/// checked against its own guarantees and against selection by its entity ID.
pub fn metadata_import(data: &[u8]) {
    let xml = String::from_utf8_lossy(data);
    if let Ok(ids) = IdpMetadata::idp_entity_ids(&xml) {
        for id in ids.iter().take(4) {
            if let Ok(chosen) = IdpMetadata::select(&xml, Some(id)) {
                assert_eq!(chosen.entity_id(), id.trim(), "select() returned another entity than the one asked for");
                check(&chosen);
            }
        }
    }
    let Ok(metadata) = IdpMetadata::parse(&xml) else { return };
    check(&metadata);
    let listed = IdpMetadata::idp_entity_ids(&xml).expect("metadata that imports lists its identity providers");
    assert_eq!(listed, [metadata.entity_id()], "parse() chose an IdP other than the only one listed");
    let again = IdpMetadata::select(&xml, Some(metadata.entity_id())).expect("the imported entity can be selected");
    assert_eq!(again.entity_id(), metadata.entity_id());
    assert_eq!(again.signing_certificates().len(), metadata.signing_certificates().len());
}

fn check(metadata: &IdpMetadata) {
    let id = metadata.entity_id();
    assert!(!id.is_empty() && id.trim() == id, "entity ID {id:?} is empty or untrimmed");
    assert!(id.chars().count() <= 1024, "entity ID longer than SAML allows");
    assert!(!metadata.signing_certificates().is_empty(), "imported metadata without a signing certificate");
    let http = |url: &str| url.starts_with("https://") || url.starts_with("http://");
    let endpoints = metadata.single_sign_on_services().iter().chain(metadata.single_logout_services());
    for endpoint in endpoints {
        assert!(http(&endpoint.location), "endpoint location {:?} is not http(s)", endpoint.location);
        if let Some(response) = &endpoint.response_location {
            assert!(http(response), "endpoint response location {response:?} is not http(s)");
        }
    }
    let sso = metadata.sso_url(None).expect("imported metadata has a Redirect or POST SingleSignOnService");
    assert!(http(sso));
    let formats = metadata.name_id_formats();
    assert!(formats.iter().all(|f| !f.is_empty() && f.trim() == f), "blank or untrimmed NameID format: {formats:?}");
    let _ = metadata.valid_until();
    let _ = metadata.certificates_expiring_within(datetime!(2026-03-04 12:00 UTC), 30);

    let settings = metadata.to_settings("https://app.example.test/saml/metadata", "https://app.example.test/saml/acs");
    if let Err(e) = ServiceProvider::new(settings) {
        panic!("settings from imported metadata ({id}) are refused: {e}");
    }
}
