//! Our XML parser: one forward pass over untrusted bytes that checks well-formedness and
//! namespace well-formedness, enforces every [`XmlLimits`] bound as it goes, and builds the
//! [`Document`] arena. Why our own rather than a general-purpose crate: the verifier parses
//! every response twice (the input, then the verified canonical bytes), and roxmltree's
//! per-attribute and per-namespace work (pairwise duplicate checks on namespace URIs, scope
//! copies, prefixes dropped so c14n had to read start tags back from the source) made the
//! largest inputs our limits admit cost 20 ms and more; this parser brings them under 5 ms
//! (`make bench-saml`). roxmltree remains the reference it is fuzzed against (`xml_parse`).
//!
//! Every step reads forward only and does a bounded amount of work per byte read: names and
//! values are classified through 256-entry tables, namespace lookups search a scope that
//! [`XmlLimits::max_namespaces_in_scope`] bounds, and duplicate-attribute checks compare at
//! most [`XmlLimits::max_attributes`] pairs per start tag. No DTD is ever read: a DOCTYPE is
//! refused where it starts, so no entity, internal subset or external reference can exist.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher;

use rustc_hash::FxBuildHasher;

use super::lex::is_space;
use super::limits::XmlLimits;
use super::tree::{AttributeData, Document, Kind, NO_NAMESPACE, NONE, Name, NodeData, XML_NAMESPACE};
use crate::error::ErrorCode;
use crate::saml::error::SamlError;

/// The namespace of `xmlns` itself, which nothing may be bound to.
const XMLNS_NAMESPACE: &str = "http://www.w3.org/2000/xmlns/";

/// Byte classes. A byte's entry has the bit of each context in which it needs attention.
const NAME_START: u8 = 1;
const NAME: u8 = 2;
/// An ASCII name character other than ':' (letters, digits, '-', '.', '_').
const PLAIN_NAME: u8 = 32;
/// Ends an uninteresting run of character data: `<`, `&`, CR, `]` (for `]]>`), a control
/// character, or 0xEF (which starts U+FFFE and U+FFFF, not XML characters).
const TEXT: u8 = 4;
/// Ends a run of an attribute value: as text but `]`, plus both quotes, TAB and LF.
const VALUE: u8 = 8;
/// Ends a run of a comment, PI or CDATA body: CR, a control character or 0xEF.
const RAW: u8 = 16;

const fn classes() -> [u8; 256] {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        let mut class = 0;
        if c.is_ascii_alphabetic() || c == b'_' || c == b':' {
            class |= NAME_START | NAME;
        }
        if c.is_ascii_digit() || c == b'-' || c == b'.' || c >= 0x80 {
            class |= NAME;
        }
        if c >= 0x80 {
            class |= NAME_START;
        }
        if c.is_ascii_alphanumeric() || c == b'_' || c == b'-' || c == b'.' {
            class |= PLAIN_NAME;
        }
        let control = c < 0x20 && c != b'\t' && c != b'\n' && c != b'\r';
        if control || c == b'\r' || c == 0xEF {
            class |= TEXT | VALUE | RAW;
        }
        if c == b'<' || c == b'&' {
            class |= TEXT | VALUE;
        }
        if c == b']' {
            class |= TEXT;
        }
        if c == b'"' || c == b'\'' || c == b'\t' || c == b'\n' {
            class |= VALUE;
        }
        table[b] = class;
        b += 1;
    }
    table
}

static CLASS: [u8; 256] = classes();

fn malformed_at(what: impl std::fmt::Display, at: usize) -> SamlError {
    SamlError::new(ErrorCode::XmlMalformed, format!("the XML is not well-formed: {what} (at byte {at})"))
}

fn limit(message: String) -> SamlError {
    SamlError::new(ErrorCode::XmlLimitExceeded, message)
}

/// A non-ASCII character allowed in a name (XML 1.0 fifth edition, §2.3).
fn is_name_char(c: char, first: bool) -> bool {
    let start = matches!(c,
        '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}' | '\u{F8}'..='\u{2FF}' | '\u{370}'..='\u{37D}'
        | '\u{37F}'..='\u{1FFF}' | '\u{200C}'..='\u{200D}' | '\u{2070}'..='\u{218F}'
        | '\u{2C00}'..='\u{2FEF}' | '\u{3001}'..='\u{D7FF}' | '\u{F900}'..='\u{FDCF}'
        | '\u{FDF0}'..='\u{FFFD}' | '\u{10000}'..='\u{EFFFF}');
    start || (!first && matches!(c, '\u{B7}' | '\u{300}'..='\u{36F}' | '\u{203F}'..='\u{2040}'))
}

/// Whether two short names are equal: a length test and a short loop, no `memcmp` call (the
/// prefixes compared here are a few bytes long, and often the same slice).
#[inline]
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && (std::ptr::eq(a.as_ptr(), b.as_ptr()) || a.bytes().zip(b.bytes()).all(|(x, y)| x == y))
}

/// Whether `span` holds nothing the slow paths must look at: no control character (in text,
/// TAB and LF are fine; in an attribute value they become spaces), no CR (line ends are
/// normalised) and no 0xEF (which may start U+FFFE or U+FFFF). A fold without early exit, so
/// the compiler vectorizes it.
#[inline]
fn plain(span: &[u8], text: bool) -> bool {
    let odd = |c: u8| (c < 0x20 && !(text && (c == b'\t' || c == b'\n'))) || c == 0xEF;
    !span.iter().fold(false, |found, &c| found | odd(c))
}

/// An XML character (§2.2), for character references.
fn is_xml_char(c: u32) -> bool {
    matches!(c, 0x9 | 0xA | 0xD | 0x20..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF)
}

/// An element whose end tag is still to come.
struct Open<'i> {
    node: u32,
    qname: &'i str,
    /// The scope's undo log length before this start tag's declarations.
    undo: usize,
    last_child: u32,
}

/// The attributes of the start tag being read, as the limits count them (namespace
/// declarations are limited separately).
#[derive(Default)]
struct AttributeCounts {
    all: usize,
    namespaced: usize,
}

struct Parser<'i, 'l> {
    s: &'i str,
    b: &'i [u8],
    pos: usize,
    limits: &'l XmlLimits,
    doc: Document<'i>,
    interned: HashMap<Cow<'i, str>, u32, FxBuildHasher>,
    bindings: HashSet<(&'i str, u32), FxBuildHasher>,
    open: Vec<Open<'i>>,
    root_last_child: u32,
    root_seen: bool,
    /// The prefixes bound by open elements, each once with its innermost namespace index
    /// (index 0, "", for a default undeclared with `xmlns=""`).
    scope: Vec<(&'i str, u32)>,
    /// (prefix, previous binding) for each change to `scope`, replayed when elements close.
    undo: Vec<(&'i str, Option<u32>)>,
    /// Character data read since the last node: (start, content).
    text: Option<(usize, Cow<'i, str>)>,
    xml_namespace: Option<u32>,
    /// Scratch: the name hashes of the current start tag's attributes.
    hashes: Vec<u64>,
}

/// Parse `text`, enforcing `limits` while reading.
pub(crate) fn parse<'i>(text: &'i str, limits: &XmlLimits) -> Result<Document<'i>, SamlError> {
    if text.len() >= u32::MAX as usize {
        return Err(limit("the XML is larger than 4 GiB".into()));
    }
    let mut namespaces = Vec::with_capacity(8);
    namespaces.push(Cow::Borrowed(""));
    let mut parser = Parser {
        s: text,
        b: text.as_bytes(),
        pos: 0,
        limits,
        doc: Document {
            input: text,
            nodes: Vec::with_capacity(text.len() / 24 + 2),
            attributes: Vec::with_capacity(text.len() / 48 + 2),
            declarations: Vec::with_capacity(8),
            namespaces,
        },
        interned: HashMap::default(),
        bindings: HashSet::default(),
        open: Vec::with_capacity(16),
        root_last_child: NONE,
        root_seen: false,
        scope: Vec::with_capacity(8),
        undo: Vec::with_capacity(16),
        text: None,
        xml_namespace: None,
        hashes: Vec::with_capacity(16),
    };
    parser.doc.nodes.push(NodeData {
        parent: NONE,
        first_child: NONE,
        next_sibling: NONE,
        start: 0,
        end: text.len() as u32,
        kind: Kind::Root,
    });
    parser.run()?;
    Ok(parser.doc)
}

impl<'i> Parser<'i, '_> {
    fn malformed(&self, what: impl std::fmt::Display) -> SamlError {
        malformed_at(what, self.pos)
    }

    fn run(&mut self) -> Result<(), SamlError> {
        if self.s.starts_with('\u{FEFF}') {
            self.pos = 3;
        }
        let declaration_at = self.pos;
        loop {
            if self.open.is_empty() {
                self.pos += self.b[self.pos..].iter().take_while(|&&b| is_space(b)).count();
                if self.pos == self.b.len() {
                    break;
                }
                if self.b[self.pos] != b'<' {
                    return Err(self.malformed("text outside the root element"));
                }
            } else {
                self.character_data()?;
                if self.pos == self.b.len() {
                    let qname = self.open.last().map_or("", |o| o.qname);
                    return Err(self.malformed(format!("the element <{qname}> is not closed")));
                }
            }
            self.markup(declaration_at)?;
        }
        if !self.root_seen {
            return Err(self.malformed("no root element"));
        }
        Ok(())
    }

    /// The markup starting at `self.pos` (a `<`).
    fn markup(&mut self, declaration_at: usize) -> Result<(), SamlError> {
        let rest = &self.b[self.pos..];
        if rest.starts_with(b"<!--") {
            self.comment()
        } else if rest.starts_with(b"<![CDATA[") {
            self.cdata()
        } else if rest.starts_with(b"<!DOCTYPE") || rest.starts_with(b"<!ENTITY") {
            Err(SamlError::new(ErrorCode::XmlDoctypeForbidden, "the XML carries a DOCTYPE or ENTITY declaration"))
        } else if rest.starts_with(b"<!") {
            Err(self.malformed("a markup declaration other than a comment or CDATA section"))
        } else if rest.starts_with(b"<?") {
            self.processing_instruction(declaration_at)
        } else if rest.starts_with(b"</") {
            self.end_tag()
        } else {
            self.start_tag()
        }
    }

    // ---- names -----------------------------------------------------------------------------

    /// The end of the name at `self.pos` and, for a QName, where its colon is (0: none).
    /// Refused: an empty name, a character not allowed in names, a name over the limit, and
    /// (`qname`) more than one colon or one at either end.
    fn name(&self, what: &str, qname: bool) -> Result<(usize, u16), SamlError> {
        let b = self.b;
        let start = self.pos;
        let mut i = start;
        let mut colon = 0usize;
        let mut colons = 0;
        let mut first = true;
        while i < b.len() {
            // The common case first: a run of ASCII letters, digits, '-', '.' and '_'.
            if !first {
                while i < b.len() && CLASS[b[i] as usize] & PLAIN_NAME != 0 {
                    i += 1;
                }
                if i == b.len() {
                    break;
                }
            }
            let byte = b[i];
            if byte < 0x80 {
                let wanted = if first { NAME_START } else { NAME };
                if CLASS[byte as usize] & wanted == 0 || (!first && byte != b':') {
                    break;
                }
                if byte == b':' {
                    colons += 1;
                    colon = i - start;
                }
                i += 1;
            } else {
                let c = self.s[i..].chars().next().unwrap_or('\0');
                if !is_name_char(c, first) {
                    break;
                }
                i += c.len_utf8();
            }
            first = false;
        }
        let len = i - start;
        let bad_qname = qname && (colons > 1 || (colons == 1 && (colon == 0 || colon == len - 1)));
        let bad_end = i < b.len() && !is_space(b[i]) && !matches!(b[i], b'>' | b'/' | b'=' | b'?');
        if len == 0 || len > self.limits.max_name_bytes || bad_qname || bad_end {
            return Err(self.name_error(what, start, i, bad_qname));
        }
        Ok((i, colon as u16))
    }

    /// Why the name from `start` to `end` was refused (kept out of [`Self::name`], which runs
    /// for every name, so its fast path stays small).
    #[cold]
    #[inline(never)]
    fn name_error(&self, what: &str, start: usize, end: usize, bad_qname: bool) -> SamlError {
        let len = end - start;
        if len == 0 {
            self.malformed(format!("{what} without a valid name"))
        } else if len > self.limits.max_name_bytes {
            limit(format!("{what} name is longer than {} bytes", self.limits.max_name_bytes))
        } else if bad_qname {
            self.malformed(format!("{what} name {:?} is not a valid QName", &self.s[start..end]))
        } else {
            malformed_at(format!("{what} name with an invalid character"), end)
        }
    }

    fn skip_space(&mut self) -> bool {
        let n = self.b[self.pos..].iter().take_while(|&&b| is_space(b)).count();
        self.pos += n;
        n > 0
    }

    // ---- character data ----------------------------------------------------------------------

    /// A reference at `self.pos` (an `&`): the character it stands for; `self.pos` moves
    /// past its `;`. Only the five predefined entities exist (there is no DTD).
    fn reference(&mut self) -> Result<char, SamlError> {
        let b = self.b;
        let start = self.pos + 1;
        let semicolon = b[start..].iter().take(32).position(|&c| c == b';').map(|p| p + start);
        let Some(end) = semicolon else {
            return Err(self.malformed("an '&' that does not start a reference"));
        };
        let body = &b[start..end];
        let c = match body {
            b"lt" => Some('<'),
            b"gt" => Some('>'),
            b"amp" => Some('&'),
            b"apos" => Some('\''),
            b"quot" => Some('"'),
            [b'#', b'x', digits @ ..] => char_reference(digits, 16),
            [b'#', digits @ ..] => char_reference(digits, 10),
            _ => return Err(self.malformed("a reference to an undefined entity")),
        };
        let c = c.ok_or_else(|| self.malformed("a character reference to a character XML does not allow"))?;
        self.pos = end + 1;
        Ok(c)
    }

    /// Character data up to the next `<` (or the end), merged into the pending text.
    fn character_data(&mut self) -> Result<(), SamlError> {
        let b = self.b;
        let start = self.pos;
        // The common case, at vector speed: plain text up to the next '<'.
        let rest = &b[start..];
        let end = memchr::memchr3(b'<', b'&', b']', rest).unwrap_or(rest.len());
        if rest.get(end).is_none_or(|&c| c == b'<') && plain(&rest[..end], true) {
            self.pos += end;
            if end > 0 {
                self.add_text(start, Cow::Borrowed(&self.s[start..self.pos]));
            }
            return Ok(());
        }
        let mut owned: Option<String> = None;
        let mut copied = start;
        loop {
            while self.pos < b.len() && CLASS[b[self.pos] as usize] & TEXT == 0 {
                self.pos += 1;
            }
            let Some(&byte) = b.get(self.pos) else { break };
            match byte {
                b'<' => break,
                b'&' => {
                    let out = owned.get_or_insert_with(String::new);
                    out.push_str(&self.s[copied..self.pos]);
                    let c = self.reference()?;
                    owned.get_or_insert_with(String::new).push(c);
                    copied = self.pos;
                }
                b'\r' => {
                    let out = owned.get_or_insert_with(String::new);
                    out.push_str(&self.s[copied..self.pos]);
                    out.push('\n');
                    self.pos += if b.get(self.pos + 1) == Some(&b'\n') { 2 } else { 1 };
                    copied = self.pos;
                }
                b']' => {
                    if b[self.pos..].starts_with(b"]]>") {
                        return Err(self.malformed("']]>' in character data"));
                    }
                    self.pos += 1;
                }
                _ => self.odd_byte()?,
            }
        }
        if self.pos == start {
            return Ok(());
        }
        let text = match owned {
            Some(mut out) => {
                out.push_str(&self.s[copied..self.pos]);
                Cow::Owned(out)
            }
            None => Cow::Borrowed(&self.s[start..self.pos]),
        };
        self.add_text(start, text);
        Ok(())
    }

    /// A control character (refused) or 0xEF, which is fine unless it starts U+FFFE or U+FFFF.
    fn odd_byte(&mut self) -> Result<(), SamlError> {
        let b = self.b;
        if b[self.pos] == 0xEF {
            if b.get(self.pos + 1) == Some(&0xBF) && matches!(b.get(self.pos + 2), Some(0xBE | 0xBF)) {
                return Err(self.malformed("a character XML does not allow (U+FFFE or U+FFFF)"));
            }
            self.pos += 1;
            return Ok(());
        }
        Err(self.malformed(format!("the control character U+{:04X}", b[self.pos])))
    }

    fn add_text(&mut self, start: usize, text: Cow<'i, str>) {
        match &mut self.text {
            Some((_, pending)) => pending.to_mut().push_str(&text),
            None => self.text = Some((start, text)),
        }
    }

    /// The pending character data becomes a node.
    fn flush_text(&mut self) -> Result<(), SamlError> {
        if let Some((start, text)) = self.text.take() {
            self.push(start, Kind::Text(text))?;
        }
        Ok(())
    }

    /// The bytes from `self.pos` to `end` (a comment, PI or CDATA body), checked for
    /// characters XML does not allow and with line ends normalised; `self.pos` moves to `end`.
    fn raw(&mut self, end: usize) -> Result<Cow<'i, str>, SamlError> {
        let b = self.b;
        let start = self.pos;
        let mut owned: Option<String> = None;
        let mut copied = start;
        loop {
            while self.pos < end && CLASS[b[self.pos] as usize] & RAW == 0 {
                self.pos += 1;
            }
            if self.pos >= end {
                break;
            }
            if b[self.pos] == b'\r' {
                let out = owned.get_or_insert_with(String::new);
                out.push_str(&self.s[copied..self.pos]);
                out.push('\n');
                self.pos += if self.pos + 1 < end && b[self.pos + 1] == b'\n' { 2 } else { 1 };
                copied = self.pos;
            } else {
                self.odd_byte()?;
            }
        }
        self.pos = end;
        Ok(match owned {
            Some(mut out) => {
                out.push_str(&self.s[copied..end]);
                Cow::Owned(out)
            }
            None => Cow::Borrowed(&self.s[start..end]),
        })
    }

    fn find(&self, from: usize, needle: &[u8]) -> Option<usize> {
        memchr::memmem::find(&self.b[from..], needle).map(|p| p + from)
    }

    fn cdata(&mut self) -> Result<(), SamlError> {
        if self.open.is_empty() {
            return Err(self.malformed("a CDATA section outside the root element"));
        }
        let start = self.pos;
        let body = self.pos + 9;
        let end = self.find(body, b"]]>").ok_or_else(|| self.malformed("an unclosed CDATA section"))?;
        self.pos = body;
        let text = self.raw(end)?;
        self.pos = end + 3;
        if !text.is_empty() {
            self.add_text(start, text);
        }
        Ok(())
    }

    fn comment(&mut self) -> Result<(), SamlError> {
        let start = self.pos;
        let body = self.pos + 4;
        let dashes = self.find(body, b"--").ok_or_else(|| self.malformed("an unclosed comment"))?;
        if self.b.get(dashes + 2) != Some(&b'>') {
            return Err(malformed_at("'--' inside a comment", dashes));
        }
        self.flush_text()?;
        self.pos = body;
        let text = self.raw(dashes)?;
        self.pos = dashes + 3;
        self.push(start, Kind::Comment(text))
    }

    /// `<?target value?>`; the XML declaration only at `declaration_at` (the start, after any
    /// byte-order mark), where it is checked and not kept.
    fn processing_instruction(&mut self, declaration_at: usize) -> Result<(), SamlError> {
        let start = self.pos;
        self.pos += 2;
        let (target_end, _) = self.name("a processing instruction", false)?;
        let target = &self.s[self.pos..target_end];
        self.pos = target_end;
        let end = self.find(self.pos, b"?>").ok_or_else(|| self.malformed("an unclosed processing instruction"))?;
        if target.eq_ignore_ascii_case("xml") {
            if start != declaration_at || target != "xml" {
                return Err(malformed_at(
                    "an XML declaration (or a processing instruction named xml) after the start",
                    start,
                ));
            }
            self.xml_declaration(end)?;
            self.pos = end + 2;
            return Ok(());
        }
        let value = if self.pos == end {
            None
        } else {
            if !self.skip_space() {
                return Err(self.malformed("a processing instruction target not followed by white space"));
            }
            Some(self.raw(end.max(self.pos))?)
        };
        self.pos = end + 2;
        self.flush_text()?;
        self.push(start, Kind::Pi { target, value })
    }

    /// `version="1.x"`, then optionally `encoding` and `standalone`, in that order.
    fn xml_declaration(&mut self, end: usize) -> Result<(), SamlError> {
        let mut expected: &[&str] = &["version", "encoding", "standalone"];
        let mut first = true;
        while self.pos < end {
            let spaced = self.skip_space();
            if self.pos >= end {
                break;
            }
            let (name_end, _) = self.name("an XML declaration attribute", false)?;
            let name = &self.s[self.pos..name_end];
            let Some(index) = expected.iter().position(|e| *e == name).filter(|&i| !first || i == 0) else {
                return Err(self.malformed(format!("the XML declaration has {name:?} out of place")));
            };
            if !spaced {
                return Err(self.malformed("XML declaration attributes must be separated by white space"));
            }
            expected = &expected[index + 1..];
            first = false;
            self.pos = name_end;
            self.skip_space();
            if self.b.get(self.pos) != Some(&b'=') {
                return Err(self.malformed("an XML declaration attribute without '='"));
            }
            self.pos += 1;
            self.skip_space();
            let quote = match self.b.get(self.pos) {
                Some(&q @ (b'"' | b'\'')) => q,
                _ => return Err(self.malformed("an XML declaration value without quotes")),
            };
            let close = memchr::memchr(quote, &self.b[self.pos + 1..end])
                .ok_or_else(|| self.malformed("an unclosed XML declaration value"))?
                + self.pos
                + 1;
            let value = &self.s[self.pos + 1..close];
            let good = match name {
                "version" => {
                    value.strip_prefix("1.").is_some_and(|d| !d.is_empty() && d.bytes().all(|c| c.is_ascii_digit()))
                }
                "encoding" => {
                    value.bytes().next().is_some_and(|c| c.is_ascii_alphabetic())
                        && value.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'))
                }
                _ => value == "yes" || value == "no",
            };
            if !good {
                return Err(self.malformed(format!("the XML declaration's {name} is not valid")));
            }
            self.pos = close + 1;
        }
        if first {
            return Err(self.malformed("an XML declaration without a version"));
        }
        Ok(())
    }

    // ---- tags ----------------------------------------------------------------------------------

    /// Add a node as the last child of the innermost open element (or of the document).
    fn push(&mut self, start: usize, kind: Kind<'i>) -> Result<(), SamlError> {
        let id = self.doc.nodes.len() as u32;
        if id > self.limits.max_nodes {
            return Err(limit(format!("the XML has more than {} nodes", self.limits.max_nodes)));
        }
        let (parent, last) = match self.open.last_mut() {
            Some(open) => (open.node, &mut open.last_child),
            None => (0, &mut self.root_last_child),
        };
        if *last == NONE {
            self.doc.nodes[parent as usize].first_child = id;
        } else {
            self.doc.nodes[*last as usize].next_sibling = id;
        }
        *last = id;
        self.doc.nodes.push(NodeData {
            parent,
            first_child: NONE,
            next_sibling: NONE,
            start: start as u32,
            end: self.pos as u32,
            kind,
        });
        Ok(())
    }

    fn start_tag(&mut self) -> Result<(), SamlError> {
        if self.open.is_empty() && self.root_seen {
            return Err(self.malformed("a second root element"));
        }
        self.flush_text()?;
        let start = self.pos;
        self.pos += 1;
        let (name_end, colon) = self.name("an element", true)?;
        let qname = &self.s[self.pos..name_end];
        self.pos = name_end;
        let undo = self.undo.len();
        let declarations = self.doc.declarations.len() as u32;
        let attributes = self.doc.attributes.len();
        let mut counts = AttributeCounts::default();
        let empty = loop {
            let spaced = self.skip_space();
            match self.b.get(self.pos) {
                None => return Err(self.malformed("an unclosed start tag")),
                Some(b'>') => {
                    self.pos += 1;
                    break false;
                }
                Some(b'/') => {
                    if self.b.get(self.pos + 1) != Some(&b'>') {
                        return Err(self.malformed("a '/' in a start tag not followed by '>'"));
                    }
                    self.pos += 2;
                    break true;
                }
                Some(_) if !spaced => return Err(self.malformed("attributes must be separated by white space")),
                Some(_) => {}
            }
            self.attribute(declarations as usize, &mut counts)?;
        };
        if self.open.len() >= self.limits.max_depth {
            return Err(limit(format!("the XML nests deeper than {} elements", self.limits.max_depth)));
        }
        let namespace = self.resolve(qname, colon, true)?;
        self.resolve_attributes(attributes)?;
        let kind = Kind::Element {
            name: Name { qname, colon, namespace },
            attributes: (attributes as u32, self.doc.attributes.len() as u32),
            declarations: (declarations, self.doc.declarations.len() as u32),
        };
        self.push(start, kind)?;
        self.root_seen = true;
        let node = self.doc.nodes.len() as u32 - 1;
        if empty {
            self.restore(undo);
        } else {
            self.open.push(Open { node, qname, undo, last_child: NONE });
        }
        Ok(())
    }

    /// One attribute of a start tag, at `self.pos`: a namespace declaration is declared at
    /// once; any other attribute is counted against the limits and recorded, to be resolved
    /// when the tag ends (a declaration may follow the attribute that uses it).
    #[inline]
    fn attribute(&mut self, declarations: usize, counts: &mut AttributeCounts) -> Result<(), SamlError> {
        let (attr_end, attr_colon) = self.name("an attribute", true)?;
        let attr = &self.s[self.pos..attr_end];
        self.pos = attr_end;
        self.skip_space();
        if self.b.get(self.pos) != Some(&b'=') {
            return Err(self.malformed("an attribute without '='"));
        }
        self.pos += 1;
        self.skip_space();
        let value_start = self.pos + 1;
        let value = self.attribute_value()?;
        let declared = if attr == "xmlns" {
            Some("")
        } else if attr_colon == 5 && attr.starts_with("xmlns") {
            Some(&attr[6..])
        } else {
            None
        };
        if let Some(prefix) = declared {
            let raw_len = self.pos - 1 - value_start;
            return self.declare(prefix, value, raw_len, declarations);
        }
        if attr_colon != 0 && &attr[usize::from(attr_colon) + 1..] == "xmlns" {
            // `p:xmlns` is namespace-well-formed, but roxmltree reads `xml:xmlns` as a
            // default namespace declaration (found by the xml_parse fuzz target): a name
            // that parsers disagree on is refused rather than read one way.
            return Err(self.malformed(format!("an attribute named {attr:?}")));
        }
        counts.all += 1;
        if counts.all > self.limits.max_attributes {
            return Err(limit(format!("an element has more than {} attributes", self.limits.max_attributes)));
        }
        if attr_colon != 0 {
            counts.namespaced += 1;
            if counts.namespaced > self.limits.max_namespaced_attributes {
                return Err(limit(format!(
                    "an element has more than {} namespace-qualified attributes",
                    self.limits.max_namespaced_attributes
                )));
            }
        }
        let name = Name { qname: attr, colon: attr_colon, namespace: NO_NAMESPACE };
        self.doc.attributes.push(AttributeData { name, value });
        Ok(())
    }

    /// A quoted attribute value at `self.pos`, normalised (§3.3.3: references expanded, each
    /// literal TAB, LF, CR or CRLF a space); `self.pos` moves past the closing quote.
    fn attribute_value(&mut self) -> Result<Cow<'i, str>, SamlError> {
        let b = self.b;
        let quote = match b.get(self.pos) {
            Some(&q @ (b'"' | b'\'')) => q,
            _ => return Err(self.malformed("an attribute value without quotes")),
        };
        self.pos += 1;
        let start = self.pos;
        // The common case, at vector speed: a value with nothing to expand or normalise.
        let rest = &b[start..];
        if let Some(end) = memchr::memchr3(quote, b'<', b'&', rest)
            && rest[end] == quote
            && plain(&rest[..end], false)
        {
            self.pos += end + 1;
            return Ok(Cow::Borrowed(&self.s[start..start + end]));
        }
        let mut owned: Option<String> = None;
        let mut copied = start;
        loop {
            while self.pos < b.len() && CLASS[b[self.pos] as usize] & VALUE == 0 {
                self.pos += 1;
            }
            let Some(&byte) = b.get(self.pos) else {
                return Err(malformed_at("an unclosed attribute value", start));
            };
            match byte {
                _ if byte == quote => break,
                b'"' | b'\'' => self.pos += 1,
                b'<' => return Err(self.malformed("a '<' in an attribute value")),
                b'&' => {
                    owned.get_or_insert_with(String::new).push_str(&self.s[copied..self.pos]);
                    let c = self.reference()?;
                    owned.get_or_insert_with(String::new).push(c);
                    copied = self.pos;
                }
                b'\t' | b'\n' | b'\r' => {
                    let out = owned.get_or_insert_with(String::new);
                    out.push_str(&self.s[copied..self.pos]);
                    out.push(' ');
                    let crlf = byte == b'\r' && b.get(self.pos + 1) == Some(&b'\n');
                    self.pos += if crlf { 2 } else { 1 };
                    copied = self.pos;
                }
                _ => self.odd_byte()?,
            }
        }
        let value = match owned {
            Some(mut out) => {
                out.push_str(&self.s[copied..self.pos]);
                Cow::Owned(out)
            }
            None => Cow::Borrowed(&self.s[start..self.pos]),
        };
        self.pos += 1;
        Ok(value)
    }

    /// The index of a namespace name, adding it on first sight.
    fn intern(&mut self, uri: Cow<'i, str>) -> u32 {
        if uri.is_empty() {
            return 0;
        }
        // The same URI declared again and again (exclusive c14n output, Okta's xs and xsi on
        // every AttributeValue) is usually the one declared last: one comparison, no hashing.
        if let Some(&(_, last)) = self.doc.declarations.last()
            && self.doc.namespaces[last as usize] == uri
        {
            return last;
        }
        if let Some(&index) = self.interned.get(uri.as_ref()) {
            return index;
        }
        let index = self.doc.namespaces.len() as u32;
        self.doc.namespaces.push(uri.clone());
        self.interned.insert(uri, index);
        index
    }

    /// `xmlns:prefix="uri"` (prefix "" for `xmlns`) on the start tag whose declarations begin
    /// at `first`: checked (Namespaces in XML 1.0 §3), counted against the limits, and put in
    /// scope.
    fn declare(&mut self, prefix: &'i str, uri: Cow<'i, str>, raw_len: usize, first: usize) -> Result<(), SamlError> {
        if raw_len > self.limits.max_namespace_uri_bytes {
            return Err(limit(format!("a namespace URI is longer than {} bytes", self.limits.max_namespace_uri_bytes)));
        }
        let is_xml = uri == XML_NAMESPACE;
        if prefix == "xmlns" || uri == XMLNS_NAMESPACE || (prefix == "xml") != is_xml {
            return Err(self.malformed(format!("the reserved binding of {prefix:?} to {uri:?}")));
        }
        if !prefix.is_empty() && uri.is_empty() {
            return Err(self.malformed(format!("the prefix {prefix:?} is bound to the empty namespace name")));
        }
        if self.doc.declarations[first..].iter().any(|(p, _)| same(p, prefix)) {
            return Err(self.malformed(format!("the prefix {prefix:?} is declared twice on one element")));
        }
        if prefix == "xml" {
            // Binding xml to its own namespace is allowed and changes nothing.
            return Ok(());
        }
        let namespace = self.intern(uri);
        self.doc.declarations.push((prefix, namespace));
        if self.bindings.insert((prefix, namespace)) && self.bindings.len() > self.limits.max_namespace_declarations {
            return Err(limit(format!(
                "the XML binds more than {} distinct namespace prefixes and URIs",
                self.limits.max_namespace_declarations
            )));
        }
        match self.scope.iter().position(|(p, _)| same(p, prefix)) {
            Some(i) => {
                self.undo.push((prefix, Some(self.scope[i].1)));
                self.scope[i].1 = namespace;
            }
            None => {
                self.undo.push((prefix, None));
                self.scope.push((prefix, namespace));
                if self.scope.len() > self.limits.max_namespaces_in_scope {
                    return Err(limit(format!(
                        "an element has more than {} namespaces in scope",
                        self.limits.max_namespaces_in_scope
                    )));
                }
            }
        }
        Ok(())
    }

    /// Take back the scope changes logged since `mark`.
    fn restore(&mut self, mark: usize) {
        while self.undo.len() > mark {
            let Some((prefix, previous)) = self.undo.pop() else { break };
            if let Some(i) = self.scope.iter().position(|(p, _)| same(p, prefix)) {
                match previous {
                    Some(namespace) => self.scope[i].1 = namespace,
                    None => {
                        self.scope.swap_remove(i);
                    }
                }
            }
        }
    }

    /// The namespace index of a QName's prefix: the default namespace for an unprefixed
    /// element, none for an unprefixed attribute.
    fn resolve(&mut self, qname: &str, colon: u16, element: bool) -> Result<u32, SamlError> {
        let prefix = &qname[..usize::from(colon)];
        if colon == 0 && !element {
            return Ok(NO_NAMESPACE);
        }
        if prefix == "xml" {
            let index = match self.xml_namespace {
                Some(index) => index,
                None => self.intern(Cow::Borrowed(XML_NAMESPACE)),
            };
            self.xml_namespace = Some(index);
            return Ok(index);
        }
        if prefix == "xmlns" {
            return Err(self.malformed(format!("<{qname}> uses the reserved prefix xmlns")));
        }
        match self.scope.iter().find(|(p, _)| same(p, prefix)) {
            Some(&(_, 0)) | None if colon == 0 => Ok(NO_NAMESPACE),
            Some(&(_, namespace)) => Ok(namespace),
            None => Err(self.malformed(format!("the prefix of {qname:?} is not bound to a namespace"))),
        }
    }

    /// Resolve the prefixes of the attributes from `first` on, and refuse two with one
    /// expanded name (two with one QName are two with one expanded name: a prefix means one
    /// thing throughout a start tag). At most `max_attributes` of them, so the pairs are few;
    /// each pair costs one integer comparison of name hashes, and the names themselves are
    /// compared only when the hashes match.
    fn resolve_attributes(&mut self, first: usize) -> Result<(), SamlError> {
        self.hashes.clear();
        // One bit per hash value mod 64: a name whose bit is unset cannot repeat one seen
        // before, so the pairs are only searched on a bit collision.
        let mut seen = 0u64;
        for i in first..self.doc.attributes.len() {
            let name = self.doc.attributes[i].name;
            let namespace = if name.colon == 0 { NO_NAMESPACE } else { self.resolve(name.qname, name.colon, false)? };
            self.doc.attributes[i].name.namespace = namespace;
            let local = name.local();
            let hash = FxBuildHasher.hash_one((namespace, local));
            let bit = 1u64 << (hash & 63);
            if seen & bit != 0 {
                let attributes = &self.doc.attributes;
                let duplicate = self.hashes.iter().enumerate().any(|(j, &other)| {
                    other == hash && {
                        let other = &attributes[first + j].name;
                        other.namespace == namespace && other.local() == local
                    }
                });
                if duplicate {
                    return Err(self.malformed(format!("the attribute {:?} appears twice on one element", name.qname)));
                }
            }
            seen |= bit;
            self.hashes.push(hash);
        }
        Ok(())
    }

    fn end_tag(&mut self) -> Result<(), SamlError> {
        self.flush_text()?;
        self.pos += 2;
        let (name_end, _) = self.name("an end tag", true)?;
        let qname = &self.s[self.pos..name_end];
        self.pos = name_end;
        self.skip_space();
        if self.b.get(self.pos) != Some(&b'>') {
            return Err(self.malformed("an unclosed end tag"));
        }
        self.pos += 1;
        let open = self.open.pop().ok_or_else(|| self.malformed("an end tag that closes nothing"))?;
        if open.qname != qname {
            return Err(self.malformed(format!("the end tag </{qname}> does not match <{}>", open.qname)));
        }
        self.doc.nodes[open.node as usize].end = self.pos as u32;
        self.restore(open.undo);
        Ok(())
    }
}

/// The character a `&#…;` reference names, if XML allows it.
fn char_reference(digits: &[u8], radix: u32) -> Option<char> {
    if digits.is_empty() {
        return None;
    }
    let mut value: u32 = 0;
    for &d in digits {
        value = value.checked_mul(radix)?.checked_add(char::from(d).to_digit(radix)?)?;
        if value > 0x10FFFF {
            return None;
        }
    }
    is_xml_char(value).then(|| char::from_u32(value)).flatten()
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::saml::xml::tree::NodeType;

    fn code(text: &str) -> Option<&'static str> {
        parse(text, &XmlLimits::default()).err().map(|e| e.code().as_str())
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
            let _ = parse(&text[..cut], &XmlLimits::default());
        }
    }

    fn parsed(text: &str) -> Document<'_> {
        parse(text, &XmlLimits::default()).unwrap_or_else(|e| panic!("{text:?}: {e}"))
    }

    #[test]
    fn namespace_well_formedness() {
        for text in [
            "<a x='1' x='2'/>",
            "<a xmlns:p='urn:u' xmlns:q='urn:u' p:x='1' q:x='2'/>",
            "<a xmlns:p='urn:u' xmlns:p='urn:v'/>",
            "<p:a/>",
            "<a p:x='1'/>",
            "<xmlns:a/>",
            "<a xmlns:xmlns='urn:u'/>",
            "<a xmlns:xml='urn:u'/>",
            "<a xmlns:p='http://www.w3.org/XML/1998/namespace'/>",
            "<a xmlns='http://www.w3.org/XML/1998/namespace'/>",
            "<a xmlns:p='http://www.w3.org/2000/xmlns/'/>",
            "<a xmlns:p=''/>",
            "<a:b:c xmlns:a='urn:a'/>",
            "<:a/>",
            "<a: xmlns:a='urn:a'/>",
            "<p:a xmlns:p='urn:p'></q:a>",
            "<a><b xml:xmlns='urn:u'/></a>",
            "<a xmlns:p='urn:p' p:xmlns='urn:u'/>",
        ] {
            assert_eq!(code(text), Some("xml_malformed"), "{text}");
        }
        let doc =
            parsed("<a xmlns:p='urn:u' xmlns:xml='http://www.w3.org/XML/1998/namespace' p:x='1' x='2' xml:lang='en'/>");
        let a = doc.root_element();
        assert_eq!(a.attribute(("urn:u", "x")), Some("1"));
        assert_eq!(a.attribute("x"), Some("2"));
        assert_eq!(a.attribute((XML_NAMESPACE, "lang")), Some("en"));
        assert_eq!(a.declarations().collect::<Vec<_>>(), [("p", "urn:u")]);
        // A default undeclared below a declared one: the inner element is in no namespace.
        let doc = parsed("<a xmlns='urn:d'><b xmlns=''><c/></b></a>");
        let names: Vec<_> = doc.descendants().filter(|n| n.is_element()).map(|n| n.tag_name().namespace()).collect();
        assert_eq!(names, [Some("urn:d"), None, None]);
        // Rebinding a prefix is scoped to the element that does it.
        let doc = parsed("<p:a xmlns:p='urn:1'><p:b xmlns:p='urn:2'/><p:c/></p:a>");
        let names: Vec<_> = doc.descendants().filter(|n| n.is_element()).map(|n| n.tag_name().namespace()).collect();
        assert_eq!(names, [Some("urn:1"), Some("urn:2"), Some("urn:1")]);
    }

    #[test]
    fn references_and_characters() {
        let doc = parsed("<a b='&lt;&#65;&#x42;&amp;'>&lt;&gt;&amp;&apos;&quot;&#x1F600;</a>");
        assert_eq!(doc.root_element().attribute("b"), Some("<AB&"));
        assert_eq!(doc.root_element().text(), Some("<>&'\"\u{1F600}"));
        for text in [
            "<a>&#0;</a>",
            "<a>&#x110000;</a>",
            "<a>&#xD800;</a>",
            "<a>&#xFFFE;</a>",
            "<a>&#;</a>",
            "<a>&#x;</a>",
            "<a>&#12a;</a>",
            "<a>&nbsp;</a>",
            "<a>&amp</a>",
            "<a>]]></a>",
            "<a>\u{1}</a>",
            "<a>\u{FFFE}</a>",
            "<a b='\u{FFFF}'/>",
            "<a b='<'/>",
            "<a><!-- a -- b --></a>",
            "<a><!-- a ---></a>",
            "<a>x</a>y",
            "<a><![CDATA[\u{1}]]></a>",
        ] {
            assert_eq!(code(text), Some("xml_malformed"), "{text:?}");
        }
        assert_eq!(code("<a>]]</a>"), None);
    }

    #[test]
    fn normalisation_of_values_and_text() {
        let doc = parsed("<a b='x\ty\nz\r\nw&#10;v'>1\r\n2\r3<![CDATA[4\r\n<5>]]>6<!--c-->7</a>");
        let a = doc.root_element();
        assert_eq!(a.attribute("b"), Some("x y z w\nv"));
        let texts: Vec<_> = a.children().filter(|n| n.is_text()).map(|n| n.text().unwrap()).collect();
        assert_eq!(texts, ["1\n2\n34\n<5>6", "7"]);
        assert_eq!(a.children().filter(|n| n.is_comment()).count(), 1);
    }

    #[test]
    fn declarations_boms_and_processing_instructions() {
        for text in [
            "<?xml version='1.0'?><a/>",
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<a/>",
            "\u{FEFF}<?xml version='1.1'?><a/>",
            "\u{FEFF}<a/>",
            "<!-- c --><?pi data?><a/><!-- after -->\n",
        ] {
            assert_eq!(code(text), None, "{text:?}");
        }
        for text in [
            " <?xml version='1.0'?><a/>",
            "<?xml encoding='UTF-8'?><a/>",
            "<?xml version='2.0'?><a/>",
            "<?xml version='1.0' standalone='yes' encoding='UTF-8'?><a/>",
            "<?XML version='1.0'?><a/>",
            "<a><?xml-stylesheet?><?xml version='1.0'?></a>",
            "<?pi?>",
            "<?1pi?><a/>",
        ] {
            assert_eq!(code(text), Some("xml_malformed"), "{text:?}");
        }
        let doc = parsed("<a><?t  v  w?><?u?></a>");
        let pis: Vec<_> = doc.root_element().children().filter_map(|n| n.pi()).map(|p| (p.target, p.value)).collect();
        assert_eq!(pis.len(), 2);
        assert_eq!((pis[0].0, pis[0].1), ("t", Some("v  w")));
        assert_eq!((pis[1].0, pis[1].1), ("u", None));
    }

    #[test]
    fn names_tree_shape_and_ranges() {
        for text in ["<1a/>", "<-a/>", "<a\u{2}/>", "<a b\u{7f}='1'/>"] {
            assert_eq!(code(text), Some("xml_malformed"), "{text:?}");
        }
        let text = "<r>x<\u{e9}t\u{e9} \u{e9}='1'><b/>y</\u{e9}t\u{e9}><c/></r>";
        let doc = parsed(text);
        let r = doc.root_element();
        let kinds: Vec<_> = r.descendants().map(|n| (n.node_type(), n.tag_name().name())).collect();
        assert_eq!(
            kinds,
            [
                (NodeType::Element, "r"),
                (NodeType::Text, ""),
                (NodeType::Element, "\u{e9}t\u{e9}"),
                (NodeType::Element, "b"),
                (NodeType::Text, ""),
                (NodeType::Element, "c"),
            ]
        );
        let ete = r.children().nth(1).unwrap();
        assert_eq!(&text[ete.range()], "<\u{e9}t\u{e9} \u{e9}='1'><b/>y</\u{e9}t\u{e9}>");
        assert_eq!(ete.descendants().count(), 3);
        assert_eq!(ete.parent(), Some(r));
        assert_eq!(r.range(), 0..text.len());
        assert_eq!(doc.root().descendants().count(), 7);
    }
}
