//! The verified identity a login hands back, read only from signed bytes: the response pipeline
//! fills it from `Trusted` views of the assertion, which only its signature stage can build.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::settings::{AttributeMap, Attributes};

/// Who signed in, as the IdP asserted it (every value comes from verified canonical bytes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// The NameID.
    pub name_id: String,
    /// The NameID Format, if given.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub name_id_format: Option<String>,
    /// The AuthnStatement SessionIndex (for single logout).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub session_index: Option<String>,
    /// Mapped e-mail (falls back to an emailAddress-format NameID).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub email: Option<String>,
    /// Mapped given name.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub given_name: Option<String>,
    /// Mapped family name.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub family_name: Option<String>,
    /// Mapped display name.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub display_name: Option<String>,
    /// Mapped IdP object id (Entra `objectidentifier`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub object_id: Option<String>,
    /// Mapped tenant id (Entra `tenantid`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub tenant_id: Option<String>,
    /// The assertion Issuer (the IdP entity ID).
    pub issuer: String,
    /// The assertion ID (the replay key, with the issuer).
    pub assertion_id: String,
    /// The ID of the pending AuthnRequest this response answered, as checked against the
    /// signed content (the Response's `InResponseTo` when present, and the bearer
    /// confirmation's); `None` for an IdP-initiated response. A host that keeps several
    /// requests pending marks this one used.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub in_response_to: Option<String>,
    /// Until when the assertion could be presented (the earliest NotOnOrAfter of its
    /// Conditions and the bearer confirmation used); replay memory must outlive it by the skew.
    #[serde(with = "time::serde::rfc3339")]
    pub not_on_or_after: OffsetDateTime,
    /// Every attribute by Name, all values in order.
    pub attributes: Attributes,
}

/// Attribute names by their FriendlyName, to let mappings name either.
pub(crate) type FriendlyNames = Vec<(String, String)>;

/// The first non-empty value among the attributes `names` lists (by Name or FriendlyName).
pub(crate) fn mapped(attributes: &Attributes, friendly: &FriendlyNames, names: &[String]) -> Option<String> {
    names.iter().find_map(|wanted| {
        let by_name = attributes.get(wanted);
        let by_friendly = || friendly.iter().find(|(f, _)| f == wanted).and_then(|(_, name)| attributes.get(name));
        by_name.or_else(by_friendly).and_then(|values| values.iter().find(|v| !v.is_empty())).cloned()
    })
}

/// Fill the mapped fields.
pub(crate) fn apply_mapping(identity: &mut Identity, friendly: &FriendlyNames, map: &AttributeMap) {
    let a = &identity.attributes;
    identity.email = mapped(a, friendly, &map.email).or_else(|| {
        let email_format =
            identity.name_id_format.as_deref().is_some_and(|f| f.ends_with(":nameid-format:emailAddress"));
        email_format.then(|| identity.name_id.clone())
    });
    identity.given_name = mapped(a, friendly, &map.given_name);
    identity.family_name = mapped(a, friendly, &map.family_name);
    identity.display_name = mapped(a, friendly, &map.display_name);
    identity.object_id = mapped(a, friendly, &map.object_id);
    identity.tenant_id = mapped(a, friendly, &map.tenant_id);
}
