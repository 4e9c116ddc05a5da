//! Text for the operator's terminal.
//!
//! User names, display names, workspace names, IdP entity IDs and certificate subjects come
//! from tenants and their identity providers. Printed raw, an ESC starts a control sequence
//! (rewrite the screen, set the window title, on some terminals write files or paste text);
//! CR and LF forge lines; C1 controls (U+0080–U+009F, which some terminals obey even encoded
//! in UTF-8) do what ESC does; and bidirectional overrides or zero-width characters make a
//! value read as another one. So everything printed from stored or tenant-controlled data goes
//! through one of these functions:
//!
//! - [`escape`] for a value shown on its own or in a table cell: every such character becomes
//!   a visible escape (`\e`, `\n`, `\u{202e}`), and a backslash becomes `\\`, so the output
//!   reads back unambiguously;
//! - [`json`] and [`xml`] for a serialized document: the characters become the format's own
//!   escapes (`\u202e`, `&#x202e;`), so the document still means exactly the same and can be
//!   saved and used as is.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Unicode format characters (general category Cf, Unicode 16): invisible, and the bidi ones
/// among them (U+061C, U+200E/F, U+202A–U+202E, U+2066–U+2069) reorder what follows.
const FORMAT: &[(char, char)] = &[
    ('\u{00AD}', '\u{00AD}'),
    ('\u{0600}', '\u{0605}'),
    ('\u{061C}', '\u{061C}'),
    ('\u{06DD}', '\u{06DD}'),
    ('\u{070F}', '\u{070F}'),
    ('\u{0890}', '\u{0891}'),
    ('\u{08E2}', '\u{08E2}'),
    ('\u{180E}', '\u{180E}'),
    ('\u{200B}', '\u{200F}'),
    // Line and paragraph separators (Zl, Zp): line breaks to some terminals and editors.
    ('\u{2028}', '\u{2029}'),
    ('\u{202A}', '\u{202E}'),
    ('\u{2060}', '\u{2064}'),
    ('\u{2066}', '\u{206F}'),
    ('\u{FEFF}', '\u{FEFF}'),
    ('\u{FFF9}', '\u{FFFB}'),
    ('\u{110BD}', '\u{110BD}'),
    ('\u{110CD}', '\u{110CD}'),
    ('\u{13430}', '\u{1343F}'),
    ('\u{1BCA0}', '\u{1BCA3}'),
    ('\u{1D173}', '\u{1D17A}'),
    ('\u{E0001}', '\u{E0001}'),
    ('\u{E0020}', '\u{E007F}'),
];

/// Whether `c` must not reach a terminal as is: a control character (C0, DEL, C1) or an
/// invisible format character.
pub fn is_unsafe(c: char) -> bool {
    c.is_control() || FORMAT.iter().any(|&(lo, hi)| (lo..=hi).contains(&c))
}

/// `value` with every control or format character (see [`is_unsafe`]) written as an escape —
/// `\0`, `\t`, `\n`, `\r`, `\e`, otherwise `\u{hex}` — and each backslash doubled, so that
/// distinct values always print differently. Borrowed when nothing needs escaping.
pub fn escape(value: &str) -> Cow<'_, str> {
    if !value.chars().any(|c| c == '\\' || is_unsafe(c)) {
        return Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len() + 8);
    for c in value.chars() {
        match c {
            '\\' => out.push_str(r"\\"),
            '\0' => out.push_str(r"\0"),
            '\t' => out.push_str(r"\t"),
            '\n' => out.push_str(r"\n"),
            '\r' => out.push_str(r"\r"),
            '\u{1b}' => out.push_str(r"\e"),
            c if is_unsafe(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Serialized JSON made safe for a terminal without changing its meaning: `serde_json`
/// already escapes C0 controls inside strings, but writes DEL, C1 and format characters raw;
/// each becomes a `\uXXXX` escape (a surrogate pair beyond U+FFFF). JSON's structure is ASCII,
/// so such a character can only sit inside a string, where the escape means the same
/// character. Line feeds and tabs stay: outside strings they are the pretty-printer's layout.
pub fn json(text: &str) -> Cow<'_, str> {
    replace_unsafe(text, |c, out| {
        let mut units = [0u16; 2];
        for unit in c.encode_utf16(&mut units) {
            let _ = write!(out, "\\u{unit:04x}");
        }
    })
}

/// Serialized XML made safe for a terminal without changing its meaning: each control or
/// format character becomes a character reference (`&#x202e;`). The core's XML writer turns
/// C0 controls into U+FFFD and CR into `&#13;` already, so this only meets DEL, C1 and format
/// characters in attribute values and text, where a reference means the same character. Tab
/// and line feed stay: the document's own layout uses them.
pub fn xml(text: &str) -> Cow<'_, str> {
    replace_unsafe(text, |c, out| {
        let _ = write!(out, "&#x{:x};", c as u32);
    })
}

/// `text` with each unsafe character but tab and line feed written by `escape`; borrowed when
/// there is none. Tab and line feed are kept because, in a serialized document, they are its
/// layout: a value's own tabs and line feeds are escaped by the serializer (JSON) or harmless
/// (they cannot move the cursor anywhere a line break would not).
fn replace_unsafe(text: &str, escape: impl Fn(char, &mut String)) -> Cow<'_, str> {
    let unsafe_here = |c: char| c != '\n' && c != '\t' && is_unsafe(c);
    if !text.chars().any(unsafe_here) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_here(c) {
            escape(c, &mut out);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// No byte a terminal could act on: nothing below 0x20, no DEL, no UTF-8-encoded C1.
    fn inert(s: &str) -> bool {
        s.bytes().all(|b| (0x20..0x7f).contains(&b) || b >= 0x80) && !s.chars().any(is_unsafe)
    }

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        for s in ["", "alice@contoso.com", "Zoë Ødegård", "山田 太郎", "😀 ok", "a b"] {
            assert!(matches!(escape(s), Cow::Borrowed(_)), "{s:?}");
            assert!(matches!(json(s), Cow::Borrowed(_)), "{s:?}");
            assert!(matches!(xml(s), Cow::Borrowed(_)), "{s:?}");
        }
    }

    #[test]
    fn controls_get_short_or_hex_escapes() {
        assert_eq!(escape("a\u{1b}[2Jb"), r"a\e[2Jb");
        assert_eq!(escape("x\ny\rz\tw\0v"), r"x\ny\rz\tw\0v");
        assert_eq!(escape("bell\u{7}"), r"bell\u{7}");
        assert_eq!(escape("del\u{7f}"), r"del\u{7f}");
        assert_eq!(escape("csi\u{9b}31m"), r"csi\u{9b}31m");
        assert_eq!(escape("\u{80}\u{9f}"), r"\u{80}\u{9f}");
    }

    #[test]
    fn bidi_and_invisible_format_characters_are_shown() {
        assert_eq!(escape("admin\u{202e}gpj.exe"), r"admin\u{202e}gpj.exe");
        assert_eq!(escape("\u{2066}x\u{2069}"), r"\u{2066}x\u{2069}");
        assert_eq!(escape("al\u{200b}ice"), r"al\u{200b}ice");
        assert_eq!(escape("\u{feff}bom"), r"\u{feff}bom");
        assert_eq!(escape("line\u{2028}sep"), r"line\u{2028}sep");
        assert_eq!(escape("tag\u{e0041}"), r"tag\u{e0041}");
        for c in ['\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}', '\u{202e}', '\u{2066}', '\u{2067}', '\u{2068}'] {
            assert!(is_unsafe(c), "{c:?}");
        }
        assert!(!is_unsafe('é') && !is_unsafe(' ') && !is_unsafe('\u{a0}') && !is_unsafe('\u{fe0f}'));
    }

    #[test]
    fn escapes_are_unambiguous() {
        // A literal backslash-e and an ESC must print differently.
        assert_eq!(escape(r"a\eb"), r"a\\eb");
        assert_ne!(escape(r"a\eb"), escape("a\u{1b}b"));
        assert_eq!(escape(r"C:\dir"), r"C:\\dir");
        let every: String = (0u32..0x300).chain(0x2000..0x2100).filter_map(char::from_u32).collect();
        assert!(inert(&escape(&every)));
    }

    #[test]
    fn json_keeps_its_meaning() {
        let value = serde_json::json!({"userName": "a\u{1b}b\u{7f}c\u{9b}d\u{202e}e\u{e0041}\\", "n": 1});
        let raw = serde_json::to_string_pretty(&value).unwrap();
        assert!(!inert(&raw), "serde_json leaves some through: {raw:?}");
        let safe = json(&raw);
        assert!(inert(&safe.replace('\n', "")), "{safe}");
        assert!(safe.contains(r"\u001b") && safe.contains(r"\u007f") && safe.contains(r"\u009b"), "{safe}");
        assert!(safe.contains(r"\u202e") && safe.contains(r"\udb40\udc41"), "{safe}");
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back, value);
    }

    #[test]
    fn xml_keeps_its_meaning_and_layout() {
        let doc = "<a x=\"u\u{202e}v\">\n\t<b>c\u{9b}d\u{7f}</b>\n</a>\n";
        assert_eq!(xml(doc), "<a x=\"u&#x202e;v\">\n\t<b>c&#x9b;d&#x7f;</b>\n</a>\n");
        assert!(matches!(xml("<a>\n\t</a>\n"), Cow::Borrowed(_)));
    }
}
