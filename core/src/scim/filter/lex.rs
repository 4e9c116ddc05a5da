//! Tokens of the RFC 7644 §3.4.2.2 filter language (and of PATCH paths, which reuse it).

use crate::query::FilterError;

/// One token and the byte offset where it starts (for error messages).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Token<'a> {
    pub kind: Kind<'a>,
    pub at: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Kind<'a> {
    Open,
    Close,
    OpenBracket,
    CloseBracket,
    /// A JSON string literal, unescaped.
    Str(String),
    /// Anything else up to whitespace, a bracket, a parenthesis or a quote: attribute paths,
    /// operators, keywords, numbers, `true`/`false`/`null`, and (lenient mode) bare values.
    Word(&'a str),
}

pub(super) fn tokenize(text: &str) -> Result<Vec<Token<'_>>, FilterError> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let at = i;
        let kind = match bytes[i] {
            b' ' | b'\t' | b'\r' | b'\n' => {
                i += 1;
                continue;
            }
            b'(' => Kind::Open,
            b')' => Kind::Close,
            b'[' => Kind::OpenBracket,
            b']' => Kind::CloseBracket,
            b'"' => {
                let (s, end) = string_literal(text, i)?;
                i = end;
                out.push(Token { kind: Kind::Str(s), at });
                continue;
            }
            _ => {
                while i < bytes.len()
                    && !matches!(bytes[i], b' ' | b'\t' | b'\r' | b'\n' | b'(' | b')' | b'[' | b']' | b'"')
                {
                    i += 1;
                }
                out.push(Token { kind: Kind::Word(&text[at..i]), at });
                continue;
            }
        };
        i += 1;
        out.push(Token { kind, at });
    }
    Ok(out)
}

/// Read the JSON string starting at the quote at `start`; returns the value and the index
/// after the closing quote. serde_json does the unescaping so `\"`, `\\` and `\uXXXX`
/// (surrogate pairs included) mean exactly what they mean in JSON.
fn string_literal(text: &str, start: usize) -> Result<(String, usize), FilterError> {
    let bytes = text.as_bytes();
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => {
                let literal = &text[start..=i];
                return serde_json::from_str::<String>(literal)
                    .map(|s| (s, i + 1))
                    .map_err(|_| FilterError::syntax(start, "invalid escape in string"));
            }
            _ => i += 1,
        }
    }
    Err(FilterError::syntax(start, "unterminated string"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<Kind<'_>> {
        tokenize(text).unwrap().into_iter().map(|t| t.kind).collect()
    }

    #[test]
    fn splits_paths_operators_and_literals() {
        assert_eq!(
            kinds(r#"emails[type eq "work"].value eq "a\"b""#),
            vec![
                Kind::Word("emails"),
                Kind::OpenBracket,
                Kind::Word("type"),
                Kind::Word("eq"),
                Kind::Str("work".into()),
                Kind::CloseBracket,
                Kind::Word(".value"),
                Kind::Word("eq"),
                Kind::Str("a\"b".into()),
            ]
        );
        assert_eq!(
            kinds("not(x pr)"),
            vec![Kind::Word("not"), Kind::Open, Kind::Word("x"), Kind::Word("pr"), Kind::Close]
        );
        assert_eq!(kinds(r#""\u00e9\ud83d\ude00""#), vec![Kind::Str("é😀".into())]);
    }

    #[test]
    fn refuses_broken_strings() {
        for bad in [r#"a eq "abc"#, r#"a eq "\x""#, r#"a eq "\"#, r#"a eq "\ud800""#] {
            assert!(tokenize(bad).is_err(), "{bad}");
        }
    }
}
