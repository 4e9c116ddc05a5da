//! Panics caught at a binding's boundary without a word on the host's stderr.
//!
//! A panic inside sso-scim is a bug of ours, caught where a binding's call ends and reported
//! to the host as its documented error (`internal_error`; C: `PANIC`). Rust's default panic
//! hook would still print the message and, with `RUST_BACKTRACE`, a backtrace into the host
//! process's stderr — output the host never asked for. [`catch_quietly`] installs, once, a hook
//! that stays silent for panics raised inside it on the current thread and hands every other
//! panic to the hook that was there before, so the host's own panics (and its own hook) are
//! untouched.

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;

thread_local! {
    /// How many [`catch_quietly`] calls are running on this thread (they may nest: a store
    /// callback can re-enter the binding).
    static QUIET: Cell<usize> = const { Cell::new(0) };
}

static HOOK: Once = Once::new();

fn install() {
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if QUIET.with(Cell::get) == 0 {
                previous(info);
            }
        }));
    });
}

/// Run `f`; a panic inside it becomes `Err` with [`panic_message`](super::panic_message)'s
/// words, and nothing is printed for it.
pub fn catch_quietly<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    install();
    QUIET.with(|q| q.set(q.get() + 1));
    let result = catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|q| q.set(q.get().saturating_sub(1)));
    result.map_err(|payload| super::panic_message(payload.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_inside_is_an_error_and_outside_reaches_the_previous_hook() {
        assert_eq!(catch_quietly(|| 7), Ok(7));
        let e = catch_quietly(|| -> u8 { panic!("boom {}", 1) }).unwrap_err();
        assert!(e.contains("boom 1") && e.contains("internal error"), "{e}");
        let nested = catch_quietly(|| catch_quietly(|| -> u8 { panic!("inner") }).is_err());
        assert_eq!(nested, Ok(true));
        assert_eq!(QUIET.with(Cell::get), 0, "the count is restored, even after nesting");
        // Outside: the ordinary behaviour (the panic still unwinds to whoever catches it).
        assert!(catch_unwind(|| panic!("outside")).is_err());
    }
}
