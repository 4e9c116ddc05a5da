//! FNV-1a, the hasher of the XML pre-scan's and c14n's small prefix maps.
//!
//! Those maps hold a few short prefixes and are consulted once per element or declaration, so
//! SipHash's setup cost dominated them. Flooding is no concern: the limits bound how many
//! distinct keys they can ever hold (`XmlLimits::max_namespace_declarations`), so even all
//! keys colliding costs a bounded walk.

use std::hash::{BuildHasherDefault, Hasher};

/// A 64-bit FNV-1a hasher.
#[derive(Clone, Copy)]
pub(crate) struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// Builds [`Fnv`] hashers for `HashMap` and `HashSet`.
pub(crate) type FnvBuild = BuildHasherDefault<Fnv>;
