//! User documents: normalising what clients send, rendering what they get back, and the
//! `attributes` / `excludedAttributes` projection.

mod normalize;
mod projection;
mod render;

pub(crate) use normalize::{Normalizer, key_of, settle_document, user_name_of};
pub(crate) use projection::Projection;
pub(crate) use render::{Rendered, location};
