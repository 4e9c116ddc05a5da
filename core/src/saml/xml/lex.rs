//! Byte-level pieces of XML markup shared by the pre-scan ([`super::scan`]) and
//! canonicalization ([`super::c14n`]), which both read start tags from the source text: white
//! space, names and `name="value"` attributes. Each reads forward only, so any caller stays
//! linear in the bytes it reads.

use std::ops::Range;

/// XML white space (space, tab, line feed, carriage return).
pub(crate) fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// `text` without leading and trailing XML white space: what xs:anyURI and entity IDs
/// collapse, and what IdPs leave around pretty-printed values.
pub(crate) fn trim(text: &str) -> &str {
    text.trim_matches(|c: char| c.is_ascii() && is_space(c as u8))
}

/// The position of the first byte at or after `from` that is not white space.
pub(crate) fn skip_space(bytes: &[u8], from: usize) -> usize {
    from + bytes.get(from..).map_or(0, |rest| rest.iter().take_while(|&&b| is_space(b)).count())
}

/// The end of the name starting at `from`: the first white space, `/`, `>` or `=`, or the end.
pub(crate) fn name_end(bytes: &[u8], from: usize) -> usize {
    bytes
        .get(from..)
        .and_then(|rest| rest.iter().position(|&b| is_space(b) || matches!(b, b'/' | b'>' | b'=')))
        .map_or(bytes.len().max(from), |p| p + from)
}

/// One `name = "value"` (or `'value'`) of a start tag.
pub(crate) struct Attribute {
    /// Where the name is.
    pub name: Range<usize>,
    /// Where the value is, between the quotes.
    pub value: Range<usize>,
}

/// The attribute starting at `at`, and the position after its closing quote; or what is wrong.
pub(crate) fn attribute(bytes: &[u8], at: usize) -> Result<(Attribute, usize), &'static str> {
    let name = at..name_end(bytes, at);
    if name.is_empty() {
        return Err("an attribute without a name");
    }
    let eq = skip_space(bytes, name.end);
    if bytes.get(eq) != Some(&b'=') {
        return Err("an attribute without '='");
    }
    let open = skip_space(bytes, eq + 1);
    let quote = match bytes.get(open) {
        Some(&q @ (b'"' | b'\'')) => q,
        _ => return Err("an attribute value without quotes"),
    };
    let close = memchr::memchr(quote, &bytes[open + 1..]).ok_or("an unclosed attribute value")? + open + 1;
    Ok((Attribute { name, value: open + 1..close }, close + 1))
}

/// The prefix an attribute name declares: `""` for `xmlns`, `p` for `xmlns:p`, else none.
pub(crate) fn declared_prefix(name: &[u8]) -> Option<&[u8]> {
    if name == b"xmlns" { Some(b"") } else { name.strip_prefix(b"xmlns:") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_read_with_either_quote_and_spaces_around_equals() {
        let tag = br#"a = "1>" b='2' c"#;
        let (a, next) = attribute(tag, 0).unwrap();
        assert_eq!((&tag[a.name], &tag[a.value]), (&b"a"[..], &b"1>"[..]));
        let (b, next) = attribute(tag, skip_space(tag, next)).unwrap();
        assert_eq!((&tag[b.name], &tag[b.value]), (&b"b"[..], &b"2"[..]));
        assert_eq!(attribute(tag, skip_space(tag, next)).err(), Some("an attribute without '='"));
        assert_eq!(attribute(b"a=1", 0).err(), Some("an attribute value without quotes"));
        assert_eq!(attribute(b"a='1", 0).err(), Some("an unclosed attribute value"));
        assert_eq!(attribute(b"=", 0).err(), Some("an attribute without a name"));
        assert_eq!(attribute(b"", 0).err(), Some("an attribute without a name"));
    }

    #[test]
    fn declarations_trimming_and_names() {
        assert_eq!(declared_prefix(b"xmlns"), Some(&b""[..]));
        assert_eq!(declared_prefix(b"xmlns:p"), Some(&b"p"[..]));
        assert_eq!(declared_prefix(b"xmlnsx"), None);
        assert_eq!(trim(" \t\r\nhttps://a/ \n"), "https://a/");
        assert_eq!(trim("\u{a0}x\u{a0}"), "\u{a0}x\u{a0}");
        assert_eq!(name_end(b"p:a b", 0), 3);
        assert_eq!(name_end(b"abc", 1), 3);
        assert_eq!(name_end(b"abc", 9), 9);
    }
}
