//! Hardened XML: our parser (limits enforced while parsing, no DTD), the tree it builds,
//! canonicalization, and small tree helpers that
//! match names by (namespace URI, local name), never by prefix.

pub mod c14n;
pub(crate) mod lex;
mod limits;
mod parser;
pub mod tree;

pub use limits::XmlLimits;
pub use tree::{Document, Node, NodeId, NodeType};

use super::error::{SamlError, malformed};

/// Parse `text` as one XML document. Refused: any DOCTYPE (so no entity, internal subset or
/// external fetch can exist), anything not well-formed or not namespace-well-formed (trailing
/// junk, a raw `&`, a second root, an unbound prefix, a duplicate attribute), and anything
/// beyond `limits` — each checked as the parser reaches it, so no limit is enforced only after
/// the work it bounds.
pub fn parse_document<'i>(text: &'i str, limits: &XmlLimits) -> Result<Document<'i>, SamlError> {
    parser::parse(text, limits)
}

/// SAML 2.0 protocol namespace.
pub const NS_PROTOCOL: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
/// SAML 2.0 assertion namespace.
pub const NS_ASSERTION: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
/// SAML 2.0 metadata namespace.
pub const NS_METADATA: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
/// XML-DSig namespace.
pub const NS_DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";
/// XML-Enc namespace.
pub const NS_XENC: &str = "http://www.w3.org/2001/04/xmlenc#";
/// XML-Enc 1.1 namespace.
pub const NS_XENC11: &str = "http://www.w3.org/2009/xmlenc11#";
/// Exclusive XML canonicalization 1.0 (and the InclusiveNamespaces element's namespace).
pub const NS_EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";

/// Whether `node` is the element `{ns}local`.
pub fn is(node: &Node<'_, '_>, ns: &str, local: &str) -> bool {
    node.is_element() && node.tag_name().name() == local && node.tag_name().namespace() == Some(ns)
}

/// The element children of `node`.
pub fn elements<'a, 'i>(node: Node<'a, 'i>) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children().filter(Node::is_element)
}

/// The element children named `{ns}local`.
pub fn children_named<'a, 'i>(
    node: Node<'a, 'i>,
    ns: &'static str,
    local: &'static str,
) -> impl Iterator<Item = Node<'a, 'i>> {
    elements(node).filter(move |c| is(c, ns, local))
}

/// The only child `{ns}local`, if there is exactly one; an error if there are several.
pub fn single_child<'a, 'i>(
    node: Node<'a, 'i>,
    ns: &'static str,
    local: &'static str,
) -> Result<Option<Node<'a, 'i>>, SamlError> {
    let mut found = children_named(node, ns, local);
    let first = found.next();
    if found.next().is_some() {
        return Err(malformed(format!("<{local}> appears more than once in <{}>", node.tag_name().name())));
    }
    Ok(first)
}

/// The full text content of an element that must hold only text: every text node joined (so a
/// comment or processing instruction splitting the text cannot truncate it). An element child
/// is an error.
pub fn text(node: Node<'_, '_>) -> Result<String, SamlError> {
    let mut out = String::new();
    for child in node.children() {
        if child.is_element() {
            return Err(malformed(format!("<{}> must hold text only", node.tag_name().name())));
        }
        if let Some(t) = child.text().filter(|_| child.is_text()) {
            out.push_str(t);
        }
    }
    Ok(out)
}
