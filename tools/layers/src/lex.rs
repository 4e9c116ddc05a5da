//! A Rust tokenizer just good enough to find paths: identifiers, `::` and punctuation, with
//! string and character literals and ordinary comments skipped (text in them is not code) and
//! doc comments kept as text (rustdoc resolves the links in them like code paths).

/// One token and the 1-based line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tok {
    /// What the token is.
    pub kind: Kind,
    /// The line it starts on.
    pub line: usize,
}

/// The kinds of token the scanner needs to tell apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// An identifier or keyword (raw identifiers without their `r#`), or a number.
    Ident(String),
    /// `::`.
    PathSep,
    /// Any other single punctuation character.
    Punct(char),
    /// The text of one line of a doc comment (`///`, `//!`, `/** */`, `/*! */`).
    Doc(String),
}

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c >= 0x80
}

fn is_ident_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
}

/// Split `src` into tokens. Malformed input (an unterminated string, say) ends the scan at
/// that point rather than failing: rustc reports such files, the check need not.
pub fn tokenize(src: &str) -> Vec<Tok> {
    let mut lx = Lexer { src, b: src.as_bytes(), i: 0, line: 1, out: Vec::new() };
    lx.run();
    lx.out
}

struct Lexer<'a> {
    src: &'a str,
    b: &'a [u8],
    i: usize,
    line: usize,
    out: Vec<Tok>,
}

impl Lexer<'_> {
    fn at(&self, k: usize) -> u8 {
        self.b.get(self.i + k).copied().unwrap_or(0)
    }

    fn push(&mut self, kind: Kind, line: usize) {
        self.out.push(Tok { kind, line });
    }

    /// Move to `end`, counting the newlines passed.
    fn advance_to(&mut self, end: usize) {
        let end = end.min(self.b.len());
        self.line += self.b[self.i..end].iter().filter(|&&c| c == b'\n').count();
        self.i = end;
    }

    fn run(&mut self) {
        while self.i < self.b.len() {
            let c = self.b[self.i];
            match c {
                b'/' if self.at(1) == b'/' => self.line_comment(),
                b'/' if self.at(1) == b'*' => self.block_comment(),
                b'"' => self.string(self.i + 1),
                b'\'' => self.quote(),
                b':' if self.at(1) == b':' => {
                    self.push(Kind::PathSep, self.line);
                    self.i += 2;
                }
                c if is_ident_start(c) || c.is_ascii_digit() => self.word(),
                b'\n' => {
                    self.line += 1;
                    self.i += 1;
                }
                c if c.is_ascii_whitespace() => self.i += 1,
                c => {
                    self.push(Kind::Punct(c as char), self.line);
                    self.i += 1;
                }
            }
        }
    }

    fn line_comment(&mut self) {
        let end = self.b[self.i..].iter().position(|&c| c == b'\n').map_or(self.b.len(), |p| self.i + p);
        let text = &self.src[self.i..end];
        if (text.starts_with("///") && !text.starts_with("////")) || text.starts_with("//!") {
            self.push(Kind::Doc(text[3..].to_owned()), self.line);
        }
        self.i = end;
    }

    fn block_comment(&mut self) {
        let (start, line) = (self.i, self.line);
        let mut depth = 0usize;
        let mut j = self.i;
        while j < self.b.len() {
            if self.b[j..].starts_with(b"/*") {
                depth += 1;
                j += 2;
            } else if self.b[j..].starts_with(b"*/") {
                depth -= 1;
                j += 2;
                if depth == 0 {
                    break;
                }
            } else {
                j += 1;
            }
        }
        let text = &self.src[start..j.min(self.b.len())];
        let doc = (text.starts_with("/**") && !text.starts_with("/***") && text != "/**/") || text.starts_with("/*!");
        if doc {
            for (k, part) in text.lines().enumerate() {
                self.push(Kind::Doc(part.to_owned()), line + k);
            }
        }
        self.advance_to(j);
    }

    /// A string body starting at `from` (just after the opening quote).
    fn string(&mut self, from: usize) {
        let mut j = from;
        while j < self.b.len() {
            match self.b[j] {
                b'\\' => j += 2,
                b'"' => {
                    j += 1;
                    break;
                }
                _ => j += 1,
            }
        }
        self.advance_to(j);
    }

    /// A raw string whose `#`s start at `from`.
    fn raw_string(&mut self, from: usize) {
        let hashes = self.b[from..].iter().take_while(|&&c| c == b'#').count();
        let mut close = vec![b'"'];
        close.extend(std::iter::repeat_n(b'#', hashes));
        let body = from + hashes + 1;
        let end = self.b.get(body..).and_then(|rest| rest.windows(close.len()).position(|w| w == close.as_slice()));
        self.advance_to(end.map_or(self.b.len(), |p| body + p + close.len()));
    }

    /// A character literal or a lifetime / label.
    fn quote(&mut self) {
        if self.at(1) == b'\\' {
            // `'\n'`, `'\''`, `'\u{e9}'`: the closing quote comes after the escaped character.
            let from = (self.i + 3).min(self.b.len());
            let end = self.b[from..].iter().position(|&c| c == b'\'').map_or(self.b.len(), |p| from + p + 1);
            self.advance_to(end);
            return;
        }
        let width = self.src[self.i + 1..].chars().next().map_or(1, char::len_utf8);
        if self.at(1 + width) == b'\'' {
            self.advance_to(self.i + 2 + width);
        } else {
            // A lifetime: the identifier after the quote is lexed on its own.
            self.i += 1;
        }
    }

    fn word(&mut self) {
        let start = self.i;
        let mut j = self.i;
        while j < self.b.len() && is_ident_char(self.b[j]) {
            j += 1;
        }
        let word = &self.src[start..j];
        let next = self.b.get(j).copied().unwrap_or(0);
        let after = self.b.get(j + 1).copied().unwrap_or(0);
        self.i = j;
        match (word, next) {
            ("b" | "c", b'"') => self.string(j + 1),
            ("r" | "br" | "cr", b'"') => self.raw_string(j),
            ("r" | "br" | "cr", b'#') if after == b'#' || after == b'"' => self.raw_string(j),
            ("r", b'#') if is_ident_start(after) => {
                let mut k = j + 1;
                while k < self.b.len() && is_ident_char(self.b[k]) {
                    k += 1;
                }
                self.push(Kind::Ident(self.src[j + 1..k].to_owned()), self.line);
                self.i = k;
            }
            ("b", b'\'') => {
                self.i = j;
                self.quote();
            }
            _ => self.push(Kind::Ident(word.to_owned()), self.line),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idents(src: &str) -> Vec<String> {
        tokenize(src)
            .into_iter()
            .filter_map(|t| match t.kind {
                Kind::Ident(s) => Some(s),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn literals_and_plain_comments_hide_their_text() {
        let src = r####"a "crate::x \" y" b r#"crate::z "quoted" "#c b"crate" d '"' e 'f' g '\'' h
            // crate::line
            /* crate::block /* nested */ still */ i br##"crate"## j c"k" l b'\'' m"####;
        assert_eq!(idents(src), ["a", "b", "c", "d", "e", "g", "h", "i", "j", "l", "m"]);
    }

    #[test]
    fn lifetimes_raw_identifiers_and_lines() {
        let toks = tokenize("fn f<'a>(x: &'a r#type)\n-> u8 { 'outer: loop {} }");
        let names: Vec<_> = toks
            .iter()
            .filter_map(|t| match &t.kind {
                Kind::Ident(s) => Some((s.as_str(), t.line)),
                _ => None,
            })
            .collect();
        assert_eq!(
            names,
            [("fn", 1), ("f", 1), ("a", 1), ("x", 1), ("a", 1), ("type", 1), ("u8", 2), ("outer", 2), ("loop", 2)]
        );
    }

    #[test]
    fn doc_comments_are_kept_with_their_lines() {
        let toks = tokenize("//! inner\n/// outer\n//// not doc\n/** block\n two */\n/*! bang */ x");
        let docs: Vec<_> = toks
            .iter()
            .filter_map(|t| match &t.kind {
                Kind::Doc(s) => Some((s.trim(), t.line)),
                _ => None,
            })
            .collect();
        assert_eq!(docs, [("inner", 1), ("outer", 2), ("/** block", 4), ("two */", 5), ("/*! bang */", 6)]);
    }
}
