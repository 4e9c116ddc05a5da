//! Structure-aware edits of an XML document, chosen by a [`Recipe`]: the moves of signature
//! wrapping and injection attacks (insert, delete, duplicate, move and swap elements; change
//! attribute values and text; rename namespaces and prefixes; splice raw bytes), positioned at
//! element, attribute and text boundaries found by scanning the current bytes, so edits after
//! one that broke the XML still land on tags.

use std::ops::Range;

use crate::recipe::Recipe;

/// Edits per input: enough for a two-step wrapping attack (move the signed element, then
/// insert a forged one) with room to spare.
const MAX_EDITS: usize = 12;
/// Stop editing past this size; larger documents are refused by size limits anyway.
const MAX_LEN: usize = 512 * 1024;

/// Fragments an attacker splices in: signature and assertion parts, wrappers, comments, CDATA,
/// references, namespace declarations and the characters that break or re-balance markup.
const SNIPPETS: &[&str] = &[
    r#"<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#">"#,
    "</ds:Signature>",
    r#"<ds:Object xmlns:ds="http://www.w3.org/2000/09/xmldsig#">"#,
    "</ds:Object>",
    r#"<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_evil" Version="2.0" IssueInstant="2026-03-04T12:00:00Z">"#,
    "</saml:Assertion>",
    r#"<Assertion xmlns="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d" Version="2.0">"#,
    "</Assertion>",
    r#"<saml:EncryptedAssertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">"#,
    "</saml:EncryptedAssertion>",
    r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_forged" Version="2.0">"#,
    "</samlp:Response>",
    r#"<samlp:Extensions xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">"#,
    "</samlp:Extensions>",
    r#"<NameID xmlns="urn:oasis:names:tc:SAML:2.0:assertion">admin@evil.example</NameID>"#,
    r#"<Issuer xmlns="urn:oasis:names:tc:SAML:2.0:assertion">https://sts.windows.net/0d9a7d32-6a2e-4ef4-9e51-1c5a2a7e3c11/</Issuer>"#,
    r#"<Audience xmlns="urn:oasis:names:tc:SAML:2.0:assertion">https://app.example.test/saml/metadata</Audience>"#,
    r##"<ds:Reference xmlns:ds="http://www.w3.org/2000/09/xmldsig#" URI="#_evil">"##,
    r#"<ds:Transform xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>"#,
    r##"<ec:InclusiveNamespaces xmlns:ec="http://www.w3.org/2001/10/xml-exc-c14n#" PrefixList="#default saml ds"/>"##,
    r#"<wrapper xmlns="urn:example:unknown">"#,
    "</wrapper>",
    "<!---->",
    "<!-- a comment -->",
    "<![CDATA[x]]>",
    "<?pi data?>",
    "&#x20;",
    "&#13;",
    "&amp;",
    "&lt;",
    r#" ID="_a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d""#,
    r#" ID="_r1a2b3c4-d5e6-4f70-8192-a3b4c5d6e7f8""#,
    r#" Id="_evil""#,
    r#" xmlns="urn:oasis:names:tc:SAML:2.0:assertion""#,
    r#" xmlns:ds="urn:example:not-dsig""#,
    r#" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion""#,
    r#" xml:lang="en""#,
    "\r\n",
    "\t",
    " ",
    "\u{feff}",
    "<",
    ">",
    "/>",
    "\"",
    "'",
    "=",
];

/// Values for attributes and text: IDs, URIs and algorithms of the vectors, times, and the
/// near-misses the profile checks must refuse.
const VALUES: &[&str] = &[
    "",
    " ",
    "#",
    "_evil",
    "#_evil",
    "2.0",
    "1.1",
    "_8f1c2f6d0b6a4e0e9c3f2b7a1d5e4c33",
    "#_a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d",
    "#_r1a2b3c4-d5e6-4f70-8192-a3b4c5d6e7f8",
    "https://sts.windows.net/0d9a7d32-6a2e-4ef4-9e51-1c5a2a7e3c11/",
    "https://app.example.test/saml/acs",
    "https://app.example.test/saml/metadata",
    "admin@evil.example",
    "jdoe@contoso.com",
    "urn:oasis:names:tc:SAML:2.0:status:Success",
    "urn:oasis:names:tc:SAML:2.0:cm:bearer",
    "urn:oasis:names:tc:SAML:2.0:assertion",
    "http://www.w3.org/2000/09/xmldsig#",
    "http://www.w3.org/2001/10/xml-exc-c14n#",
    "http://www.w3.org/2001/10/xml-exc-c14n#WithComments",
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
    "http://www.w3.org/2000/09/xmldsig#enveloped-signature",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
    "http://www.w3.org/2001/04/xmlenc#sha256",
    "http://www.w3.org/2000/09/xmldsig#sha1",
    "http://www.w3.org/2009/xmlenc11#aes256-gcm",
    "http://www.w3.org/2001/04/xmlenc#aes256-cbc",
    "2026-03-04T12:00:00Z",
    "2026-03-04T12:00:05.000Z",
    "9999-12-31T23:59:59Z",
    "1970-01-01T00:00:00Z",
    "#default",
    "saml ds",
    "signing",
];

/// Names an edit swaps for one another: prefixes, namespaces, ID attributes, element names.
const TOKENS: &[&str] = &[
    "ds:",
    "saml:",
    "samlp:",
    "xmlns:",
    "xmlns",
    "ID=",
    "Id=",
    "URI=",
    "http://www.w3.org/2000/09/xmldsig#",
    "urn:oasis:names:tc:SAML:2.0:assertion",
    "urn:oasis:names:tc:SAML:2.0:protocol",
    "Assertion",
    "EncryptedAssertion",
    "Signature",
    "SignedInfo",
    "SignatureValue",
    "Reference",
    "DigestValue",
    "KeyInfo",
    "Response",
    "Issuer",
    "NameID",
    "Subject",
    "Conditions",
    "Audience",
    "\"",
    "'",
];

/// Apply up to [`MAX_EDITS`] edits from `recipe` to `doc`.
pub(crate) fn edit(doc: &mut Vec<u8>, recipe: &mut Recipe<'_>) {
    for _ in 0..MAX_EDITS {
        if recipe.is_empty() || doc.len() > MAX_LEN {
            return;
        }
        let spans = Spans::of(doc);
        apply(doc, &spans, recipe);
    }
}

fn pick<T: Clone>(items: &[T], recipe: &mut Recipe<'_>) -> Option<T> {
    (!items.is_empty()).then(|| items[recipe.index(items.len())].clone())
}

fn apply(doc: &mut Vec<u8>, spans: &Spans, r: &mut Recipe<'_>) {
    let any_position = |r: &mut Recipe<'_>, doc: &[u8]| r.index(doc.len() + 1);
    match r.byte() % 12 {
        0 => {
            let at = pick(&spans.boundaries, r).unwrap_or(0);
            let snippet = SNIPPETS[r.index(SNIPPETS.len())];
            splice(doc, at..at, snippet.as_bytes());
        }
        1 => {
            let at = any_position(r, doc);
            let snippet = SNIPPETS[r.index(SNIPPETS.len())];
            splice(doc, at..at, snippet.as_bytes());
        }
        2 => {
            if let Some(element) = pick(&spans.elements, r) {
                doc.drain(element);
            }
        }
        3 => {
            // A copy of an element elsewhere: two assertions, two signatures, a signed element
            // beside its forged twin.
            if let (Some(element), Some(at)) = (pick(&spans.elements, r), pick(&spans.boundaries, r)) {
                let copy = doc[element].to_vec();
                splice(doc, at..at, &copy);
            }
        }
        4 => {
            // Move an element: the signature into another element, the signed assertion into a
            // wrapper, a forged one in its place.
            if let (Some(element), Some(at)) = (pick(&spans.elements, r), pick(&spans.boundaries, r)) {
                if (element.start..=element.end).contains(&at) {
                    return;
                }
                let moved: Vec<u8> = doc.drain(element.clone()).collect();
                let at = if at > element.end { at - moved.len() } else { at };
                splice(doc, at..at, &moved);
            }
        }
        5 => {
            if let Some(value) = pick(&spans.values, r) {
                let replacement = new_value(doc, &value, spans, r);
                splice(doc, value, &replacement);
            }
        }
        6 => {
            if let Some(text) = pick(&spans.texts, r) {
                let replacement = new_value(doc, &text, spans, r);
                splice(doc, text, &replacement);
            }
        }
        7 => {
            if let (Some(a), Some(b)) = (pick(&spans.elements, r), pick(&spans.elements, r)) {
                let (first, second) = if a.start <= b.start { (a, b) } else { (b, a) };
                if first.end <= second.start {
                    let one = doc[first.clone()].to_vec();
                    let two = doc[second.clone()].to_vec();
                    splice(doc, second, &one);
                    splice(doc, first, &two);
                }
            }
        }
        8 => {
            let at = any_position(r, doc);
            let raw = r.bytes(16).to_vec();
            splice(doc, at..at, &raw);
        }
        9 => {
            if !doc.is_empty() {
                let at = r.index(doc.len());
                doc[at] = r.byte();
            }
        }
        10 => {
            let at = r.index(doc.len() + 1);
            let len = usize::from(r.byte()).min(doc.len() - at);
            doc.drain(at..at + len);
        }
        _ => rename(doc, r),
    }
}

/// Replace the n-th occurrence of one token with another.
fn rename(doc: &mut Vec<u8>, r: &mut Recipe<'_>) {
    let from = TOKENS[r.index(TOKENS.len())].as_bytes();
    let to = TOKENS[r.index(TOKENS.len())];
    let found: Vec<usize> = doc.windows(from.len()).enumerate().filter(|(_, w)| *w == from).map(|(i, _)| i).collect();
    if let Some(at) = pick(&found, r) {
        splice(doc, at..at + from.len(), to.as_bytes());
    }
}

/// A replacement for the attribute value or text at `range`.
fn new_value(doc: &[u8], range: &Range<usize>, spans: &Spans, r: &mut Recipe<'_>) -> Vec<u8> {
    let current = &doc[range.clone()];
    match r.byte() % 5 {
        0 => VALUES[r.index(VALUES.len())].as_bytes().to_vec(),
        // Another value of the same document: an ID where a reference was, an Issuer where
        // the Audience was.
        1 => pick(&spans.values, r).map(|v| doc[v].to_vec()).unwrap_or_default(),
        2 => current[..r.index(current.len() + 1)].to_vec(),
        3 => [current, VALUES[r.index(VALUES.len())].as_bytes()].concat(),
        _ => r.bytes(16).to_vec(),
    }
}

fn splice(doc: &mut Vec<u8>, range: Range<usize>, with: &[u8]) {
    doc.splice(range, with.iter().copied());
}

/// Where edits can land in the current bytes.
struct Spans {
    /// Whole elements (start tag to end tag), in document order.
    elements: Vec<Range<usize>>,
    /// Attribute values, between the quotes.
    values: Vec<Range<usize>>,
    /// Character data between markup (CDATA sections included).
    texts: Vec<Range<usize>>,
    /// Positions between markup: before a tag or after one.
    boundaries: Vec<usize>,
}

impl Spans {
    /// One linear scan with a stack of open tags. A parser would be exact but cost more than
    /// the validation under test, many times per input; on well-formed XML the scan finds the
    /// same elements, and on bytes earlier edits broke it still finds tags to aim at (an
    /// unclosed element runs to the end).
    fn of(doc: &[u8]) -> Spans {
        let mut spans = Spans { elements: Vec::new(), values: Vec::new(), texts: Vec::new(), boundaries: Vec::new() };
        let find = |from: usize, what: &[u8]| {
            doc.get(from..)
                .and_then(|rest| rest.windows(what.len()).position(|w| w == what))
                .map_or(doc.len(), |p| from + p + what.len())
        };
        let mut open: Vec<usize> = Vec::new();
        let mut i = doc.iter().position(|b| *b == b'<').unwrap_or(doc.len());
        while i < doc.len() {
            let rest = &doc[i..];
            let end = if rest.starts_with(b"<!--") {
                find(i + 4, b"-->")
            } else if rest.starts_with(b"<![CDATA[") {
                let end = find(i + 9, b"]]>");
                spans.texts.push(i..end);
                end
            } else if rest.starts_with(b"<?") || rest.starts_with(b"<!") {
                find(i + 2, b">")
            } else {
                let end = spans.tag(doc, i);
                if rest.starts_with(b"</") {
                    if let Some(start) = open.pop() {
                        spans.elements.push(start..end);
                    }
                } else if doc[..end].ends_with(b"/>") {
                    spans.elements.push(i..end);
                } else {
                    open.push(i);
                }
                end
            };
            spans.boundaries.extend([i, end]);
            let next = doc[end..].iter().position(|b| *b == b'<').map_or(doc.len(), |p| end + p);
            if next > end {
                spans.texts.push(end..next);
            }
            i = next;
        }
        spans.elements.extend(open.into_iter().map(|start| start..doc.len()));
        spans.elements.sort_by_key(|r| (r.start, r.end));
        spans.boundaries.sort_unstable();
        spans.boundaries.dedup();
        spans
    }

    /// Scan the tag starting at `start`, recording its attribute values; returns its end.
    fn tag(&mut self, doc: &[u8], start: usize) -> usize {
        let mut quote: Option<(u8, usize)> = None;
        for (j, &b) in doc.iter().enumerate().skip(start + 1) {
            match quote {
                Some((q, value_start)) if b == q => {
                    self.values.push(value_start..j);
                    quote = None;
                }
                Some(_) => {}
                None if b == b'"' || b == b'\'' => quote = Some((b, j + 1)),
                None if b == b'>' => return j + 1,
                None => {}
            }
        }
        doc.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_find_elements_values_and_text() {
        let doc = br#"<a x="1"><b>t</b></a>"#;
        let spans = Spans::of(doc);
        assert_eq!(spans.elements, vec![0..21, 9..17]);
        assert_eq!(spans.values, vec![6..7]);
        assert_eq!(spans.texts, vec![12..13]);
    }

    #[test]
    fn broken_xml_still_gives_tags_to_aim_at() {
        let doc = br#"<a x="1"><b>t</a"#;
        let spans = Spans::of(doc);
        assert_eq!(spans.values, vec![6..7]);
        assert_eq!(spans.texts, vec![12..13]);
        assert_eq!(spans.elements, vec![0..16, 9..16]);
    }

    #[test]
    fn a_move_keeps_every_byte() {
        let mut doc = br#"<r><a/><b/><c/></r>"#.to_vec();
        // Edit 4 (move), element #1 (`<a/>`), boundary #4 (after `<c/>`).
        let recipe = [4u8, 0, 1, 0, 4];
        edit(&mut doc, &mut Recipe::new(&recipe));
        assert_eq!(doc, br#"<r><b/><c/><a/></r>"#);
    }
}
