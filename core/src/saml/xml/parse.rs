//! Parsing untrusted XML: size-bounded, DTD-free, and with limits on depth, node count,
//! attributes per element and namespace declarations checked before and after parsing.

use roxmltree::{Document, ParsingOptions};
use serde::{Deserialize, Serialize};

use crate::error::ErrorCode;
use crate::saml::error::SamlError;

/// Structural limits for untrusted XML.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct XmlLimits {
    /// Deepest element nesting.
    pub max_depth: usize,
    /// Most nodes (elements, text, comments, PIs).
    pub max_nodes: u32,
    /// Most attributes on one element.
    pub max_attributes: usize,
    /// Most `xmlns` declarations in the document.
    pub max_namespace_declarations: usize,
}

impl Default for XmlLimits {
    fn default() -> Self {
        // An Entra response nests 7 deep, holds ≈150 nodes (≈1,000 with 150 groups) and
        // declares ≈6 namespaces; these bounds leave ample room and stop blow-ups.
        XmlLimits { max_depth: 48, max_nodes: 20_000, max_attributes: 64, max_namespace_declarations: 128 }
    }
}

fn limit(message: String) -> SamlError {
    SamlError::new(ErrorCode::XmlLimitExceeded, message)
}

/// Parse `text` as one XML document. Refused: any DOCTYPE (so no entity, internal subset or
/// external fetch can exist), anything not well-formed (trailing junk, a raw `&`, a second
/// root), and anything beyond `limits`.
pub fn parse_document<'i>(text: &'i str, limits: &XmlLimits) -> Result<Document<'i>, SamlError> {
    if text.contains("<!DOCTYPE") || text.contains("<!ENTITY") {
        return Err(SamlError::new(ErrorCode::XmlDoctypeForbidden, "the XML carries a DOCTYPE or ENTITY declaration"));
    }
    let declarations = text.matches("xmlns").count();
    if declarations > limits.max_namespace_declarations {
        return Err(limit(format!(
            "the XML has {declarations} namespace declarations; the limit is {}",
            limits.max_namespace_declarations
        )));
    }
    let options = ParsingOptions { allow_dtd: false, nodes_limit: limits.max_nodes, ..ParsingOptions::default() };
    let doc = Document::parse_with_options(text, options).map_err(|e| match e {
        roxmltree::Error::NodesLimitReached => limit(format!("the XML has more than {} nodes", limits.max_nodes)),
        roxmltree::Error::DtdDetected => SamlError::new(ErrorCode::XmlDoctypeForbidden, "the XML carries a DTD"),
        other => SamlError::new(ErrorCode::XmlMalformed, format!("the XML is not well-formed: {other}")),
    })?;
    let mut depth_of = vec![0usize; doc.descendants().count()];
    for node in doc.descendants().filter(roxmltree::Node::is_element) {
        let depth = node.parent().map_or(0, |p| depth_of[p.id().get_usize()]) + 1;
        if depth > limits.max_depth {
            return Err(limit(format!("the XML nests deeper than {} elements", limits.max_depth)));
        }
        depth_of[node.id().get_usize()] = depth;
        if node.attributes().len() > limits.max_attributes {
            return Err(limit(format!("an element has more than {} attributes", limits.max_attributes)));
        }
    }
    Ok(doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(text: &str) -> Option<&'static str> {
        parse_document(text, &XmlLimits::default()).err().map(|e| e.code().as_str())
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
        let attrs: String = (0..65).map(|i| format!(" a{i}='x'")).collect();
        assert_eq!(code(&format!("<a{attrs}/>")), Some("xml_limit_exceeded"));
        let decls: String = (0..129).map(|i| format!(" xmlns:p{i}='urn:{i}'")).collect();
        assert_eq!(code(&format!("<a{decls}/>")), Some("xml_limit_exceeded"));
        // Ten thousand levels are refused without exhausting the stack.
        let very_deep = format!("{}{}", "<a>".repeat(10_000), "</a>".repeat(10_000));
        assert_eq!(code(&very_deep), Some("xml_limit_exceeded"));
    }
}
