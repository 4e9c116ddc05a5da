//! PATCH (RFC 7644 §3.5.2): parsing a PatchOp message and applying it, all or nothing, to a
//! copy of the stored document.

mod apply;
mod request;

pub(crate) use apply::{Working, apply};
pub(crate) use request::parse_patch;

#[cfg(test)]
mod tests;
