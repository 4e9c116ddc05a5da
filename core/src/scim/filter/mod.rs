//! The SCIM filter syntax (RFC 7644 §3.4.2.2) and PATCH paths (§3.5.2): the lexer and the
//! parser, which resolve attribute names against the schema while they read and produce the
//! typed [`query`](crate::query) AST.

mod lex;
mod parse;

pub use parse::{PatchPath, parse_filter, parse_filter_in, parse_patch_path, parse_patch_path_in};

/// Limits on filter text, checked before and during parsing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FilterLimits {
    /// Longest filter accepted, in bytes.
    pub max_len: usize,
    /// Deepest nesting accepted (parentheses, `not`, value paths and operator levels).
    pub max_depth: usize,
}

impl Default for FilterLimits {
    fn default() -> Self {
        FilterLimits { max_len: 4096, max_depth: 16 }
    }
}

/// Parsing options beyond the RFC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FilterOptions {
    /// Accept what real clients send outside the ABNF: unquoted string values
    /// (`userName sw O`, `meta.created gt 2015-10-10T14:38:21-07:00`) and `"true"`/`"false"`
    /// strings compared with booleans.
    pub lenient: bool,
}

#[cfg(test)]
mod tests;
