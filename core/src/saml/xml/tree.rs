//! The parsed document: an arena of nodes in document order, read through [`Node`] handles.
//!
//! Built by the parser (`super::parser`) only. Unlike a general-purpose DOM it keeps what exclusive
//! canonicalization needs straight from the parse — every element's and attribute's QName
//! with its prefix, the namespace declarations each start tag made — so nothing is ever read
//! back from the source text, and it holds the values already normalised (references
//! expanded, line ends and attribute white space as XML 1.0 §2.11 and §3.3.3 say).

use std::borrow::Cow;
use std::ops::Range;

/// "No node": the end of a sibling chain, a leaf's first child, the root's parent.
pub(crate) const NONE: u32 = u32::MAX;
/// The namespace index of a name in no namespace.
pub(crate) const NO_NAMESPACE: u32 = u32::MAX;

/// The namespace bound to the `xml` prefix by definition.
pub const XML_NAMESPACE: &str = "http://www.w3.org/XML/1998/namespace";

/// A parsed, DTD-free XML document (see [`super::parse_document`]).
#[derive(Debug)]
pub struct Document<'i> {
    pub(crate) input: &'i str,
    /// Every node in document order; the root (the document itself) is node 0.
    pub(crate) nodes: Vec<NodeData<'i>>,
    pub(crate) attributes: Vec<AttributeData<'i>>,
    /// Namespace declarations, each start tag's in a run: (prefix, namespace index); the
    /// prefix is "" for the default namespace, and `xmlns=""` has the index of "".
    pub(crate) declarations: Vec<(&'i str, u32)>,
    /// Distinct namespace names; index 0 is "".
    pub(crate) namespaces: Vec<Cow<'i, str>>,
}

/// One node of the arena.
#[derive(Debug)]
pub(crate) struct NodeData<'i> {
    pub(crate) parent: u32,
    pub(crate) first_child: u32,
    pub(crate) next_sibling: u32,
    /// The node's bytes in the input (a start tag through its end tag for an element).
    pub(crate) start: u32,
    pub(crate) end: u32,
    pub(crate) kind: Kind<'i>,
}

/// What a node is, with its content.
#[derive(Debug)]
pub(crate) enum Kind<'i> {
    Root,
    Element {
        name: Name<'i>,
        /// Its run in [`Document::attributes`].
        attributes: (u32, u32),
        /// Its run in [`Document::declarations`].
        declarations: (u32, u32),
    },
    /// Character data: text and CDATA sections, adjacent ones merged.
    Text(Cow<'i, str>),
    Comment(Cow<'i, str>),
    Pi {
        target: &'i str,
        value: Option<Cow<'i, str>>,
    },
}

/// A resolved QName.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Name<'i> {
    pub(crate) qname: &'i str,
    /// Where the colon is; 0 when there is no prefix (a QName never starts with one).
    pub(crate) colon: u16,
    /// Index into [`Document::namespaces`], or [`NO_NAMESPACE`].
    pub(crate) namespace: u32,
}

impl<'i> Name<'i> {
    pub(crate) fn prefix(&self) -> &'i str {
        &self.qname[..usize::from(self.colon)]
    }

    pub(crate) fn local(&self) -> &'i str {
        match self.colon {
            0 => self.qname,
            colon => &self.qname[usize::from(colon) + 1..],
        }
    }
}

/// One attribute (namespace declarations are not attributes).
#[derive(Debug)]
pub(crate) struct AttributeData<'i> {
    pub(crate) name: Name<'i>,
    pub(crate) value: Cow<'i, str>,
}

/// The identity of a node within its document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NodeId(u32);

/// The kinds of node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeType {
    /// The document itself, parent of the root element.
    Root,
    /// An element.
    Element,
    /// Character data.
    Text,
    /// A comment.
    Comment,
    /// A processing instruction.
    PI,
}

impl<'i> Document<'i> {
    /// The document node.
    pub fn root(&self) -> Node<'_, 'i> {
        Node { doc: self, id: 0 }
    }

    /// The root element (a parsed document always has one).
    pub fn root_element(&self) -> Node<'_, 'i> {
        self.root().children().find(Node::is_element).unwrap_or_else(|| self.root())
    }

    /// Every node in document order, the document node first.
    pub fn descendants(&self) -> impl Iterator<Item = Node<'_, 'i>> {
        (0..self.nodes.len() as u32).map(move |id| Node { doc: self, id })
    }

    /// The text the document was parsed from.
    pub fn input_text(&self) -> &'i str {
        self.input
    }

    fn namespace(&self, index: u32) -> Option<&str> {
        (index != NO_NAMESPACE).then(|| self.namespaces[index as usize].as_ref())
    }
}

/// A node of a [`Document`]: a cheap handle (copy it freely).
#[derive(Clone, Copy)]
pub struct Node<'a, 'i> {
    doc: &'a Document<'i>,
    id: u32,
}

impl std::fmt::Debug for Node<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}#{} {:?}", self.node_type(), self.id, self.tag_name().name())
    }
}

impl PartialEq for Node<'_, '_> {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.doc, other.doc) && self.id == other.id
    }
}

impl Eq for Node<'_, '_> {}

/// An element's name: its namespace and local part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpandedName<'a> {
    namespace: Option<&'a str>,
    local: &'a str,
}

impl<'a> ExpandedName<'a> {
    /// The namespace name, `None` for no namespace.
    pub fn namespace(&self) -> Option<&'a str> {
        self.namespace
    }

    /// The local name.
    pub fn name(&self) -> &'a str {
        self.local
    }
}

/// What [`Node::attribute`] looks up: a name in no namespace, or `(namespace, local name)`.
pub trait AttributeKey {
    /// The namespace (None: none) and the local name.
    fn parts(&self) -> (Option<&str>, &str);
}

impl AttributeKey for &str {
    fn parts(&self) -> (Option<&str>, &str) {
        (None, self)
    }
}

impl AttributeKey for (&str, &str) {
    fn parts(&self) -> (Option<&str>, &str) {
        (Some(self.0), self.1)
    }
}

/// An attribute of an element.
#[derive(Clone, Copy)]
pub struct Attribute<'a, 'i> {
    doc: &'a Document<'i>,
    data: &'a AttributeData<'i>,
}

impl<'a, 'i> Attribute<'a, 'i> {
    /// The local name.
    pub fn name(&self) -> &'i str {
        self.data.name.local()
    }

    /// The prefix ("" for none).
    pub fn prefix(&self) -> &'i str {
        self.data.name.prefix()
    }

    /// The name as written.
    pub fn qname(&self) -> &'i str {
        self.data.name.qname
    }

    /// The namespace name, `None` for no namespace (every unprefixed attribute).
    pub fn namespace(&self) -> Option<&'a str> {
        self.doc.namespace(self.data.name.namespace)
    }

    /// The normalised value.
    pub fn value(&self) -> &'a str {
        &self.data.value
    }
}

/// A processing instruction.
#[derive(Debug, Clone, Copy)]
pub struct Pi<'a> {
    /// Its target.
    pub target: &'a str,
    /// What follows the target and white space, if anything.
    pub value: Option<&'a str>,
}

impl<'a, 'i> Node<'a, 'i> {
    fn data(&self) -> &'a NodeData<'i> {
        &self.doc.nodes[self.id as usize]
    }

    fn at(&self, id: u32) -> Option<Node<'a, 'i>> {
        (id != NONE).then_some(Node { doc: self.doc, id })
    }

    pub(crate) fn kind(&self) -> &'a Kind<'i> {
        &self.data().kind
    }

    /// The document this node belongs to.
    pub fn document(&self) -> &'a Document<'i> {
        self.doc
    }

    /// The node's identity.
    pub fn id(&self) -> NodeId {
        NodeId(self.id)
    }

    /// What kind of node this is.
    pub fn node_type(&self) -> NodeType {
        match self.kind() {
            Kind::Root => NodeType::Root,
            Kind::Element { .. } => NodeType::Element,
            Kind::Text(_) => NodeType::Text,
            Kind::Comment(_) => NodeType::Comment,
            Kind::Pi { .. } => NodeType::PI,
        }
    }

    /// Whether this is an element.
    pub fn is_element(&self) -> bool {
        matches!(self.kind(), Kind::Element { .. })
    }

    /// Whether this is character data.
    pub fn is_text(&self) -> bool {
        matches!(self.kind(), Kind::Text(_))
    }

    /// Whether this is a comment.
    pub fn is_comment(&self) -> bool {
        matches!(self.kind(), Kind::Comment(_))
    }

    pub(crate) fn name_data(&self) -> Option<&'a Name<'i>> {
        match self.kind() {
            Kind::Element { name, .. } => Some(name),
            _ => None,
        }
    }

    /// An element's expanded name; empty for any other node.
    pub fn tag_name(&self) -> ExpandedName<'a> {
        match self.name_data() {
            Some(name) => ExpandedName { namespace: self.doc.namespace(name.namespace), local: name.local() },
            None => ExpandedName { namespace: None, local: "" },
        }
    }

    /// An element's QName as written ("" for any other node).
    pub fn qname(&self) -> &'i str {
        self.name_data().map_or("", |n| n.qname)
    }

    /// An element's prefix ("" for none, and for any other node).
    pub fn prefix(&self) -> &'i str {
        self.name_data().map_or("", Name::prefix)
    }

    pub(crate) fn attribute_data(&self) -> &'a [AttributeData<'i>] {
        match self.kind() {
            Kind::Element { attributes: (from, to), .. } => &self.doc.attributes[*from as usize..*to as usize],
            _ => &[],
        }
    }

    /// The namespace declarations of this start tag: (prefix, namespace name), the prefix ""
    /// for the default namespace and the name "" for `xmlns=""`.
    pub fn declarations(&self) -> impl ExactSizeIterator<Item = (&'i str, &'a str)> + use<'a, 'i> {
        let doc = self.doc;
        let run = match self.kind() {
            Kind::Element { declarations: (from, to), .. } => &doc.declarations[*from as usize..*to as usize],
            _ => &[],
        };
        run.iter().map(move |&(prefix, ns)| (prefix, doc.namespaces[ns as usize].as_ref()))
    }

    /// The value of the attribute `key` (a local name in no namespace, or `(namespace, local)`).
    pub fn attribute(&self, key: impl AttributeKey) -> Option<&'a str> {
        let (namespace, local) = key.parts();
        self.attributes().find(|a| a.name() == local && a.namespace() == namespace).map(|a| a.value())
    }

    /// The attributes in document order (namespace declarations excluded).
    pub fn attributes(&self) -> impl ExactSizeIterator<Item = Attribute<'a, 'i>> + use<'a, 'i> {
        let doc = self.doc;
        self.attribute_data().iter().map(move |data| Attribute { doc, data })
    }

    /// The parent (None for the document node).
    pub fn parent(&self) -> Option<Node<'a, 'i>> {
        self.at(self.data().parent)
    }

    /// This node, its parent, and so on up to the document node.
    pub fn ancestors(&self) -> impl Iterator<Item = Node<'a, 'i>> + use<'a, 'i> {
        std::iter::successors(Some(*self), Node::parent)
    }

    /// The first child.
    pub fn first_child(&self) -> Option<Node<'a, 'i>> {
        self.at(self.data().first_child)
    }

    /// The next sibling.
    pub fn next_sibling(&self) -> Option<Node<'a, 'i>> {
        self.at(self.data().next_sibling)
    }

    /// The children in order.
    pub fn children(&self) -> impl Iterator<Item = Node<'a, 'i>> + use<'a, 'i> {
        std::iter::successors(self.first_child(), Node::next_sibling)
    }

    /// This node and everything below it, in document order. The arena is in document order
    /// and a subtree is a contiguous run of it, ending where the next node after the subtree
    /// starts.
    pub fn descendants(&self) -> impl Iterator<Item = Node<'a, 'i>> + use<'a, 'i> {
        let doc = self.doc;
        let end = self.subtree_end();
        (self.id..end).map(move |id| Node { doc, id })
    }

    /// The id after this node's last descendant.
    fn subtree_end(&self) -> u32 {
        let mut node = *self;
        loop {
            if let Some(next) = node.next_sibling() {
                return next.id;
            }
            match node.parent() {
                Some(parent) => node = parent,
                None => return self.doc.nodes.len() as u32,
            }
        }
    }

    /// Text: its content. Comment: its content. Element: the text of its first child when that
    /// is character data. Otherwise None.
    pub fn text(&self) -> Option<&'a str> {
        match self.kind() {
            Kind::Text(text) | Kind::Comment(text) => Some(text),
            Kind::Element { .. } => match self.first_child()?.kind() {
                Kind::Text(text) => Some(text),
                _ => None,
            },
            _ => None,
        }
    }

    /// A processing instruction's target and value.
    pub fn pi(&self) -> Option<Pi<'a>> {
        match self.kind() {
            Kind::Pi { target, value } => Some(Pi { target, value: value.as_deref() }),
            _ => None,
        }
    }

    /// The node's bytes in the input.
    pub fn range(&self) -> Range<usize> {
        let data = self.data();
        data.start as usize..data.end as usize
    }

    /// The namespaces in scope at this element, each prefix once with its innermost binding
    /// ("" for the default namespace; a default undeclared with `xmlns=""` maps to "").
    pub fn namespaces_in_scope(&self) -> Vec<(&'i str, &'a str)> {
        let mut chain: Vec<Node<'a, 'i>> = std::iter::successors(Some(*self), Node::parent).collect();
        chain.reverse();
        let mut scope: Vec<(&'i str, &'a str)> = Vec::new();
        for node in chain {
            for (prefix, uri) in node.declarations() {
                match scope.iter_mut().find(|(p, _)| *p == prefix) {
                    Some(entry) => entry.1 = uri,
                    None => scope.push((prefix, uri)),
                }
            }
        }
        scope
    }
}
