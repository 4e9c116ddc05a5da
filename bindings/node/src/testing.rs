//! Test-only: a panic inside each kind of boundary the addon has (a synchronous call, work on
//! the thread pool, its conversion back on the JS thread, a request driven on the JS thread),
//! so the tests can check that it reaches JS as `internal_error` and prints nothing. Compiled
//! into debug builds only (the test build, `make test-node`); undocumented and absent from
//! `index.d.ts`.

use std::sync::Arc;

use napi::bindgen_prelude::*;
use napi::{Env, JsValue, Unknown};
use napi_derive::napi;

use crate::handler::Handler;
use crate::{drive, error, offload};

/// Panic inside the boundary named by `kind`: `sync` throws; `pool`, `resolve` and (with a
/// handler) `driven` return a Promise that rejects.
#[napi(js_name = "__ssoScimPanicForTests", skip_typescript, catch_unwind)]
pub fn panic_for_tests<'e>(env: &'e Env, kind: String, handler: Option<&Handler>) -> Result<Unknown<'e>> {
    match kind.as_str() {
        "sync" => error::guard(env, || -> Result<Unknown<'e>> { panic!("test panic in a synchronous call") }),
        "pool" => offload::promise(env, || -> u8 { panic!("test panic on the thread pool") }, crate::convert::unknown)
            .map(|p| p.to_unknown()),
        "resolve" => offload::promise(
            env,
            || 1u8,
            |_, _| -> Result<Unknown<'e>> { panic!("test panic converting a result on the JS thread") },
        )
        .map(|p| p.to_unknown()),
        "driven" => {
            let Some(handler) = handler else { return Err(error::argument(env, "driven needs a handler")) };
            let store = Arc::clone(handler.store());
            let future = async {
                if std::hint::black_box(true) {
                    panic!("test panic in a driven request");
                }
            };
            drive::drive(env, &store, future, |env, ()| crate::convert::unknown(env, ())).map(|p| p.to_unknown())
        }
        _ => Err(error::argument(env, "kind is sync, pool, resolve or driven")),
    }
}
