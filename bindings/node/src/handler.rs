//! `Handler`: the host store (wrapped once) and the SCIM handler, plus the login decision over
//! the same store. SCIM requests and login decisions are driven on the JS thread
//! (`drive.rs`); the SAML validation of `signIn` runs on libuv's thread pool first
//! (`offload.rs`).

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, Weak};

use napi::bindgen_prelude::*;
use napi::{Env, JsValue, Unknown, ValueType};
use napi_derive::napi;
use serde_json::Value;
use sso_scim_core::ErrorCode;
use sso_scim_core::bridge::{self, BridgeError, ForeignDirectory, KeyCase, Relay};
use sso_scim_core::login::{self, LoginError};
use sso_scim_core::saml::Identity;
use sso_scim_core::scim::{ScimHandler, ScimRequest, ScimResponse};

use crate::convert::{self, Refused};
use crate::drive;
use crate::error;
use crate::offload;
use crate::saml::{SamlArgs, ServiceProvider};
use crate::store::JsStore;

/// The core handler: its store calls are relayed to the request driving them (`drive.rs`),
/// which calls the host's methods.
type Core = ScimHandler<ForeignDirectory<Relay>>;

thread_local! {
    /// The cores alive on this thread, by the JSON text of their settings: handlers built with
    /// the same settings share one. A core holds no state of its store (its store calls are
    /// relayed to the request driving them, which calls the handler's own store), and it is
    /// most of a handler's native memory (≈57 KiB: the settings and the discovery documents
    /// rendered once), so a handler per store costs ≈4 KiB past the first (measured over 10,000).
    static CORES: RefCell<HashMap<String, Weak<Core>>> = RefCell::new(HashMap::new());
}

/// A SCIM 2.0 service provider over the host's `Directory` object, and the login decision
/// over the same store.
#[napi]
pub struct Handler {
    core: Arc<Core>,
    store: Arc<JsStore>,
}

impl Handler {
    /// The host store (the test-only panic hook drives a request over it).
    #[cfg(all(debug_assertions, not(test)))]
    pub(crate) fn store(&self) -> &Arc<JsStore> {
        &self.store
    }
}

#[napi]
impl Handler {
    /// Wrap `store` (its methods read and bound once) with SCIM settings (`null`/absent: the
    /// defaults). Throws `invalid_store` when a required method is missing and
    /// `invalid_settings` for settings that cannot work.
    #[napi(constructor, catch_unwind, ts_args_type = "store: Directory, config?: ScimConfig | null")]
    pub fn new(env: Env, store: Unknown, config: Option<Unknown>) -> Result<Self> {
        error::guard(&env, || {
            let config = match config {
                Some(c) => convert::to_json(&env, c)
                    .map_err(|r| r.within("config").into_error(&env, ErrorCode::InvalidSettings))?,
                None => Value::Null,
            };
            let key = config.to_string();
            let shared = CORES.with(|cores| cores.borrow().get(&key).and_then(Weak::upgrade));
            let core = match shared {
                Some(core) => core,
                None => {
                    let scim = bridge::json::scim_config(KeyCase::Camel, config.clone()).map_err(|first| {
                        let check = |v: &Value| bridge::json::scim_config(KeyCase::Camel, v.clone()).map(drop);
                        error::bridge(&env, &crate::settings::explain(&config, first, check))
                    })?;
                    let core = ScimHandler::new(ForeignDirectory::new(Relay, KeyCase::Camel), scim)
                        .map_err(|e| error::bridge(&env, &BridgeError::from(e)))?;
                    let core = Arc::new(core);
                    CORES.with(|cores| {
                        let mut cores = cores.borrow_mut();
                        cores.retain(|_, core| core.strong_count() > 0);
                        cores.insert(key, Arc::downgrade(&core));
                    });
                    core
                }
            };
            let store = JsStore::new(&env, store).map_err(|r| r.into_error(&env, ErrorCode::InvalidStore))?;
            Ok(Handler { core, store: Arc::new(store) })
        })
    }

    /// Answer one SCIM request (path below the SCIM base). Resolves with the response for every
    /// protocol outcome, errors included (`errorCode` names them); rejects only when the store
    /// failed (`store_failed`, with the store's own error as `cause`) or broke its contract
    /// (`store_contract_violated`), or for a request of the wrong shape (`invalid_argument`).
    #[napi(catch_unwind, ts_args_type = "request: ScimRequest", ts_return_type = "Promise<ScimResponse>")]
    pub fn handle<'e>(&self, env: &'e Env, request: Unknown) -> Result<PromiseRaw<'e, Unknown<'e>>> {
        error::guard_promise(env, || {
            let prepared = scim_request(env, request).map_err(|r| r.into_error(env, ErrorCode::InvalidArgument));
            error::promise(env, prepared, |request| {
                let core = Arc::clone(&self.core);
                drive::drive(env, &self.store, async move { core.handle(request).await }, js_response)
            })
        })
    }

    /// Validate a SAMLResponse with `serviceProvider` and decide whether it signs a user in to
    /// `workspaceId` (replay memory, user lookup, state). Resolves with the decision; rejects
    /// with the SAML code when the response is refused, and as `handle` on store failures.
    /// `options.requestId` is one request id (or `null`); a host with several requests pending
    /// calls `serviceProvider.validate` with all of them, then `decide`.
    #[napi(
        catch_unwind,
        ts_args_type = "workspaceId: string, serviceProvider: ServiceProvider, samlResponse: string | Uint8Array, options?: SignInOptions | null",
        ts_return_type = "Promise<LoginDecision>"
    )]
    pub fn sign_in<'e>(
        &self,
        env: &'e Env,
        workspace_id: Unknown,
        service_provider: &ServiceProvider,
        saml_response: Unknown,
        options: Option<Unknown>,
    ) -> Result<PromiseRaw<'e, Unknown<'e>>> {
        error::guard_promise(env, || {
            let prepared = convert::string("workspaceId", workspace_id)
                .map_err(|e| error::bridge(env, &e))
                .and_then(|ws| Ok((ws, SamlArgs::read(env, Some(saml_response), options, false)?)));
            // `login::sign_in` is exactly these two steps: the validation (≈150 µs of CPU) on the
            // thread pool, then the decision driven here, its store calls made on this thread.
            error::promise(env, prepared, |(workspace_id, args)| {
                let (core, store) = (Arc::clone(&self.core), Arc::clone(&self.store));
                let sp = service_provider.core();
                let validating = Arc::clone(&sp);
                offload::promise(
                    env,
                    move || args.validate(&validating),
                    move |env, validated| match validated {
                        Ok(identity) => {
                            let deciding =
                                async move { login::decide(core.directory(), &workspace_id, &sp, &identity).await };
                            drive::drive(env, &store, deciding, js_decision).map(|p| p.to_unknown())
                        }
                        Err(e) => js_decision(env, Err(LoginError::Saml(e))),
                    },
                )
            })
        })
    }

    /// Decide for an identity `serviceProvider` already validated (its JSON form, as `validate`
    /// resolves with it).
    #[napi(
        catch_unwind,
        ts_args_type = "workspaceId: string, serviceProvider: ServiceProvider, identity: Identity",
        ts_return_type = "Promise<LoginDecision>"
    )]
    pub fn decide<'e>(
        &self,
        env: &'e Env,
        workspace_id: Unknown,
        service_provider: &ServiceProvider,
        identity: Unknown,
    ) -> Result<PromiseRaw<'e, Unknown<'e>>> {
        error::guard_promise(env, || {
            let prepared = (|| {
                let workspace_id = convert::string("workspaceId", workspace_id).map_err(|e| error::bridge(env, &e))?;
                let identity = convert::to_json(env, identity)
                    .map_err(|r| r.within("identity").into_error(env, ErrorCode::InvalidArgument))?;
                let identity: Identity = serde_json::from_value(KeyCase::Camel.from_host(identity))
                    .map_err(|e| error::argument(env, &format!("identity: {e}")))?;
                Ok((workspace_id, identity))
            })();
            error::promise(env, prepared, |(workspace_id, identity)| {
                let core = Arc::clone(&self.core);
                let sp = service_provider.core();
                let deciding = async move { login::decide(core.directory(), &workspace_id, &sp, &identity).await };
                drive::drive(env, &self.store, deciding, js_decision)
            })
        })
    }
}

fn scim_request(env: &Env, value: Unknown) -> std::result::Result<ScimRequest, Refused> {
    if value.get_type().ok() != Some(ValueType::Object) {
        return Err(Refused::new("the request is an object {method, path, query?, headers?, body?}"));
    }
    if convert::is_thenable(env, &value) {
        return Err(Refused::new(format!("the request is {}", convert::THENABLE)));
    }
    let object: Object = unsafe { value.cast() }.map_err(|e| Refused::new(e.reason.clone()))?;
    // Read with `convert::property`: a getter that throws is refused with what it threw as
    // `cause`, never left pending.
    let field = |name: &str| -> std::result::Result<Option<Unknown>, Refused> {
        let v = convert::property(env, &object, name).map_err(|r| r.within(&format!("request.{name}")))?;
        Ok(match v.get_type() {
            Ok(ValueType::Undefined) | Ok(ValueType::Null) => None,
            _ => Some(v),
        })
    };
    let text = |name: &str, required: bool| -> std::result::Result<String, Refused> {
        match field(name)? {
            None if required => Err(Refused::new(format!("request.{name} is required"))),
            None => Ok(String::new()),
            Some(v) if v.get_type().ok() == Some(ValueType::String) => {
                unsafe { v.cast::<String>() }.map_err(|e| Refused::new(e.reason.clone()))
            }
            Some(_) => Err(Refused::new(format!("request.{name} is a string"))),
        }
    };
    let bridge = |e: BridgeError| Refused::new(e.message().to_owned());
    let mut request = ScimRequest::new(&text("method", true)?, &text("path", true)?);
    request.query = text("query", false)?.trim_start_matches('?').to_owned();
    request.headers = convert::headers(env, field("headers")?)?;
    request.body = convert::bytes("request.body", field("body")?).map_err(bridge)?;
    Ok(request)
}

fn js_response<'e>(env: &'e Env, mut response: ScimResponse) -> Result<Unknown<'e>> {
    if let Some(store_error) = response.take_raised_store_error() {
        return Err(error::store(env, store_error));
    }
    // One name twice is one header with both values (RFC 9110 §5.3).
    let mut headers: Vec<(String, String)> = Vec::with_capacity(response.headers.len());
    for (name, value) in response.headers {
        match headers.iter_mut().find(|(n, _)| *n == name) {
            Some((_, existing)) => {
                existing.push_str(", ");
                existing.push_str(&value);
            }
            None => headers.push((name, value)),
        }
    }
    let mut header_object = Object::new(env)?;
    for (name, value) in &headers {
        header_object.set_named_property(name, value.as_str())?;
    }
    let mut object = Object::new(env)?;
    object.set_named_property("status", u32::from(response.status))?;
    object.set_named_property("headers", header_object)?;
    object.set_named_property("body", String::from_utf8_lossy(&response.body).as_ref())?;
    if let Some(e) = &response.error {
        object.set_named_property("errorCode", e.code().as_str())?;
        object.set_named_property("errorMessage", e.detail())?;
    }
    Ok(object.to_unknown())
}

fn js_decision<'e>(
    env: &'e Env,
    outcome: std::result::Result<login::LoginDecision, LoginError>,
) -> Result<Unknown<'e>> {
    match outcome {
        Ok(decision) => convert::from_json(env, &KeyCase::Camel.to_host(bridge::json::decision(&decision))),
        Err(LoginError::Saml(e)) => Err(error::bridge(env, &e)),
        Err(LoginError::Store(e)) => Err(error::store(env, e)),
    }
}
