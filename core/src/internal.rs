//! Not part of the public interface: the parsers and tables the fuzz targets, benchmarks and
//! tests drive directly, below the entry points a host uses. Hidden from the documentation and
//! free to change in any release.

/// Strict JSON input (duplicate keys and excess depth refused while parsing).
pub mod json {
    pub use crate::json::{JsonError, depth, parse_strict};
}

/// The SCIM attribute tables and URNs.
pub mod schema {
    pub use crate::schema::*;
}

/// The SCIM filter and PATCH-path parser, producing [`crate::query`] types.
pub mod filter {
    pub use crate::scim::filter::{
        FilterLimits, FilterOptions, PatchPath, parse_filter, parse_filter_in, parse_patch_path, parse_patch_path_in,
    };
}

/// Our XML parser, its tree and exclusive canonicalization (the SAML verifier's input side).
pub mod xml {
    pub use crate::saml::xml::*;
}

/// xs:dateTime as SAML reads and writes it.
pub mod datetime {
    pub use crate::saml::datetime::{format_datetime, parse_datetime};
}
