//! `c14n`: the hardened parser and exclusive canonicalization on arbitrary text.
//!
//! Canonical XML is its own canonical form: whatever canonicalization outputs must parse, and
//! canonicalizing that again with the same options must give the same bytes. A second pass that
//! differs means the first one rendered something the signer's and the verifier's views could
//! disagree on.

use sso_scim_core::internal::xml::c14n::{C14nOptions, canonicalize};
use sso_scim_core::internal::xml::{Node, XmlLimits, parse_document};

/// Limits for re-reading canonical output: none that canonicalization could push an input past
/// (exclusive c14n declares a namespace again on every element that uses it); the input itself
/// met the defaults.
fn canonical_limits() -> XmlLimits {
    XmlLimits {
        max_depth: usize::MAX,
        max_nodes: u32::MAX,
        max_attributes: usize::MAX,
        max_namespace_declarations: usize::MAX,
        ..XmlLimits::default()
    }
}

/// Parse `data` (as UTF-8, invalid sequences replaced) with the default limits and canonicalize
/// the root element four ways: default options, an InclusiveNamespaces PrefixList chosen from
/// the document's prefixes by the input, with comments, and with one descendant excluded (the
/// enveloped-signature transform). Each must be a fixed point.
pub fn c14n(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Ok(doc) = parse_document(&text, &XmlLimits::default()) else { return };
    let root = doc.root_element();

    // A selector derived from every input byte, so the fuzzer steers it without a header
    // that would make most inputs ill-formed XML.
    let selector = data.iter().fold(0x9e37_79b9u32, |h, b| h.rotate_left(5) ^ u32::from(*b));
    let mut declared: Vec<&str> =
        doc.descendants().flat_map(|n| n.declarations().map(|(prefix, _)| prefix)).filter(|p| !p.is_empty()).collect();
    declared.sort_unstable();
    declared.dedup();
    let mut prefixes: Vec<&str> =
        declared.iter().enumerate().filter(|(i, _)| selector >> (i % 31) & 1 == 1).map(|(_, p)| *p).collect();
    if selector >> 31 == 1 {
        prefixes.push("#default");
    }
    let inner: Vec<_> = root.descendants().skip(1).collect();
    let excluded = (!inner.is_empty()).then(|| inner[selector as usize % inner.len()].id());

    let variants = [
        C14nOptions::default(),
        C14nOptions { inclusive_prefixes: &prefixes, ..C14nOptions::default() },
        C14nOptions { with_comments: true, ..C14nOptions::default() },
        C14nOptions { exclude: excluded, ..C14nOptions::default() },
    ];
    for options in &variants {
        fixed_point(root, options, &text);
    }
}

fn fixed_point(apex: Node<'_, '_>, options: &C14nOptions<'_>, input: &str) {
    // A marker before the output checks that a failure leaves what was there untouched.
    const MARKER: &[u8] = b"<previous/>";
    let mut first = MARKER.to_vec();
    if let Err(e) = canonicalize(apex, options, &mut first) {
        assert_eq!(first, MARKER, "a failed canonicalization ({e}) left output behind");
        return;
    }
    let first = String::from_utf8(first.split_off(MARKER.len())).expect("canonical XML is UTF-8");
    let again = parse_document(&first, &canonical_limits()).unwrap_or_else(|e| {
        panic!("the canonical form does not parse: {e}\noptions: {options:?}\ninput: {input:?}\ncanonical: {first:?}")
    });
    // The excluded subtree is gone from the output; the other options apply unchanged.
    let second_options = C14nOptions { exclude: None, ..*options };
    let mut second = Vec::new();
    canonicalize(again.root_element(), &second_options, &mut second).unwrap_or_else(|e| {
        panic!("the canonical form cannot be canonicalized: {e}\noptions: {options:?}\ninput: {input:?}\ncanonical: {first:?}")
    });
    assert!(
        second == first.as_bytes(),
        "canonicalization is not a fixed point\noptions: {options:?}\ninput: {input:?}\nfirst:  {first:?}\nsecond: {:?}",
        String::from_utf8_lossy(&second)
    );
}

/// `xml_parse`: our parser on arbitrary text, beside roxmltree as an independent reference.
///
/// Never a panic; every node's byte range lies inside the input and inside its parent's; and
/// whenever both parsers accept a document they must read the same tree: the same elements
/// (namespace and local name), attributes (namespace, local name, normalised value) and
/// character data, in the same order. The two may differ on *whether* to accept (we refuse
/// `xmlns:p=""`, a `]]>` in text and a few things roxmltree lets through), never on what an
/// accepted document says: a disagreement there is the parser differential signature
/// wrapping feeds on.
pub fn xml_parse(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Ok(ours) = parse_document(&text, &XmlLimits::default()) else { return };
    for node in ours.descendants() {
        let range = node.range();
        assert!(range.start <= range.end && range.end <= text.len(), "{node:?} has range {range:?}");
        if let Some(parent) = node.parent() {
            let outer = parent.range();
            assert!(outer.start <= range.start && range.end <= outer.end, "{node:?} lies outside {parent:?}");
        }
    }
    let options = roxmltree::ParsingOptions { allow_dtd: false, nodes_limit: u32::MAX, ..Default::default() };
    let Ok(reference) = roxmltree::Document::parse_with_options(&text, options) else { return };
    let mut ours = flatten_ours(ours.root_element());
    let mut theirs = flatten_roxmltree(reference.root_element());
    if text.contains('\r') {
        // roxmltree 0.21 leaves a literal CR next to a reference unnormalised (we turn every
        // literal CR into LF, as XML 1.0 §2.11 says), so with CRs in the input the comparison
        // cannot tell CR from LF in character data.
        for events in [&mut ours, &mut theirs] {
            for event in events.iter_mut() {
                if let Event::Text(t) = event {
                    *t = t.replace('\r', "\n");
                }
            }
        }
    }
    assert!(ours == theirs, "the parsers read different trees\ninput: {text:?}\nours:   {ours:?}\ntheirs: {theirs:?}");
}

/// One event of a tree in document order, in a form both parsers can produce.
#[derive(Debug, PartialEq)]
enum Event {
    Start { namespace: String, local: String, attributes: Vec<(String, String, String)> },
    Text(String),
    End,
}

fn flatten_ours(root: Node<'_, '_>) -> Vec<Event> {
    let mut events = Vec::new();
    walk_ours(root, &mut events);
    merge_text(events)
}

fn walk_ours(node: Node<'_, '_>, events: &mut Vec<Event>) {
    if node.is_element() {
        let name = node.tag_name();
        let attributes = node
            .attributes()
            .map(|a| (a.namespace().unwrap_or("").to_owned(), a.name().to_owned(), a.value().to_owned()))
            .collect();
        events.push(Event::Start {
            namespace: name.namespace().unwrap_or("").to_owned(),
            local: name.name().to_owned(),
            attributes,
        });
        for child in node.children() {
            walk_ours(child, events);
        }
        events.push(Event::End);
    } else if node.is_text() {
        events.push(Event::Text(node.text().unwrap_or("").to_owned()));
    }
}

fn flatten_roxmltree(root: roxmltree::Node<'_, '_>) -> Vec<Event> {
    let mut events = Vec::new();
    walk_roxmltree(root, &mut events);
    merge_text(events)
}

fn walk_roxmltree(node: roxmltree::Node<'_, '_>, events: &mut Vec<Event>) {
    if node.is_element() {
        let name = node.tag_name();
        let attributes = node
            .attributes()
            .map(|a| (a.namespace().unwrap_or("").to_owned(), a.name().to_owned(), a.value().to_owned()))
            .collect();
        events.push(Event::Start {
            namespace: name.namespace().unwrap_or("").to_owned(),
            local: name.name().to_owned(),
            attributes,
        });
        for child in node.children() {
            walk_roxmltree(child, events);
        }
        events.push(Event::End);
    } else if node.is_text() {
        events.push(Event::Text(node.text().unwrap_or("").to_owned()));
    }
}

/// Adjacent character data as one run (comments and PIs, left out, may split it differently),
/// and empty runs dropped.
fn merge_text(events: Vec<Event>) -> Vec<Event> {
    let mut merged: Vec<Event> = Vec::with_capacity(events.len());
    for event in events {
        match (merged.last_mut(), event) {
            (_, Event::Text(t)) if t.is_empty() => {}
            (Some(Event::Text(run)), Event::Text(t)) => run.push_str(&t),
            (_, event) => merged.push(event),
        }
    }
    merged
}
