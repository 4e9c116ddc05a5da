//! A linear pre-scan of untrusted XML that enforces the structural limits before roxmltree sees
//! the bytes.
//!
//! roxmltree checks duplicate attributes pairwise on their expanded names (namespace URI
//! included), keeps its namespace table sorted by insertion, and resolves each prefix by a walk
//! over the namespaces in scope. Each is harmless on a genuine response and quadratic on a crafted
//! one, and all of it runs before a single check of ours could. So one pass over the bytes here
//! bounds every quantity those costs grow with — depth, attributes per element, name and
//! namespace-URI length, distinct namespace bindings — and roxmltree only ever parses input whose
//! cost is linear in its size. The scanner is not a parser: what it does not understand it leaves
//! to roxmltree to refuse, except where skipping would let a limit go unseen (then it refuses).

use std::collections::HashSet;

use rustc_hash::FxBuildHasher;

use super::lex::{self, is_space};
use super::parse::XmlLimits;
use crate::error::ErrorCode;
use crate::saml::error::SamlError;

fn limit(message: String) -> SamlError {
    SamlError::new(ErrorCode::XmlLimitExceeded, message)
}

fn malformed(message: &str) -> SamlError {
    SamlError::new(ErrorCode::XmlMalformed, format!("the XML is not well-formed: {message}"))
}

/// Where `needle` first starts in `haystack` at or after `from` (memchr's vectorized search:
/// linear, and most of the scan's time is spent here).
fn find(haystack: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    let rest = haystack.get(from..)?;
    let found = match needle {
        [byte] => memchr::memchr(*byte, rest),
        _ => memchr::memmem::find(rest, needle),
    };
    found.map(|p| p + from)
}

/// What an attribute of a start tag is.
enum Kind {
    /// `xmlns` or `xmlns:p`.
    Declaration,
    /// A prefixed name: compared on its namespace URI.
    Namespaced,
    /// An unprefixed name.
    Plain,
}

/// The scanner's state: the position, the open elements and the namespace bindings seen.
struct Scanner<'a> {
    text: &'a [u8],
    at: usize,
    limits: &'a XmlLimits,
    depth: usize,
    /// Distinct (prefix, URI) bindings, raw as written: two spellings of one URI count twice,
    /// which can only over-count.
    bindings: HashSet<(&'a [u8], &'a [u8]), FxBuildHasher>,
    /// The prefixes declared by the open elements, innermost last ("" is the default).
    declared: Vec<&'a [u8]>,
    /// Where each open element's declarations start in `declared`.
    marks: Vec<usize>,
    /// How many open elements bind each prefix; its length is the namespaces in scope. A list,
    /// not a map: it never holds more than `max_namespaces_in_scope + 1` entries, and a short
    /// linear search beats hashing here.
    in_scope: Vec<(&'a [u8], u32)>,
}

/// Check `text` against `limits` in one pass: depth, attributes per element (namespace
/// declarations apart: exclusive c14n adds them, and they are bounded as bindings), the length of every element and attribute name and of every
/// namespace URI, and the number of distinct namespace bindings. DTDs are refused here too.
pub(crate) fn prescan(text: &str, limits: &XmlLimits) -> Result<(), SamlError> {
    let mut scanner = Scanner {
        text: text.as_bytes(),
        at: 0,
        limits,
        depth: 0,
        bindings: HashSet::default(),
        declared: Vec::new(),
        marks: Vec::new(),
        in_scope: Vec::new(),
    };
    scanner.run()
}

impl<'a> Scanner<'a> {
    fn run(&mut self) -> Result<(), SamlError> {
        while let Some(open) = find(self.text, self.at, b"<") {
            self.at = open;
            let rest = &self.text[open..];
            if rest.starts_with(b"<!--") {
                self.skip_past(open + 4, b"-->", "an unclosed comment")?;
            } else if rest.starts_with(b"<![CDATA[") {
                self.skip_past(open + 9, b"]]>", "an unclosed CDATA section")?;
            } else if rest.starts_with(b"<!DOCTYPE") || rest.starts_with(b"<!ENTITY") {
                return Err(SamlError::new(
                    ErrorCode::XmlDoctypeForbidden,
                    "the XML carries a DOCTYPE or ENTITY declaration",
                ));
            } else if rest.starts_with(b"<!") {
                return Err(malformed("a markup declaration other than a comment or CDATA"));
            } else if rest.starts_with(b"<?") {
                self.processing_instruction(open)?;
            } else if rest.starts_with(b"</") {
                self.depth = self.depth.checked_sub(1).ok_or_else(|| malformed("an end tag closes nothing"))?;
                let mark = self.marks.pop().ok_or_else(|| malformed("an end tag closes nothing"))?;
                self.close_scope(mark);
                self.skip_past(open + 2, b">", "an unclosed end tag")?;
            } else {
                self.start_tag()?;
            }
        }
        Ok(())
    }

    /// `<?target data?>`: the target must be a name followed by white space or `?>`, and may be
    /// `xml` (in any case) only as the declaration at the very start. roxmltree reads a target
    /// such as ``xml` `` leniently, and canonicalization would then write `<?xml …?>` inside an
    /// element, which no parser reads back (found by the `c14n` fuzz target).
    fn processing_instruction(&mut self, open: usize) -> Result<(), SamlError> {
        let start = open + 2;
        let len = self.text[start..].iter().position(|&b| is_space(b) || b == b'?').unwrap_or(self.text.len() - start);
        let target = &self.text[start..start + len];
        let name_like = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':') || *b >= 0x80;
        let first_ok =
            target.first().is_some_and(|b| b.is_ascii_alphabetic() || matches!(b, b'_' | b':') || *b >= 0x80);
        if !first_ok || !target.iter().all(name_like) {
            return Err(malformed("a processing instruction without a valid target"));
        }
        if target.eq_ignore_ascii_case(b"xml") && open != 0 {
            return Err(malformed("an XML declaration (or a processing instruction named xml) after the start"));
        }
        self.skip_past(start + len, b"?>", "an unclosed processing instruction")
    }

    fn skip_past(&mut self, from: usize, end: &[u8], what: &str) -> Result<(), SamlError> {
        let found = find(self.text, from, end).ok_or_else(|| malformed(what))?;
        self.at = found + end.len();
        Ok(())
    }

    /// `name`, refused when longer than the limit.
    fn check_name(&self, name: &[u8], what: &str) -> Result<(), SamlError> {
        if name.len() > self.limits.max_name_bytes {
            return Err(limit(format!("{what} name is longer than {} bytes", self.limits.max_name_bytes)));
        }
        Ok(())
    }

    /// Bring the prefixes declared since `declared.len()` was `mark` into scope; refused when
    /// more namespaces than the limit would be in scope. roxmltree copies an element's whole
    /// scope, checking each entry against those copied before, whenever the element declares
    /// anything, so this bound is what keeps that work small.
    fn open_scope(&mut self, mark: usize) -> Result<(), SamlError> {
        for &prefix in &self.declared[mark..] {
            match self.in_scope.iter_mut().find(|(p, _)| *p == prefix) {
                Some((_, count)) => *count += 1,
                None => self.in_scope.push((prefix, 1)),
            }
            if self.in_scope.len() > self.limits.max_namespaces_in_scope {
                break;
            }
        }
        if self.in_scope.len() > self.limits.max_namespaces_in_scope {
            return Err(limit(format!(
                "an element has more than {} namespaces in scope",
                self.limits.max_namespaces_in_scope
            )));
        }
        Ok(())
    }

    /// Take the declarations of the element whose declarations start at `mark` out of scope.
    fn close_scope(&mut self, mark: usize) {
        for prefix in self.declared.drain(mark.min(self.declared.len())..) {
            if let Some(i) = self.in_scope.iter().position(|(p, _)| *p == prefix) {
                self.in_scope[i].1 -= 1;
                if self.in_scope[i].1 == 0 {
                    self.in_scope.swap_remove(i);
                }
            }
        }
    }

    fn start_tag(&mut self) -> Result<(), SamlError> {
        self.at += 1;
        let name_end = lex::name_end(self.text, self.at);
        self.check_name(&self.text[self.at..name_end], "an element")?;
        self.at = name_end;
        let mark = self.declared.len();
        let (mut attributes, mut namespaced) = (0usize, 0usize);
        loop {
            let had_space = self.text.get(self.at).copied().is_some_and(is_space);
            self.at = lex::skip_space(self.text, self.at);
            match self.text.get(self.at) {
                None => return Err(malformed("an unclosed start tag")),
                Some(b'>') => {
                    self.at += 1;
                    self.depth += 1;
                    if self.depth > self.limits.max_depth {
                        return Err(limit(format!("the XML nests deeper than {} elements", self.limits.max_depth)));
                    }
                    self.open_scope(mark)?;
                    self.marks.push(mark);
                    return Ok(());
                }
                Some(b'/') => {
                    self.at += 1;
                    if self.text.get(self.at) != Some(&b'>') {
                        return Err(malformed("a '/' in a start tag not followed by '>'"));
                    }
                    self.at += 1;
                    // An empty element opens and closes at once; its depth and scope still count.
                    if self.depth + 1 > self.limits.max_depth {
                        return Err(limit(format!("the XML nests deeper than {} elements", self.limits.max_depth)));
                    }
                    self.open_scope(mark)?;
                    self.close_scope(mark);
                    return Ok(());
                }
                Some(_) if !had_space => return Err(malformed("attributes must be separated by white space")),
                Some(_) => {}
            }
            match self.attribute()? {
                Kind::Declaration => continue,
                Kind::Namespaced => namespaced += 1,
                Kind::Plain => {}
            }
            attributes += 1;
            if attributes > self.limits.max_attributes {
                return Err(limit(format!("an element has more than {} attributes", self.limits.max_attributes)));
            }
            if namespaced > self.limits.max_namespaced_attributes {
                return Err(limit(format!(
                    "an element has more than {} namespace-qualified attributes",
                    self.limits.max_namespaced_attributes
                )));
            }
        }
    }

    /// One `name = "value"` pair; a namespace declaration is checked and counted.
    fn attribute(&mut self) -> Result<Kind, SamlError> {
        let (attribute, next) = lex::attribute(self.text, self.at).map_err(malformed)?;
        let name = &self.text[attribute.name];
        self.check_name(name, "an attribute")?;
        self.at = next;
        let prefix = lex::declared_prefix(name);
        if let Some(prefix) = prefix {
            let uri = &self.text[attribute.value];
            if uri.len() > self.limits.max_namespace_uri_bytes {
                return Err(limit(format!(
                    "a namespace URI is longer than {} bytes",
                    self.limits.max_namespace_uri_bytes
                )));
            }
            self.bindings.insert((prefix, uri));
            self.declared.push(prefix);
            if self.bindings.len() > self.limits.max_namespace_declarations {
                return Err(limit(format!(
                    "the XML binds more than {} distinct namespace prefixes and URIs",
                    self.limits.max_namespace_declarations
                )));
            }
        }
        Ok(match prefix {
            Some(_) => Kind::Declaration,
            None if name.contains(&b':') => Kind::Namespaced,
            None => Kind::Plain,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(text: &str) -> Option<&'static str> {
        prescan(text, &XmlLimits::default()).err().map(|e| e.code().as_str())
    }

    #[test]
    fn genuine_shapes_pass() {
        for text in [
            "<a xmlns='urn:x'><b c=\"1\" d = '>'>t&amp;t</b><!-- <c> --><?pi <x>?><![CDATA[<y>]]></a>",
            "<?xml version='1.0'?>\n<a\n xmlns:p=\"urn:p\"\tp:x='1'/>",
            "<a/>",
        ] {
            assert_eq!(code(text), None, "{text}");
        }
        // Okta and Shibboleth declare xs and xsi on every AttributeValue: one binding each.
        let value = "<v xmlns:xs='http://www.w3.org/2001/XMLSchema' xmlns:xsi='http://www.w3.org/2001/XMLSchema-instance' xsi:type='xs:string'>g</v>";
        assert_eq!(code(&format!("<a>{}</a>", value.repeat(2000))), None);
    }

    #[test]
    fn limits_hold_while_scanning() {
        let deep = format!("{}{}", "<a>".repeat(49), "</a>".repeat(49));
        assert_eq!(code(&deep), Some("xml_limit_exceeded"));
        let deep_empty = format!("{}<a/>{}", "<a>".repeat(48), "</a>".repeat(48));
        assert_eq!(code(&deep_empty), Some("xml_limit_exceeded"));
        let ok = format!("{}{}", "<a>".repeat(48), "</a>".repeat(48));
        assert_eq!(code(&ok), None);
        let attrs: String = (0..25).map(|i| format!(" a{i}='x'")).collect();
        assert_eq!(code(&format!("<a{attrs}/>")), Some("xml_limit_exceeded"));
        let namespaced: String = (0..9).map(|i| format!(" p:a{i}='x'")).collect();
        assert_eq!(code(&format!("<a xmlns:p='urn:p'{namespaced}/>")), Some("xml_limit_exceeded"));
        assert_eq!(code(&format!("<a xmlns:p='urn:p'{}/>", &namespaced[..namespaced.len() - 9])), None);
        // The same 16 bindings on 300 elements: 16 distinct, 16 in scope at once.
        let decls: String = (0..16).map(|i| format!(" xmlns:p{i}='urn:{i}'")).collect();
        assert_eq!(code(&format!("<a>{}</a>", format!("<b{decls}/>").repeat(300))), None);
        // 17 in scope at once, on one element or spread over nested ones.
        let decls: String = (0..17).map(|i| format!(" xmlns:p{i}='urn:{i}'")).collect();
        assert_eq!(code(&format!("<a{decls}/>")), Some("xml_limit_exceeded"));
        let nested: String = (0..17).map(|i| format!("<b xmlns:p{i}='urn:{i}'>")).collect();
        assert_eq!(code(&format!("{nested}{}", "</b>".repeat(17))), Some("xml_limit_exceeded"));
        // 100 siblings each declaring one: never more than one in scope.
        let siblings: String = (0..100).map(|i| format!("<b xmlns:p{i}='urn:{i}'/>")).collect();
        assert_eq!(code(&format!("<a>{siblings}</a>")), None);
        let spread: String = (0..129).map(|i| format!("<b xmlns:p{i}='urn:{i}'/>")).collect();
        assert_eq!(code(&format!("<a>{spread}</a>")), Some("xml_limit_exceeded"));
        assert_eq!(code(&format!("<a xmlns:p='{}'/>", "u".repeat(257))), Some("xml_limit_exceeded"));
        assert_eq!(code(&format!("<a {}='1'/>", "n".repeat(257))), Some("xml_limit_exceeded"));
        assert_eq!(code(&format!("<{}/>", "n".repeat(257))), Some("xml_limit_exceeded"));
    }

    #[test]
    fn doctypes_and_broken_markup_are_refused() {
        assert_eq!(code("<!DOCTYPE a><a/>"), Some("xml_doctype_forbidden"));
        assert_eq!(code("<a><!ENTITY x 'y'></a>"), Some("xml_doctype_forbidden"));
        for text in [
            "<a",
            "<a b='1>",
            "<a b=1/>",
            "<a b/>",
            "<a b='1'c='2'/>",
            "</a>",
            "<a><!--",
            "<a><![CDATA[",
            "<a><?pi",
            "<a/ >",
            "<a><!ELEMENT a></a>",
        ] {
            assert_eq!(code(text), Some("xml_malformed"), "{text}");
        }
    }

    #[test]
    fn processing_instructions_and_the_declaration() {
        for text in ["<?xml version='1.0'?><a/>", "<a><?xml-stylesheet href='x'?><?pi?><?p\tq?></a>"] {
            assert_eq!(code(text), None, "{text}");
        }
    }

    #[test]
    fn never_panics_on_any_truncation() {
        let text = "<a xmlns:p='urn:p' p:b=\"1\"><!-- c --><![CDATA[d]]><?e f?></a>";
        for cut in 0..=text.len() {
            let _ = prescan(&text[..cut], &XmlLimits::default());
        }
    }
}
