//! Byte-level pieces of XML shared by the parser ([`super::parser`]) and the SAML checks:
//! white space and trimming.

/// XML white space (space, tab, line feed, carriage return).
pub(crate) fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// `text` without leading and trailing XML white space: what xs:anyURI and entity IDs
/// collapse, and what IdPs leave around pretty-printed values.
pub(crate) fn trim(text: &str) -> &str {
    text.trim_matches(|c: char| c.is_ascii() && is_space(c as u8))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trimming() {
        assert_eq!(trim(" \t\r\nhttps://a/ \n"), "https://a/");
        assert_eq!(trim("\u{a0}x\u{a0}"), "\u{a0}x\u{a0}");
    }
}
