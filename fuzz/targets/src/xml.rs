//! `c14n`: the hardened parser and exclusive canonicalization on arbitrary text.
//!
//! Canonical XML is its own canonical form: whatever canonicalization outputs must parse, and
//! canonicalizing that again with the same options must give the same bytes. A second pass that
//! differs means the first one rendered something the signer's and the verifier's views could
//! disagree on.

use sso_scim_core::saml::xml::c14n::{C14nOptions, canonicalize};
use sso_scim_core::saml::xml::{XmlLimits, parse_document};

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
    let mut declared: Vec<&str> = doc.descendants().flat_map(|n| n.namespaces()).filter_map(|ns| ns.name()).collect();
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

fn fixed_point(apex: roxmltree::Node<'_, '_>, options: &C14nOptions<'_>, input: &str) {
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
