//! Reading an identity provider's SAML 2.0 metadata: Entra tenant and application federation
//! metadata (WS-Federation 1.2 shape) and generic SAML 2.0 metadata (Okta, Shibboleth, Keycloak,
//! ADFS…), a single `EntityDescriptor` or an `EntitiesDescriptor` aggregate.
//!
//! What is read, and only from the chosen entity's SAML 2.0 `IDPSSODescriptor`: the entity ID,
//! the SingleSignOn and SingleLogout endpoints, the NameID formats and the signing certificates.
//! Everything else is skipped on purpose: Entra's WS-Federation `RoleDescriptor`s (they repeat
//! the same keys for another protocol), `AttributeAuthorityDescriptor`s, extensions, and the
//! metadata's own `ds:Signature`, which is **not verified** (see the [module](super) notes).

use crate::saml::xml::Node;
use time::OffsetDateTime;

use crate::error::ErrorCode;
use crate::saml::certificate::{Certificate, decode_base64};
use crate::saml::datetime::parse_datetime;
use crate::saml::error::SamlError;
use crate::saml::settings::SamlSettings;
use crate::saml::xml::{NS_DSIG, NS_METADATA, XmlLimits, children_named, elements, is, parse_document, text};

use super::{BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, PROTOCOL_SAML2};

/// Largest metadata document accepted, in bytes. Entra tenant metadata is 20–60 KB (it grows
/// with each certificate during rollover), Okta's ≈4 KB, a Shibboleth IdP's ≈10 KB: 1 MiB leaves
/// a wide margin for one organisation's metadata or a small aggregate. Federation-wide aggregates
/// (tens of MB, and only trustworthy with their signature checked) are out of scope: extract the
/// IdP's `EntityDescriptor` from them.
pub const MAX_METADATA_BYTES: usize = 1024 * 1024;

/// XML limits for metadata. Wider than the response defaults where metadata is legitimately
/// bigger: node count (1 MiB of markup at ≈10 bytes per node) and distinct namespace bindings (a
/// small aggregate binds its own per entity; Entra re-declares one namespace on every `KeyInfo`,
/// `ClaimType` and `EndpointReference`, which counts once). Depth stays tight: real metadata nests
/// about 10 elements deep (aggregate → entity → role → KeyDescriptor → KeyInfo → X509Data → cert).
pub const METADATA_LIMITS: XmlLimits = XmlLimits {
    max_depth: 32,
    max_nodes: 100_000,
    max_attributes: 64,
    max_namespaced_attributes: 16,
    max_namespace_declarations: 512,
    max_namespaces_in_scope: 64,
    max_name_bytes: 256,
    max_namespace_uri_bytes: 1024,
};

/// `entityID` is at most 1024 characters (SAML metadata §2.2.1, `entityIDType`).
const MAX_ENTITY_ID_CHARS: usize = 1024;

fn invalid(message: impl Into<String>) -> SamlError {
    SamlError::new(ErrorCode::InvalidMetadata, message)
}

/// Re-code an error from a shared helper (XML parsing, certificates) as metadata trouble, keeping
/// its message and naming where it happened.
fn context(what: &str) -> impl FnOnce(SamlError) -> SamlError + '_ {
    move |e| invalid(format!("{what}: {} ({})", e.message(), e.code()))
}

/// One protocol endpoint (`SingleSignOnService`, `SingleLogoutService`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The binding URI, e.g. [`BINDING_HTTP_REDIRECT`].
    pub binding: String,
    /// Where requests go; always an `http(s)` URL.
    pub location: String,
    /// Where responses go, when the IdP names a separate URL (logout); always `http(s)`.
    pub response_location: Option<String>,
}

/// What a service provider needs from an identity provider's metadata.
///
/// Built only by [`IdpMetadata::parse`] or [`IdpMetadata::select`], which guarantee at least one
/// signing certificate and at least one SingleSignOnService with the HTTP-Redirect or HTTP-POST
/// binding.
#[derive(Debug, Clone)]
pub struct IdpMetadata {
    entity_id: String,
    single_sign_on: Vec<Endpoint>,
    single_logout: Vec<Endpoint>,
    name_id_formats: Vec<String>,
    certificates: Vec<Certificate>,
    want_authn_requests_signed: bool,
    valid_until: Option<OffsetDateTime>,
}

impl IdpMetadata {
    /// Read identity-provider metadata holding exactly one SAML 2.0 identity provider (an
    /// `EntityDescriptor`, or an `EntitiesDescriptor` in which one entity has a SAML 2.0
    /// `IDPSSODescriptor`). A leading UTF-8 byte-order mark is ignored (Entra serves one).
    ///
    /// The metadata's own signature is not verified and nothing is fetched: pass a document
    /// the admin obtained over TLS from their IdP. Every error has the code
    /// [`ErrorCode::InvalidMetadata`].
    pub fn parse(xml: &str) -> Result<IdpMetadata, SamlError> {
        IdpMetadata::select(xml, None)
    }

    /// Like [`parse`](Self::parse), choosing the identity provider by `entity_id` when the
    /// document describes several. With `None`, the document must hold exactly one SAML 2.0
    /// identity provider; with `Some`, that entity must exist and be one.
    pub fn select(xml: &str, entity_id: Option<&str>) -> Result<IdpMetadata, SamlError> {
        let xml = strip_bom(xml);
        let doc = parse_metadata(xml)?;
        let entities = entities(doc.root_element())?;
        let entity = choose(&entities, entity_id)?;
        read_entity(entity)
    }

    /// The entity IDs of every SAML 2.0 identity provider in `xml`, in document order — for an
    /// admin screen offering a choice before [`select`](Self::select).
    pub fn idp_entity_ids(xml: &str) -> Result<Vec<String>, SamlError> {
        let doc = parse_metadata(strip_bom(xml))?;
        let entities = entities(doc.root_element())?;
        Ok(entities.iter().filter(|e| saml2_idp_descriptor(e.node).is_some()).map(|e| e.entity_id.to_owned()).collect())
    }

    /// The IdP's entity ID: the Issuer its responses carry (Entra: `https://sts.windows.net/<tenant>/`).
    pub fn entity_id(&self) -> &str {
        &self.entity_id
    }

    /// Every `SingleSignOnService`, in document order.
    pub fn single_sign_on_services(&self) -> &[Endpoint] {
        &self.single_sign_on
    }

    /// Every `SingleLogoutService`, in document order.
    pub fn single_logout_services(&self) -> &[Endpoint] {
        &self.single_logout
    }

    /// The `NameIDFormat`s the IdP lists (possibly none; Entra lists none), without duplicates.
    pub fn name_id_formats(&self) -> &[String] {
        &self.name_id_formats
    }

    /// The signing certificates (never empty), de-duplicated by SHA-256 fingerprint, in
    /// document order. During a rollover there are several and every one must be trusted.
    pub fn signing_certificates(&self) -> &[Certificate] {
        &self.certificates
    }

    /// Whether the IdP asks for signed AuthnRequests (`WantAuthnRequestsSigned`). Not applied by
    /// [`apply_to`](Self::apply_to): signing also needs our private key, which metadata cannot give.
    pub fn want_authn_requests_signed(&self) -> bool {
        self.want_authn_requests_signed
    }

    /// The earliest `validUntil` on the entity, its enclosing aggregates or its IdP descriptor.
    /// Reported, not enforced: parsing has no clock, and the host decides whether stale
    /// metadata is worth a warning.
    pub fn valid_until(&self) -> Option<OffsetDateTime> {
        self.valid_until
    }

    /// The single sign-on URL for `binding`; with `None`, the HTTP-Redirect one, else the
    /// HTTP-POST one (always present for `None`, guaranteed by parsing).
    pub fn sso_url(&self, binding: Option<&str>) -> Option<&str> {
        endpoint_url(&self.single_sign_on, binding)
    }

    /// The single logout URL for `binding`; with `None`, the HTTP-Redirect one (the only one
    /// Entra offers), else the HTTP-POST one.
    pub fn slo_url(&self, binding: Option<&str>) -> Option<&str> {
        endpoint_url(&self.single_logout, binding)
    }

    /// Signing certificates that expire by `now + days`: the rollover warning Entra e-mails 60,
    /// 30 and 7 days ahead.
    pub fn certificates_expiring_within(&self, now: OffsetDateTime, days: u32) -> Vec<&Certificate> {
        self.certificates.iter().filter(|c| c.expires_within(now, days)).collect()
    }

    /// Refuse the metadata when a signing certificate's RSA key is shorter than
    /// `min_rsa_key_bits` (code [`ErrorCode::InvalidCertificate`], naming the certificate, its
    /// key size and the minimum): an import is where the admin can still act on it, while
    /// settings holding such a key would fail every sign-in. Parsing alone does not check, so
    /// an admin screen can still show what the metadata holds.
    pub fn check_key_sizes(&self, min_rsa_key_bits: u32) -> Result<(), SamlError> {
        self.certificates.iter().try_for_each(|c| c.check_key_size(min_rsa_key_bits))
    }

    /// New settings for our SP (`sp_entity_id`, `acs_url`) trusting this IdP, every other setting
    /// at its default.
    pub fn to_settings(&self, sp_entity_id: &str, acs_url: &str) -> SamlSettings {
        let mut settings = SamlSettings::new(sp_entity_id, acs_url, "", Vec::new());
        self.apply_to(&mut settings);
        settings
    }

    /// Replace the IdP part of `settings` — `idp_entity_id`, `idp_certificates` (as PEM, every
    /// signing certificate) and `idp_sso_url` (HTTP-Redirect preferred) — leaving the rest alone.
    /// Re-applying fresh metadata is how a certificate rollover reaches the settings.
    pub fn apply_to(&self, settings: &mut SamlSettings) {
        settings.idp_entity_id = self.entity_id.clone();
        settings.idp_certificates = self.certificates.iter().map(Certificate::to_pem).collect();
        settings.idp_sso_url = self.sso_url(None).map(str::to_owned);
    }
}

fn endpoint_url<'a>(endpoints: &'a [Endpoint], binding: Option<&str>) -> Option<&'a str> {
    let find = |b: &str| endpoints.iter().find(|e| e.binding == b).map(|e| e.location.as_str());
    match binding {
        Some(b) => find(b),
        None => find(BINDING_HTTP_REDIRECT).or_else(|| find(BINDING_HTTP_POST)),
    }
}

fn strip_bom(xml: &str) -> &str {
    xml.strip_prefix('\u{FEFF}').unwrap_or(xml)
}

fn parse_metadata(xml: &str) -> Result<crate::saml::xml::Document<'_>, SamlError> {
    if xml.len() > MAX_METADATA_BYTES {
        return Err(invalid(format!(
            "the metadata is {} bytes; at most {MAX_METADATA_BYTES} are accepted. An IdP's own metadata is far \
             smaller: for a federation aggregate, extract the IdP's <EntityDescriptor>",
            xml.len()
        )));
    }
    parse_document(xml, &METADATA_LIMITS).map_err(context("the metadata is not acceptable XML"))
}

/// An `EntityDescriptor` and the `validUntil` values of the aggregates around it.
struct Entity<'a, 'i> {
    node: Node<'a, 'i>,
    entity_id: &'a str,
    valid_until: Vec<&'a str>,
}

fn entities<'a, 'i>(root: Node<'a, 'i>) -> Result<Vec<Entity<'a, 'i>>, SamlError> {
    if !is(&root, NS_METADATA, "EntityDescriptor") && !is(&root, NS_METADATA, "EntitiesDescriptor") {
        let ns = root.tag_name().namespace().unwrap_or("no namespace");
        return Err(invalid(format!(
            "not SAML 2.0 metadata: the root element is <{}> ({ns}); expected <EntityDescriptor> or \
             <EntitiesDescriptor> in {NS_METADATA}",
            root.tag_name().name()
        )));
    }
    let mut out = Vec::new();
    collect(root, &mut Vec::new(), &mut out)?;
    // Two descriptions of one entity could carry different keys; picking either would be a guess.
    let mut seen = std::collections::HashSet::new();
    if let Some(twice) = out.iter().find(|e| !seen.insert(e.entity_id)) {
        return Err(invalid(format!("entity \"{}\" is described more than once in the metadata", twice.entity_id)));
    }
    Ok(out)
}

fn collect<'a, 'i>(
    node: Node<'a, 'i>,
    valid: &mut Vec<&'a str>,
    out: &mut Vec<Entity<'a, 'i>>,
) -> Result<(), SamlError> {
    // Recursion is bounded by METADATA_LIMITS.max_depth, checked at parse time.
    if is(&node, NS_METADATA, "EntityDescriptor") {
        let entity_id = node.attribute("entityID").map(str::trim).unwrap_or_default();
        if entity_id.is_empty() {
            return Err(invalid("an <EntityDescriptor> has no entityID"));
        }
        if entity_id.chars().count() > MAX_ENTITY_ID_CHARS {
            return Err(invalid(format!("an entityID is longer than {MAX_ENTITY_ID_CHARS} characters")));
        }
        let mut valid_until = valid.clone();
        valid_until.extend(node.attribute("validUntil"));
        out.push(Entity { node, entity_id, valid_until });
        return Ok(());
    }
    let pushed = node.attribute("validUntil").map(|v| valid.push(v)).is_some();
    for child in elements(node) {
        if is(&child, NS_METADATA, "EntityDescriptor") || is(&child, NS_METADATA, "EntitiesDescriptor") {
            collect(child, valid, out)?;
        }
    }
    if pushed {
        valid.pop();
    }
    Ok(())
}

fn lists_saml2(descriptor: Node<'_, '_>) -> bool {
    descriptor
        .attribute("protocolSupportEnumeration")
        .is_some_and(|p| p.split_ascii_whitespace().any(|t| t == PROTOCOL_SAML2))
}

/// The entity's SAML 2.0 `IDPSSODescriptor`, if it has one.
fn saml2_idp_descriptor<'a, 'i>(entity: Node<'a, 'i>) -> Option<Node<'a, 'i>> {
    children_named(entity, NS_METADATA, "IDPSSODescriptor").find(|d| lists_saml2(*d))
}

fn list(ids: &[&str]) -> String {
    const SHOWN: usize = 10;
    let mut text = ids.iter().take(SHOWN).map(|id| format!("\"{id}\"")).collect::<Vec<_>>().join(", ");
    if ids.len() > SHOWN {
        text.push_str(&format!(" and {} more", ids.len() - SHOWN));
    }
    text
}

fn choose<'e, 'a, 'i>(entities: &'e [Entity<'a, 'i>], wanted: Option<&str>) -> Result<&'e Entity<'a, 'i>, SamlError> {
    let idps: Vec<&Entity<'a, 'i>> = entities.iter().filter(|e| saml2_idp_descriptor(e.node).is_some()).collect();
    let idp_ids: Vec<&str> = idps.iter().map(|e| e.entity_id).collect();
    match wanted.map(str::trim) {
        Some(wanted) => match entities.iter().find(|e| e.entity_id == wanted) {
            Some(entity) => Ok(entity),
            None if idp_ids.is_empty() => {
                Err(invalid(format!("entity \"{wanted}\" is not in the metadata, which names no identity provider")))
            }
            None => Err(invalid(format!(
                "entity \"{wanted}\" is not in the metadata; its identity providers are {}",
                list(&idp_ids)
            ))),
        },
        None => match idps.as_slice() {
            [one] => Ok(one),
            [] if entities.len() == 1 => Ok(&entities[0]),
            [] => Err(invalid(format!(
                "no IDPSSODescriptor: none of the {} entities in the metadata is a SAML 2.0 identity provider",
                entities.len()
            ))),
            _ => Err(invalid(format!(
                "the metadata describes {} identity providers ({}); choose one by its entity ID",
                idps.len(),
                list(&idp_ids)
            ))),
        },
    }
}

/// The IdP metadata of `entity`: its one SAML 2.0 IdP descriptor, read and checked part by part.
fn read_entity(entity: &Entity<'_, '_>) -> Result<IdpMetadata, SamlError> {
    let id = entity.entity_id;
    let descriptor = idp_descriptor(entity)?;
    let valid_until = valid_until(entity, descriptor)?;
    let certificates = signing_certificates(descriptor, id)?;
    let single_sign_on = read_endpoints(descriptor, "SingleSignOnService")?;
    let single_logout = read_endpoints(descriptor, "SingleLogoutService")?;
    if endpoint_url(&single_sign_on, None).is_none() {
        return Err(invalid(format!(
            "\"{id}\" has no SingleSignOnService with the HTTP-Redirect or HTTP-POST binding; this service \
             provider sends its AuthnRequests with one of those"
        )));
    }
    let want_authn_requests_signed =
        matches!(descriptor.attribute("WantAuthnRequestsSigned").map(str::trim), Some("true" | "1"));
    Ok(IdpMetadata {
        entity_id: id.to_owned(),
        single_sign_on,
        single_logout,
        name_id_formats: name_id_formats(descriptor)?,
        certificates,
        want_authn_requests_signed,
        valid_until,
    })
}

/// The entity's one SAML 2.0 `IDPSSODescriptor`; the error says what the entity is instead.
fn idp_descriptor<'a, 'i>(entity: &Entity<'a, 'i>) -> Result<Node<'a, 'i>, SamlError> {
    let id = entity.entity_id;
    let descriptors: Vec<Node<'_, '_>> = children_named(entity.node, NS_METADATA, "IDPSSODescriptor").collect();
    let saml2: Vec<Node<'_, '_>> = descriptors.iter().copied().filter(|d| lists_saml2(*d)).collect();
    match saml2.as_slice() {
        [one] => Ok(*one),
        [] if !descriptors.is_empty() => Err(invalid(format!(
            "the IDPSSODescriptor of \"{id}\" does not list {PROTOCOL_SAML2} in protocolSupportEnumeration: \
                 the IdP does not offer SAML 2.0"
        ))),
        [] => {
            let hint = if children_named(entity.node, NS_METADATA, "SPSSODescriptor").next().is_some() {
                " (it is a service provider: is this our own SP metadata rather than the IdP's?)"
            } else {
                ""
            };
            Err(invalid(format!(
                "no IDPSSODescriptor: entity \"{id}\" is not a SAML identity provider{hint}; download the \
                 IdP's federation metadata (Entra: Enterprise application → Single sign-on → SAML \
                 Certificates → Federation Metadata XML)"
            )))
        }
        _ => Err(invalid(format!("entity \"{id}\" has {} SAML 2.0 IDPSSODescriptors; expected one", saml2.len()))),
    }
}

/// The earliest `validUntil` of the entity, the aggregates around it and the descriptor.
fn valid_until(entity: &Entity<'_, '_>, descriptor: Node<'_, '_>) -> Result<Option<OffsetDateTime>, SamlError> {
    let mut valid_until: Option<OffsetDateTime> = None;
    for text in entity.valid_until.iter().copied().chain(descriptor.attribute("validUntil")) {
        let t = parse_datetime(text.trim(), "validUntil").map_err(context("metadata validUntil"))?;
        valid_until = Some(valid_until.map_or(t, |v| v.min(t)));
    }
    Ok(valid_until)
}

/// The distinct certificates of the descriptor's signing KeyDescriptors (those without `use`
/// included); at least one is required.
fn signing_certificates(descriptor: Node<'_, '_>, id: &str) -> Result<Vec<Certificate>, SamlError> {
    let mut certificates: Vec<Certificate> = Vec::new();
    let mut without_x509 = 0usize;
    for (index, key) in children_named(descriptor, NS_METADATA, "KeyDescriptor").enumerate() {
        match key.attribute("use").map(str::trim) {
            None | Some("signing") => {}
            Some("encryption") => continue,
            Some(other) => {
                return Err(invalid(format!(
                    "KeyDescriptor #{} of \"{id}\" has use=\"{other}\"; expected \"signing\" or \"encryption\"",
                    index + 1
                )));
            }
        }
        let found = read_key_certificates(key, index + 1)?;
        if found.is_empty() {
            without_x509 += 1;
        }
        for cert in found {
            if !certificates.iter().any(|c| c.der() == cert.der()) {
                certificates.push(cert);
            }
        }
    }
    if certificates.is_empty() {
        let detail = if without_x509 > 0 {
            format!(
                "{without_x509} signing KeyDescriptor(s) carry no <X509Certificate>; only X.509 certificates are supported"
            )
        } else {
            "there is no KeyDescriptor with use=\"signing\" (or without use)".to_owned()
        };
        return Err(invalid(format!(
            "no signing certificate in the IDPSSODescriptor of \"{id}\": {detail}. Without the IdP's \
             signing certificate no response can be verified"
        )));
    }
    Ok(certificates)
}

/// The distinct, non-blank NameIDFormats the descriptor lists, in order.
fn name_id_formats(descriptor: Node<'_, '_>) -> Result<Vec<String>, SamlError> {
    let mut name_id_formats: Vec<String> = Vec::new();
    for node in children_named(descriptor, NS_METADATA, "NameIDFormat") {
        let format = text(node).map_err(context("NameIDFormat"))?.trim().to_owned();
        if !format.is_empty() && !name_id_formats.contains(&format) {
            name_id_formats.push(format);
        }
    }
    Ok(name_id_formats)
}

/// Every `X509Certificate` in the KeyDescriptor's `KeyInfo/X509Data` (a KeyInfo holding only a
/// `KeyName` or `KeyValue` yields none).
fn read_key_certificates(key: Node<'_, '_>, position: usize) -> Result<Vec<Certificate>, SamlError> {
    let mut out = Vec::new();
    for key_info in children_named(key, NS_DSIG, "KeyInfo") {
        for data in children_named(key_info, NS_DSIG, "X509Data") {
            for node in children_named(data, NS_DSIG, "X509Certificate") {
                let where_ = format!("the X509Certificate in KeyDescriptor #{position}");
                let body = text(node).map_err(context(&where_))?;
                if body.trim().is_empty() {
                    return Err(invalid(format!("{where_} is empty")));
                }
                let der = decode_base64(&body).map_err(context(&where_))?;
                out.push(Certificate::from_der(&der).map_err(context(&where_))?);
            }
        }
    }
    Ok(out)
}

fn read_endpoints(descriptor: Node<'_, '_>, name: &'static str) -> Result<Vec<Endpoint>, SamlError> {
    let mut out = Vec::new();
    for node in children_named(descriptor, NS_METADATA, name) {
        let binding = node.attribute("Binding").map(str::trim).filter(|b| !b.is_empty());
        let binding = binding.ok_or_else(|| invalid(format!("a {name} has no Binding")))?;
        let location =
            node.attribute("Location").ok_or_else(|| invalid(format!("the {name} for {binding} has no Location")))?;
        let location = http_url(location, name, "Location")?;
        let response_location =
            node.attribute("ResponseLocation").map(|r| http_url(r, name, "ResponseLocation")).transpose()?;
        out.push(Endpoint { binding: binding.to_owned(), location, response_location });
    }
    Ok(out)
}

/// Only absolute `http(s)` URLs: browsers are sent there, so a `javascript:` or `data:` location
/// would run script on our origin (CVE-2023-45683 in crewjam/saml), and `file:` or other schemes
/// have no business in a browser redirect. anyURI whitespace is collapsed, so surrounding
/// whitespace is trimmed; whitespace or control characters inside are refused. The scheme is
/// case-insensitive and comes back lower-cased (RFC 3986 §6.2.2.1), so settings built from the
/// metadata pass the same `http(s)://` check as settings written by hand (found by the
/// `metadata_import` fuzz target: `htTps://` was imported, then refused by `ServiceProvider::new`).
fn http_url(raw: &str, element: &str, attribute: &str) -> Result<String, SamlError> {
    let url = crate::saml::xml::lex::trim(raw);
    let refuse = || invalid(format!("{element} {attribute} \"{}\" is not an http(s) URL", url.escape_default()));
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    let (scheme, rest) = if lower.starts_with("https://") {
        ("https://", &url[8..])
    } else if lower.starts_with("http://") {
        ("http://", &url[7..])
    } else {
        return Err(refuse());
    };
    let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    if rest[..host_end].is_empty() || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(refuse());
    }
    Ok(format!("{scheme}{rest}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const ENTRA_TENANT: &str = include_str!("../../../tests/data/metadata/entra_tenant.xml");
    const OKTA: &str = include_str!("../../../tests/data/metadata/okta.xml");
    const SHIBBOLETH: &str = include_str!("../../../tests/data/metadata/shibboleth_aggregate.xml");
    const TWO_IDPS: &str = include_str!("../../../tests/data/metadata/two_idps.xml");

    const TENANT: &str = "7c1f3e52-9d4b-4a8e-b1c6-2f0d8e9a5b34";
    // Fingerprints as printed by `openssl x509 -noout -fingerprint -sha256` when the throwaway
    // certificates were generated: an independent oracle for which certificates were picked.
    const ENTRA_A: &str =
        "26:3D:32:67:97:9D:5E:D7:23:2D:90:D5:28:E9:3E:DB:BE:E6:22:6C:1F:AD:61:18:79:F8:43:17:8C:EC:18:37";
    const ENTRA_B: &str =
        "6B:46:6A:74:C1:3C:F7:2B:E8:5F:1E:25:84:7F:A1:AF:9B:20:FE:EB:86:D4:CD:F5:31:ED:59:E0:09:0E:00:2C";
    const ENTRA_SIGNATURE_KEY: &str =
        "0A:38:E1:B2:3F:71:2C:A5:FE:09:5E:79:0F:56:79:F6:79:2A:0E:F6:0F:76:24:B2:C3:0E:3C:DC:6D:0C:5C:F2";
    const OKTA_CERT: &str =
        "3B:41:E4:32:71:45:F6:CB:47:B4:68:CF:BA:E3:C2:20:01:91:3F:52:70:D8:EB:16:CC:87:E3:21:61:53:B2:F2";
    const SHIB_SIGNING: &str =
        "A5:23:3A:AE:A5:C9:2F:C9:D9:5A:D0:1A:6B:AA:46:09:84:EE:A5:23:DE:95:F9:C1:8D:9E:C8:06:71:27:BA:27";
    const OTHER_IDP: &str =
        "47:39:4A:2A:60:F5:5E:04:C8:E6:63:77:7B:2F:25:02:D6:C9:98:C1:D5:BA:39:ED:91:9D:DA:A4:EC:3B:68:A1";

    fn fingerprints(m: &IdpMetadata) -> Vec<String> {
        m.signing_certificates().iter().map(Certificate::sha256_fingerprint).collect()
    }

    fn refusal(xml: &str) -> String {
        let err = IdpMetadata::parse(xml).expect_err("must be refused");
        assert_eq!(err.code(), ErrorCode::InvalidMetadata, "{err}");
        err.message().to_owned()
    }

    /// The genuine Entra certificate of the shared fixtures, read at test time.
    fn genuine_entra_certificate() -> String {
        crate::saml::certificate::entra_fixture_certificate()
    }

    #[test]
    fn entra_tenant_metadata() {
        assert!(ENTRA_TENANT.starts_with('\u{FEFF}'), "the sample keeps Entra's byte-order mark");
        let m = IdpMetadata::parse(ENTRA_TENANT).unwrap();
        assert_eq!(m.entity_id(), format!("https://sts.windows.net/{TENANT}/"));
        // Both rollover certificates, in order; not the one only in the metadata's own Signature
        // or the WS-Federation RoleDescriptor.
        assert_eq!(fingerprints(&m), [ENTRA_A, ENTRA_B]);
        assert!(!fingerprints(&m).contains(&ENTRA_SIGNATURE_KEY.to_owned()));
        let saml2 = format!("https://login.microsoftonline.com/{TENANT}/saml2");
        assert_eq!(
            m.single_sign_on_services(),
            [
                Endpoint { binding: BINDING_HTTP_REDIRECT.into(), location: saml2.clone(), response_location: None },
                Endpoint { binding: BINDING_HTTP_POST.into(), location: saml2.clone(), response_location: None },
            ]
        );
        assert_eq!(
            m.single_logout_services(),
            [Endpoint { binding: BINDING_HTTP_REDIRECT.into(), location: saml2.clone(), response_location: None }]
        );
        assert_eq!(m.slo_url(None), Some(saml2.as_str()));
        assert_eq!(m.slo_url(Some(BINDING_HTTP_POST)), None);
        assert!(m.name_id_formats().is_empty());
        assert!(!m.want_authn_requests_signed());
        assert_eq!(m.valid_until(), None);
        // The BOM is optional: the same document without it reads the same.
        let plain = IdpMetadata::parse(ENTRA_TENANT.trim_start_matches('\u{FEFF}')).unwrap();
        assert_eq!(fingerprints(&plain), fingerprints(&m));
    }

    #[test]
    fn entra_app_metadata_with_the_genuine_certificate() {
        // Application federation metadata has the tenant's shape with the app's one certificate;
        // here the genuine Entra certificate from the shared fixtures, and a signing KeyDescriptor
        // repeated (as in the RoleDescriptors) to prove de-duplication.
        let cert = genuine_entra_certificate();
        let kd = format!(
            "<KeyDescriptor use=\"signing\"><KeyInfo xmlns=\"http://www.w3.org/2000/09/xmldsig#\"><X509Data>\
             <X509Certificate>{cert}</X509Certificate></X509Data></KeyInfo></KeyDescriptor>"
        );
        let start = ENTRA_TENANT.find("<IDPSSODescriptor").unwrap();
        let keys_start = ENTRA_TENANT[start..].find("<KeyDescriptor").unwrap() + start;
        let keys_end = ENTRA_TENANT[start..].find("<SingleLogoutService").unwrap() + start;
        let app = format!("{}{kd}{kd}{}", &ENTRA_TENANT[..keys_start], &ENTRA_TENANT[keys_end..]);
        let m = IdpMetadata::parse(&app).unwrap();
        assert_eq!(
            fingerprints(&m),
            ["3C:B3:E2:A1:27:22:D3:E7:59:7B:D6:8D:1F:00:6E:44:75:15:E0:FA:21:C0:E4:84:59:74:7F:51:36:81:26:DD"]
        );
        assert_eq!(m.signing_certificates()[0].subject(), "CN=accounts.accesscontrol.windows.net");
        let settings = m.to_settings("https://app.example/saml", "https://app.example/saml/acs");
        assert_eq!(
            Certificate::parse_all(&settings.idp_certificates[0]).unwrap()[0].der(),
            m.signing_certificates()[0].der()
        );
    }

    #[test]
    fn okta_metadata() {
        let m = IdpMetadata::parse(OKTA).unwrap();
        assert_eq!(m.entity_id(), "http://www.okta.com/exk8q2v7TESTb5d9x0h7");
        assert_eq!(fingerprints(&m), [OKTA_CERT]);
        assert_eq!(
            m.name_id_formats(),
            [
                "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
                "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
            ]
        );
        let url = "https://example-tenant.okta.test/app/example-tenant_ssoscim_1/exk8q2v7TESTb5d9x0h7/sso/saml";
        // POST comes first in the document, yet Redirect is preferred.
        assert_eq!(m.single_sign_on_services()[0].binding, BINDING_HTTP_POST);
        assert_eq!(m.sso_url(None), Some(url));
        assert_eq!(m.sso_url(Some(BINDING_HTTP_POST)), Some(url));
        assert!(m.single_logout_services().is_empty());
        assert_eq!(m.slo_url(None), None);
    }

    #[test]
    fn shibboleth_aggregate_picks_the_only_idp() {
        let m = IdpMetadata::parse(SHIBBOLETH).unwrap();
        assert_eq!(m.entity_id(), "https://idp.uni.example/idp/shibboleth");
        // The KeyDescriptor without `use` signs; the use="encryption" one is left out.
        assert_eq!(fingerprints(&m), [SHIB_SIGNING]);
        assert_eq!(m.sso_url(None), Some("https://idp.uni.example/idp/profile/SAML2/Redirect/SSO"));
        assert_eq!(m.sso_url(Some(BINDING_HTTP_POST)), Some("https://idp.uni.example/idp/profile/SAML2/POST/SSO"));
        assert_eq!(m.single_sign_on_services().len(), 4, "every SingleSignOnService is listed, SAML 1 included");
        assert_eq!(
            m.single_logout_services()[1].response_location.as_deref(),
            Some("https://idp.uni.example/idp/profile/SAML2/POST/SLO/response")
        );
        assert_eq!(
            m.name_id_formats(),
            [
                "urn:oasis:names:tc:SAML:2.0:nameid-format:transient",
                "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
            ]
        );
        assert_eq!(m.valid_until(), Some(datetime!(2031-01-01 00:00:00 UTC)));
        assert_eq!(
            IdpMetadata::idp_entity_ids(SHIBBOLETH).unwrap(),
            ["https://idp.uni.example/idp/shibboleth"],
            "the SP entity of the aggregate is not an IdP"
        );
    }

    #[test]
    fn valid_until_is_the_earliest_in_the_chain() {
        let xml = SHIBBOLETH.replace(
            "<EntityDescriptor entityID=\"https://idp.uni.example/idp/shibboleth\">",
            "<EntityDescriptor entityID=\"https://idp.uni.example/idp/shibboleth\" validUntil=\"2030-06-30T12:00:00+02:00\">",
        );
        assert_eq!(IdpMetadata::parse(&xml).unwrap().valid_until(), Some(datetime!(2030-06-30 10:00:00 UTC)));
        let bad = SHIBBOLETH.replace("validUntil=\"2031-01-01T00:00:00Z\"", "validUntil=\"next year\"");
        assert!(refusal(&bad).contains("validUntil"));
    }

    /// Found by the `metadata_import` fuzz target: a mixed-case scheme was imported as written
    /// and then refused by `ServiceProvider::new`; it is normalised on import.
    #[test]
    fn endpoint_schemes_are_lower_cased() {
        assert_eq!(http_url("  HtTpS://idp.example/sso ", "X", "Location").unwrap(), "https://idp.example/sso");
        assert_eq!(http_url("HTTP://idp.example", "X", "Location").unwrap(), "http://idp.example");
        for bad in ["javascript:alert(1)", "https://", "https:///x", "ftp://idp.example", "https://a b", "é"] {
            assert!(http_url(bad, "X", "Location").is_err(), "{bad}");
        }
    }

    /// An admin-supplied validUntil with a multi-byte character where a digit or the offset
    /// belongs once panicked (the parser sliced by byte position); every such value, empty,
    /// signed or overlong ones too, is a plain refusal.
    #[test]
    fn valid_until_that_is_not_a_date_is_refused_never_a_panic() {
        let long = format!("2031-01-01T00:00:00Z{}", "é".repeat(5000));
        for value in [
            "2031-01-01T00:00:0é0Z",
            "2031-01-01T00:00:00+0é:00",
            "",
            "+2031-01-01T00:00:00Z",
            "-2031-01-01T00:00:00Z",
            &long,
        ] {
            let bad = SHIBBOLETH.replace("validUntil=\"2031-01-01T00:00:00Z\"", &format!("validUntil=\"{value}\""));
            let message = refusal(&bad);
            assert!(message.contains("validUntil") && message.len() < 600, "{value:.40}: {message:.300}");
        }
    }

    #[test]
    fn two_idps_need_a_choice() {
        let message = refusal(TWO_IDPS);
        assert!(message.contains("2 identity providers"), "{message}");
        assert!(message.contains("\"https://idp.uni.example/idp/shibboleth\""), "{message}");
        assert!(message.contains("\"https://idp.other.example/idp/shibboleth\""), "{message}");
        assert!(message.contains("choose one by its entity ID"), "{message}");
        assert_eq!(
            IdpMetadata::idp_entity_ids(TWO_IDPS).unwrap(),
            ["https://idp.uni.example/idp/shibboleth", "https://idp.other.example/idp/shibboleth"]
        );
        let other = IdpMetadata::select(TWO_IDPS, Some("https://idp.other.example/idp/shibboleth")).unwrap();
        assert_eq!(other.entity_id(), "https://idp.other.example/idp/shibboleth");
        assert_eq!(fingerprints(&other), [OTHER_IDP]);
        assert_eq!(other.sso_url(None), Some("https://idp.other.example/idp/profile/SAML2/Redirect/SSO"));
        let uni = IdpMetadata::select(TWO_IDPS, Some("https://idp.uni.example/idp/shibboleth")).unwrap();
        assert_eq!(fingerprints(&uni), [SHIB_SIGNING]);

        let err = IdpMetadata::select(TWO_IDPS, Some("https://nobody.example/")).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidMetadata);
        assert!(err.message().contains("\"https://nobody.example/\" is not in the metadata"), "{err}");
        // Choosing the SP entity of the aggregate explains what it is.
        let err = IdpMetadata::select(TWO_IDPS, Some("https://wiki.uni.example/shibboleth")).unwrap_err();
        assert!(err.message().contains("no IDPSSODescriptor") && err.message().contains("service provider"), "{err}");
        // An entity described twice is ambiguous, chosen or not.
        let start =
            TWO_IDPS.find("  <EntityDescriptor entityID=\"https://idp.other.example/idp/shibboleth\">").unwrap();
        let twice = TWO_IDPS[..start].to_owned()
            + &TWO_IDPS[start..].replacen("idp.other.example/idp", "idp.uni.example/idp", 1);
        for choice in [None, Some("https://idp.uni.example/idp/shibboleth")] {
            let err = IdpMetadata::select(&twice, choice).unwrap_err();
            assert!(err.message().contains("described more than once"), "{err}");
        }
        // A single entity must match a given choice too.
        let err = IdpMetadata::select(OKTA, Some("http://www.okta.com/another")).unwrap_err();
        assert!(err.message().contains("is not in the metadata"), "{err}");
    }

    #[test]
    fn refuses_a_doctype() {
        let xml = OKTA.replacen(
            "<md:EntityDescriptor",
            "<!DOCTYPE md:EntityDescriptor [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><md:EntityDescriptor",
            1,
        );
        let message = refusal(&xml);
        assert!(message.contains("DOCTYPE") && message.contains("xml_doctype_forbidden"), "{message}");
    }

    #[test]
    fn refuses_what_is_not_idp_metadata() {
        assert!(refusal("<html><body>Sign in</body></html>").contains("not SAML 2.0 metadata"));
        assert!(refusal("not xml at all").contains("not acceptable XML"));
        let sp_only = "<EntityDescriptor xmlns=\"urn:oasis:names:tc:SAML:2.0:metadata\" entityID=\"https://sp.example\">\
            <SPSSODescriptor protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\"/></EntityDescriptor>";
        let message = refusal(sp_only);
        assert!(message.contains("no IDPSSODescriptor") && message.contains("our own SP metadata"), "{message}");
        let no_idp = SHIBBOLETH.replace("IDPSSODescriptor", "SomethingElse");
        assert!(refusal(&no_idp).contains("no IDPSSODescriptor"));
        let saml1_only = OKTA.replace(
            "protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\"",
            "protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:1.1:protocol\"",
        );
        assert!(refusal(&saml1_only).contains("does not offer SAML 2.0"));
        let no_id = OKTA.replace("entityID=\"http://www.okta.com/exk8q2v7TESTb5d9x0h7\"", "entityID=\"  \"");
        assert!(refusal(&no_id).contains("no entityID"));
        // Matching is by namespace, not prefix: the right names in another namespace are nothing.
        let wrong_ns = OKTA.replace("urn:oasis:names:tc:SAML:2.0:metadata", "urn:example:not-metadata");
        assert!(refusal(&wrong_ns).contains("not SAML 2.0 metadata"));
    }

    #[test]
    fn refuses_metadata_without_a_signing_certificate() {
        let start = OKTA.find("<md:KeyDescriptor").unwrap();
        let end = OKTA.find("</md:KeyDescriptor>").unwrap() + "</md:KeyDescriptor>".len();
        let no_key = format!("{}{}", &OKTA[..start], &OKTA[end..]);
        let message = refusal(&no_key);
        assert!(message.contains("no signing certificate"), "{message}");
        // An encryption-only key is no signing key.
        let encryption_only = OKTA.replace("use=\"signing\"", "use=\"encryption\"");
        assert!(refusal(&encryption_only).contains("no signing certificate"));
        // A KeyInfo with only a KeyName gives no certificate, and the message says so.
        let key_name = format!(
            "{}<md:KeyDescriptor use=\"signing\"><ds:KeyInfo xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">\
             <ds:KeyName>main</ds:KeyName></ds:KeyInfo></md:KeyDescriptor>{}",
            &OKTA[..start],
            &OKTA[end..]
        );
        assert!(refusal(&key_name).contains("only X.509 certificates are supported"));
        let odd_use = OKTA.replace("use=\"signing\"", "use=\"both\"");
        assert!(refusal(&odd_use).contains("use=\"both\""));
    }

    #[test]
    fn refuses_a_garbage_certificate() {
        let start = OKTA.find("<ds:X509Certificate>").unwrap() + "<ds:X509Certificate>".len();
        let end = OKTA.find("</ds:X509Certificate>").unwrap();
        for garbage in ["!!not base64!!", "AAAA", "   "] {
            let xml = format!("{}{garbage}{}", &OKTA[..start], &OKTA[end..]);
            let message = refusal(&xml);
            assert!(message.contains("X509Certificate in KeyDescriptor #1"), "{message}");
        }
        // A certificate that is valid base64 but truncated.
        let truncated = format!("{}{}{}", &OKTA[..start], &OKTA[start..start + 400], &OKTA[end..]);
        assert!(refusal(&truncated).contains("invalid_certificate"));
    }

    #[test]
    fn key_sizes_are_checked_against_min_rsa_key_bits() {
        let pem = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/saml/idp-rsa1024-cert.pem"))
            .unwrap();
        let weak = Certificate::parse_all(&pem).unwrap()[0].to_base64();
        let start = OKTA.find("<ds:X509Certificate>").unwrap() + "<ds:X509Certificate>".len();
        let end = OKTA.find("</ds:X509Certificate>").unwrap();
        let xml = format!("{}{weak}{}", &OKTA[..start], &OKTA[end..]);
        // Parsing shows what the metadata holds; the check is what an import applies.
        let m = IdpMetadata::parse(&xml).unwrap();
        assert_eq!(m.signing_certificates()[0].key_bits(), 1024);
        let err = m.check_key_sizes(2048).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidCertificate);
        assert!(err.message().contains("has a 1024-bit RSA key; the minimum is 2048 bits (min_rsa_key_bits)"), "{err}");
        assert!(m.check_key_sizes(1024).is_ok());
        assert!(IdpMetadata::parse(OKTA).unwrap().check_key_sizes(2048).is_ok());
        // An import checks at the floor of the settings it makes (2048 by default), and a
        // service provider built from those settings refuses the key the same way.
        let selected = IdpMetadata::select(&xml, None).unwrap();
        let settings = selected.to_settings("https://app.example/saml", "https://app.example/acs");
        let refused = selected.check_key_sizes(settings.min_rsa_key_bits).unwrap_err();
        assert_eq!(refused.code(), ErrorCode::InvalidCertificate);
        assert_eq!(crate::saml::ServiceProvider::new(settings).unwrap_err(), refused);
    }

    #[test]
    fn refuses_non_http_locations() {
        let url = "https://example-tenant.okta.test/app/example-tenant_ssoscim_1/exk8q2v7TESTb5d9x0h7/sso/saml";
        for bad in [
            "javascript:alert(document.domain)",
            "JavaScript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "file:///etc/passwd",
            "ftp://idp.example/sso",
            "//idp.example/sso",
            "/sso",
            "https://",
            "https:///path",
            "https://idp.example/a b",
            "https://idp.example/\u{85}",
        ] {
            let xml = OKTA.replacen(url, &super::super::escape_attr(bad), 1);
            let message = refusal(&xml);
            assert!(message.contains("is not an http(s) URL"), "{bad}: {message}");
        }
        // Case and anyURI whitespace collapsing are tolerated; the scheme is lower-cased.
        let xml = OKTA.replace(url, "  HTTPS://Idp.Example/sso\n");
        assert_eq!(IdpMetadata::parse(&xml).unwrap().sso_url(None), Some("https://Idp.Example/sso"));
        // ResponseLocation is held to the same rule.
        let xml = SHIBBOLETH.replace(
            "ResponseLocation=\"https://idp.uni.example/idp/profile/SAML2/POST/SLO/response\"",
            "ResponseLocation=\"javascript:alert(1)\"",
        );
        assert!(refusal(&xml).contains("ResponseLocation"));
    }

    #[test]
    fn refuses_missing_bindings() {
        let only_artifact = OKTA
            .replace(BINDING_HTTP_POST, "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact")
            .replace(BINDING_HTTP_REDIRECT, "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact");
        assert!(refusal(&only_artifact).contains("no SingleSignOnService with the HTTP-Redirect or HTTP-POST binding"));
        let no_location = OKTA.replacen("Location=\"", "Place=\"", 1);
        assert!(refusal(&no_location).contains("has no Location"));
    }

    #[test]
    fn entra_sized_metadata_fits_the_limits() {
        // Grow the tenant document well past Entra's 60 KB: twelve certificates in each of the
        // three descriptors and eight hundred more claim types.
        let idp = ENTRA_TENANT.find("<IDPSSODescriptor").unwrap();
        let kd_start = ENTRA_TENANT[idp..].find("<KeyDescriptor").unwrap() + idp;
        let kd_end = ENTRA_TENANT[kd_start..].find("</KeyDescriptor>").unwrap() + kd_start + "</KeyDescriptor>".len();
        let key = &ENTRA_TENANT[kd_start..kd_end];
        let claim_start = ENTRA_TENANT.find("<auth:ClaimType").unwrap();
        let claim_end = ENTRA_TENANT.find("</auth:ClaimType>").unwrap() + "</auth:ClaimType>".len();
        let claim = &ENTRA_TENANT[claim_start..claim_end];
        let big = ENTRA_TENANT.replace(key, &key.repeat(12)).replacen(claim, &claim.repeat(800), 1);
        assert!(big.len() > 200_000, "{}", big.len());
        let m = IdpMetadata::parse(&big).unwrap();
        assert_eq!(fingerprints(&m), [ENTRA_A, ENTRA_B], "twelve copies collapse to one");
        // One byte over the size cap is refused with advice.
        let huge = format!("{}<!--{}-->", OKTA, "x".repeat(MAX_METADATA_BYTES));
        assert!(refusal(&huge).contains("extract the IdP's <EntityDescriptor>"));
    }

    #[test]
    fn certificates_expiring_within() {
        let m = IdpMetadata::parse(ENTRA_TENANT).unwrap();
        // Certificate A ends 2027-03-15, B 2029-03-01 (set when they were generated).
        let a_end = m.signing_certificates()[0].not_after();
        let b_end = m.signing_certificates()[1].not_after();
        assert_eq!(a_end, datetime!(2027-03-15 00:00:00 UTC));
        assert_eq!(b_end, datetime!(2029-03-01 00:00:00 UTC));
        let expiring = |now, days| -> Vec<String> {
            m.certificates_expiring_within(now, days).into_iter().map(Certificate::sha256_fingerprint).collect()
        };
        assert!(expiring(datetime!(2026-11-28 00:00:00 UTC), 60).is_empty());
        assert_eq!(expiring(datetime!(2027-01-15 00:00:00 UTC), 60), [ENTRA_A], "59 days before A ends");
        assert!(expiring(datetime!(2027-01-13 00:00:00 UTC), 60).is_empty(), "61 days before A ends");
        assert_eq!(expiring(datetime!(2027-03-15 00:00:00 UTC), 0), [ENTRA_A], "the day A ends");
        assert_eq!(expiring(datetime!(2029-02-01 00:00:00 UTC), 30), [ENTRA_A, ENTRA_B]);
    }

    #[test]
    fn apply_to_replaces_only_the_idp_part() {
        let m = IdpMetadata::parse(ENTRA_TENANT).unwrap();
        let mut settings =
            SamlSettings::new("https://app.example/saml", "https://app.example/acs", "old", vec!["old".into()]);
        settings.allow_idp_initiated = true;
        settings.name_id_format = Some("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress".into());
        m.apply_to(&mut settings);
        assert_eq!(settings.idp_entity_id, format!("https://sts.windows.net/{TENANT}/"));
        assert_eq!(
            settings.idp_sso_url.as_deref(),
            Some(format!("https://login.microsoftonline.com/{TENANT}/saml2").as_str())
        );
        assert_eq!(settings.idp_certificates.len(), 2);
        for (pem, cert) in settings.idp_certificates.iter().zip(m.signing_certificates()) {
            assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));
            assert_eq!(Certificate::parse_all(pem).unwrap()[0].sha256_fingerprint(), cert.sha256_fingerprint());
        }
        assert!(settings.allow_idp_initiated, "the SP part is left alone");
        assert_eq!(settings.sp_entity_id, "https://app.example/saml");
        let fresh = m.to_settings("https://app.example/saml", "https://app.example/acs");
        assert_eq!(fresh.idp_certificates, settings.idp_certificates);
        assert!(!fresh.allow_idp_initiated);
        // The settings are usable as they are.
        crate::saml::ServiceProvider::new(fresh).unwrap();
    }
}
