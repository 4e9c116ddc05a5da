//! A workspace's SAML settings as the reference host keeps them: stored JSON, or — before the
//! IdP is configured — defaults whose entity ID and ACS URL derive from the public URL.

use crate::store::Store;
use sso_scim_core::StoreError;
use sso_scim_core::saml::{SamlSettings, ServiceProvider};

/// Our entity ID for a workspace (what the admin enters as Entra's "Identifier").
pub fn sp_entity_id(public_url: &str, workspace: &str) -> String {
    format!("{}/saml/{workspace}/metadata", public_url.trim_end_matches('/'))
}

/// Our ACS URL for a workspace (Entra's "Reply URL").
pub fn acs_url(public_url: &str, workspace: &str) -> String {
    format!("{}/saml/{workspace}/acs", public_url.trim_end_matches('/'))
}

/// The stored settings, or defaults for a workspace whose IdP is not configured yet.
pub fn load(store: &Store, public_url: &str, workspace: &str) -> Result<SamlSettings, String> {
    match store.saml_settings(workspace).map_err(|e| e.to_string())? {
        Some(json) => SamlSettings::from_json(&json).map_err(|e| format!("stored SAML settings: {e}")),
        None => {
            Ok(SamlSettings::new(&sp_entity_id(public_url, workspace), &acs_url(public_url, workspace), "", Vec::new()))
        }
    }
}

/// Check and store settings.
pub fn save(store: &Store, workspace: &str, settings: &SamlSettings) -> Result<ServiceProvider, String> {
    let sp = ServiceProvider::new(settings.clone()).map_err(|e| e.to_string())?;
    let json = serde_json::to_string(settings).map_err(|e| e.to_string())?;
    store.set_saml_settings(workspace, &json).map_err(|e: StoreError| e.to_string())?;
    Ok(sp)
}
