//! The limits on untrusted XML: depth, node count, attributes per element, name and
//! namespace-URI length and namespace bindings, each enforced by our parser
//! ([`super::parser`]) while it reads, before the work the limit bounds.

use serde::{Deserialize, Serialize};

/// Structural limits for untrusted XML. Each bounds real work — bytes, depth, element count,
/// the length of what is compared — so none refuses a genuine response under the size cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "StoredLimits")]
pub struct XmlLimits {
    /// Deepest element nesting.
    pub max_depth: usize,
    /// Most nodes (elements, text, comments, PIs).
    pub max_nodes: u32,
    /// Most attributes on one element, not counting namespace declarations (exclusive c14n adds
    /// those to the verified bytes, and [`Self::max_namespace_declarations`] bounds them).
    pub max_attributes: usize,
    /// Most namespace-qualified attributes (`xsi:type`, `xml:lang`, …) on one element, counted
    /// within [`Self::max_attributes`]; real SAML elements carry one or two. (It bounded a
    /// pairwise comparison of namespace URIs in the parser used before 0.3; it is kept, and
    /// enforced, so stored settings keep their meaning.)
    pub max_namespaced_attributes: usize,
    /// Most distinct namespace bindings (prefix and URI pairs) in the document. A binding
    /// repeated on many elements — `xmlns:xs` and `xmlns:xsi` on every AttributeValue, as Okta,
    /// Shibboleth and Keycloak send, or what exclusive c14n re-emits — counts once. (Before
    /// 0.2 this counted every `xmlns` occurrence; stored settings naming the field keep
    /// loading, with this meaning.)
    pub max_namespace_declarations: usize,
    /// Most namespaces in scope at one element (each prefix counts once, the default namespace
    /// too). Real responses have 3 to 8. Every prefix lookup searches the scope, so this bounds
    /// the work per name.
    pub max_namespaces_in_scope: usize,
    /// Longest element or attribute name (QName), in bytes.
    pub max_name_bytes: usize,
    /// Longest namespace URI, in bytes.
    pub max_namespace_uri_bytes: usize,
}

impl Default for XmlLimits {
    fn default() -> Self {
        // An Entra response nests 7 deep, holds ≈150 nodes (≈1,000 with 150 groups) and binds
        // ≈6 namespaces; no SAML element defines more than 8 attributes, and the longest SAML
        // QName and namespace URI are under 100 bytes. These bounds leave ample room and keep
        // every parsing cost linear in the input, with a small constant.
        XmlLimits {
            max_depth: 48,
            max_nodes: 20_000,
            max_attributes: 24,
            max_namespaced_attributes: 8,
            max_namespace_declarations: 128,
            max_namespaces_in_scope: 16,
            max_name_bytes: 256,
            max_namespace_uri_bytes: 256,
        }
    }
}

/// `XmlLimits` as stored JSON may hold it: any subset of the fields.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StoredLimits {
    max_depth: Option<usize>,
    max_nodes: Option<u32>,
    max_attributes: Option<usize>,
    max_namespaced_attributes: Option<usize>,
    max_namespace_declarations: Option<usize>,
    max_namespaces_in_scope: Option<usize>,
    max_name_bytes: Option<usize>,
    max_namespace_uri_bytes: Option<usize>,
}

impl From<StoredLimits> for XmlLimits {
    /// Missing fields take today's defaults. Hosts of 0.1 stored whole settings, so their
    /// records carry the 0.1 defaults verbatim (depth 48, 20,000 nodes, 64 attributes, 128
    /// declarations) and no newer field: that exact record means "the defaults" and loads as
    /// today's, which bound the parser's work more tightly. Any other record is kept as set.
    fn from(s: StoredLimits) -> Self {
        let d = XmlLimits::default();
        let legacy_defaults = (s.max_depth, s.max_nodes, s.max_attributes, s.max_namespace_declarations)
            == (Some(48), Some(20_000), Some(64), Some(128))
            && s.max_namespaced_attributes.is_none()
            && s.max_namespaces_in_scope.is_none()
            && s.max_name_bytes.is_none()
            && s.max_namespace_uri_bytes.is_none();
        if legacy_defaults {
            return d;
        }
        XmlLimits {
            max_depth: s.max_depth.unwrap_or(d.max_depth),
            max_nodes: s.max_nodes.unwrap_or(d.max_nodes),
            max_attributes: s.max_attributes.unwrap_or(d.max_attributes),
            max_namespaced_attributes: s.max_namespaced_attributes.unwrap_or(d.max_namespaced_attributes),
            max_namespace_declarations: s.max_namespace_declarations.unwrap_or(d.max_namespace_declarations),
            max_namespaces_in_scope: s.max_namespaces_in_scope.unwrap_or(d.max_namespaces_in_scope),
            max_name_bytes: s.max_name_bytes.unwrap_or(d.max_name_bytes),
            max_namespace_uri_bytes: s.max_namespace_uri_bytes.unwrap_or(d.max_namespace_uri_bytes),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse_document;
    use super::*;

    fn code(text: &str) -> Option<&'static str> {
        parse_document(text, &XmlLimits::default()).err().map(|e| e.code().as_str())
    }

    #[test]
    fn stored_limits_load() {
        let load = |json: &str| serde_json::from_str::<XmlLimits>(json).unwrap();
        let d = XmlLimits::default();
        // What every 0.1 host stored: the 0.1 defaults, verbatim.
        let legacy = r#"{"max_depth":48,"max_nodes":20000,"max_attributes":64,"max_namespace_declarations":128}"#;
        assert_eq!(load(legacy), d);
        assert_eq!(load("{}"), d);
        let tuned = load(r#"{"max_depth":48,"max_nodes":20000,"max_attributes":40,"max_namespace_declarations":128}"#);
        assert_eq!((tuned.max_attributes, tuned.max_namespaces_in_scope), (40, d.max_namespaces_in_scope));
        assert_eq!(load(&serde_json::to_string(&tuned).unwrap()), tuned);
        assert!(serde_json::from_str::<XmlLimits>(r#"{"max_attribute":1}"#).is_err());
    }

    #[test]
    fn well_formed_documents_parse() {
        assert_eq!(code("<a xmlns='urn:x'><b c='1'>t&amp;t</b><!-- c --><?pi x?></a>"), None);
    }

    #[test]
    fn dtds_and_entities_are_refused_before_parsing() {
        for text in [
            "<!DOCTYPE a><a/>",
            "<!DOCTYPE a [<!ENTITY x SYSTEM 'file:///etc/passwd'>]><a>&x;</a>",
            "<!DOCTYPE a SYSTEM 'http://127.0.0.1/x.dtd'><a/>",
            "<!DOCTYPE a [<!ENTITY a '1'><!ENTITY b '&a;&a;&a;'>]><a>&b;</a>",
            "<!DOCTYPE a [<!ATTLIST a ID ID #IMPLIED>]><a ID='x'/>",
        ] {
            assert_eq!(code(text), Some("xml_doctype_forbidden"), "{text}");
        }
    }

    #[test]
    fn not_well_formed_input_is_never_recovered() {
        for text in ["<a/>junk", "<a>&</a>", "<a/><b/>", "<a>&undefined;</a>", "<a><b></a>", "", "<a", "<p:a/>"] {
            assert_eq!(code(text), Some("xml_malformed"), "{text:?}");
        }
    }

    #[test]
    fn limits_hold() {
        let deep = format!("{}{}", "<a>".repeat(49), "</a>".repeat(49));
        assert_eq!(code(&deep), Some("xml_limit_exceeded"));
        let ok = format!("{}{}", "<a>".repeat(48), "</a>".repeat(48));
        assert_eq!(code(&ok), None);
        let wide = format!("<a>{}</a>", "<b/>".repeat(25_000));
        assert_eq!(code(&wide), Some("xml_limit_exceeded"));
        let attrs: String = (0..25).map(|i| format!(" a{i}='x'")).collect();
        assert_eq!(code(&format!("<a{attrs}/>")), Some("xml_limit_exceeded"));
        let decls: String = (0..129).map(|i| format!("<b xmlns:p{i}='urn:{i}'/>")).collect();
        assert_eq!(code(&format!("<a>{decls}</a>")), Some("xml_limit_exceeded"));
        // Ten thousand levels are refused without exhausting the stack.
        let very_deep = format!("{}{}", "<a>".repeat(10_000), "</a>".repeat(10_000));
        assert_eq!(code(&very_deep), Some("xml_limit_exceeded"));
    }
}
