//! `ServiceProvider` (one workspace's SAML settings, checked and parsed once), SP metadata and
//! IdP metadata import. SAML work is pure CPU work: the Promise-returning calls run it on
//! libuv's thread pool (`offload.rs`) so that even a 256 KiB response never holds the event
//! loop; `validateSync` is there for hosts that would rather not pay the two thread hops.

use std::sync::Arc;

use napi::bindgen_prelude::*;
use napi::{Env, JsValue, Unknown, ValueType};
use napi_derive::napi;
use serde_json::Value;
use sso_scim_core::ErrorCode;
use sso_scim_core::bridge::{self, BridgeError, KeyCase};
use sso_scim_core::saml::{self, Identity, SamlError, ServiceProvider as CoreServiceProvider};
use time::OffsetDateTime;

use crate::convert;
use crate::error;
use crate::offload;

/// The SAML service provider of one workspace.
#[napi]
pub struct ServiceProvider {
    core: Arc<CoreServiceProvider>,
}

/// The request(s) a response may answer, as `options.requestId` names them.
pub enum Requests {
    /// One AuthnRequest ID, or `None` when an unsolicited response is expected.
    One(Option<String>),
    /// Every AuthnRequest ID this browser has pending (an array, possibly empty).
    Pending(Vec<String>),
}

/// What `validate` and `signIn` read from their arguments, on the JS thread.
pub struct SamlArgs {
    pub input: Vec<u8>,
    pub requests: Requests,
    pub now: OffsetDateTime,
}

impl SamlArgs {
    /// Read the SAMLResponse and `{requestId, now}`; `pending_allowed` says whether
    /// `requestId` may be an array.
    pub fn read(
        env: &Env,
        input: Option<Unknown>,
        options: Option<Unknown>,
        pending_allowed: bool,
    ) -> Result<SamlArgs> {
        let input = convert::bytes("samlResponse", input).map_err(|e| error::bridge(env, &e))?;
        let (requests, now) = options_of(env, options, pending_allowed).map_err(|e| error::bridge(env, &e))?;
        Ok(SamlArgs { input, requests, now })
    }

    /// Validate with `sp` in the form the host chose (the core's single-ID or list form).
    pub fn validate(&self, sp: &CoreServiceProvider) -> std::result::Result<Identity, SamlError> {
        match &self.requests {
            Requests::One(id) => sp.validate_response(&self.input, self.now, id.as_deref()),
            Requests::Pending(ids) => sp.validate_response_pending(&self.input, self.now, ids),
        }
    }
}

/// A refusal as an argument error (the thrown value, if any, is not kept: these are the
/// host's own option objects, and the message names what threw).
fn refused(r: convert::Refused) -> BridgeError {
    BridgeError::argument(r.message)
}

fn options_of(
    env: &Env,
    options: Option<Unknown>,
    pending_allowed: bool,
) -> std::result::Result<(Requests, OffsetDateTime), BridgeError> {
    let none = || (Requests::One(None), OffsetDateTime::now_utc());
    let Some(options) = options else { return Ok(none()) };
    match options.get_type() {
        Ok(ValueType::Undefined) | Ok(ValueType::Null) => return Ok(none()),
        Ok(ValueType::Object) => {}
        _ => return Err(BridgeError::argument("options is an object {requestId?, now?}")),
    }
    let object: Object = unsafe { options.cast() }.map_err(|e| BridgeError::argument(e.reason.clone()))?;
    let rid = convert::property(env, &object, "requestId").map_err(|r| refused(r.within("options.requestId")))?;
    let requests = match rid.get_type() {
        Ok(ValueType::Undefined) | Ok(ValueType::Null) => Requests::One(None),
        Ok(ValueType::String) => {
            Requests::One(Some(unsafe { rid.cast::<String>() }.map_err(|e| BridgeError::argument(e.reason.clone()))?))
        }
        Ok(ValueType::Object) if rid.is_array().unwrap_or(false) => {
            if !pending_allowed {
                // signIn answers a decision, which cannot say which request was answered: a
                // host with several pending validates (the identity names it), then decides.
                return Err(BridgeError::argument(
                    "options.requestId is one string for signIn; with several requests pending, call \
                     validate(samlResponse, {requestId: pending}) then decide (identity.inResponseTo names the \
                     request answered)",
                ));
            }
            Requests::Pending(string_list(env, rid)?)
        }
        _ => {
            return Err(BridgeError::argument(
                "options.requestId is a string, an array of strings (the requests pending for this browser), or null \
                 for an unsolicited response",
            ));
        }
    };
    let now = convert::property(env, &object, "now").map_err(|r| refused(r.within("options.now")))?;
    Ok((requests, convert::instant(Some(now))?))
}

/// `options.requestId` as an array: every element a string.
fn string_list(env: &Env, array: Unknown) -> std::result::Result<Vec<String>, BridgeError> {
    let wrong = || BridgeError::argument("options.requestId: every element of the array is a string");
    match convert::to_json(env, array).map_err(|r| refused(r.within("options.requestId")))? {
        Value::Array(items) => items
            .into_iter()
            .map(|item| match item {
                Value::String(id) => Ok(id),
                _ => Err(wrong()),
            })
            .collect(),
        _ => Err(wrong()),
    }
}

fn settings_of(env: &Env, settings: Unknown) -> Result<saml::SamlSettings> {
    let value = convert::to_json(env, settings)
        .map_err(|r| r.within("settings").into_error(env, ErrorCode::InvalidSettings))?;
    bridge::json::saml_settings(KeyCase::Camel, value.clone()).map_err(|first| {
        let check = |v: &Value| {
            let settings = bridge::json::saml_settings(KeyCase::Camel, v.clone())?;
            CoreServiceProvider::new(settings).map(drop)
        };
        error::bridge(env, &crate::settings::explain(&value, first, check))
    })
}

fn saml_error(env: &Env, e: SamlError) -> napi::Error {
    error::bridge(env, &e)
}

fn camel<'e>(env: &'e Env, value: Value) -> Result<Unknown<'e>> {
    convert::from_json(env, &KeyCase::Camel.to_host(value))
}

/// Run pure SAML work off the JS thread; resolve with its JSON (camelCase keys).
fn spawn<'e>(
    env: &'e Env,
    job: impl FnOnce() -> std::result::Result<Value, BridgeError> + Send + 'static,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    offload::promise(env, job, |env, outcome| match outcome {
        Ok(value) => camel(env, value),
        Err(e) => Err(error::bridge(env, &e)),
    })
}

#[napi]
impl ServiceProvider {
    /// Check `settings` (the JSON form of the core's SAML settings, camelCase or snake_case
    /// keys) and parse every certificate and key. Throws `invalid_settings`,
    /// `invalid_certificate` (also for an IdP RSA key under `minRsaKeyBits`) or `invalid_key`.
    #[napi(constructor, catch_unwind, ts_args_type = "settings: SamlSettings")]
    pub fn new(env: Env, settings: Unknown) -> Result<Self> {
        error::guard(&env, || {
            let settings = settings_of(&env, settings)?;
            let core = CoreServiceProvider::new(settings).map_err(|e| saml_error(&env, e))?;
            Ok(ServiceProvider { core: Arc::new(core) })
        })
    }

    /// The core service provider (shared with in-flight calls).
    pub(crate) fn core(&self) -> Arc<CoreServiceProvider> {
        Arc::clone(&self.core)
    }

    /// The settings, camelCase, every default filled in.
    #[napi(getter, catch_unwind, ts_return_type = "Required<SamlSettings>")]
    pub fn settings<'e>(&self, env: &'e Env) -> Result<Unknown<'e>> {
        error::guard(env, || camel(env, serde_json::to_value(self.core.settings()).unwrap_or(Value::Null)))
    }

    /// Validate a SAMLResponse (the base64 form value, or raw XML): resolves with the verified
    /// identity, rejects with the SAML error code (`signature_invalid`, `expired`, …).
    /// `options.requestId` is the id of the AuthnRequest this SP sent (omit or `null` for an
    /// unsolicited response), or an array of every request id this browser has pending: the id
    /// the response claims is checked only if it is one of them (anything else is treated as
    /// unsolicited), in the same parse, and `identity.inResponseTo` names the request answered.
    /// `options.now` defaults to the current time.
    #[napi(
        catch_unwind,
        ts_args_type = "samlResponse: string | Uint8Array, options?: ValidateOptions | null",
        ts_return_type = "Promise<Identity>"
    )]
    pub fn validate<'e>(
        &self,
        env: &'e Env,
        saml_response: Unknown,
        options: Option<Unknown>,
    ) -> Result<PromiseRaw<'e, Unknown<'e>>> {
        error::guard_promise(env, || {
            error::promise(env, SamlArgs::read(env, Some(saml_response), options, true), |args| {
                let sp = self.core();
                spawn(env, move || Ok(bridge::json::identity(&args.validate(&sp)?)))
            })
        })
    }

    /// `validate` on the calling thread (≈60 µs for Entra's default response): returns the
    /// identity or throws the SAML error.
    #[napi(
        catch_unwind,
        ts_args_type = "samlResponse: string | Uint8Array, options?: ValidateOptions | null",
        ts_return_type = "Identity"
    )]
    pub fn validate_sync<'e>(
        &self,
        env: &'e Env,
        saml_response: Unknown,
        options: Option<Unknown>,
    ) -> Result<Unknown<'e>> {
        error::guard(env, || {
            let args = SamlArgs::read(env, Some(saml_response), options, true)?;
            let identity = args.validate(&self.core).map_err(|e| saml_error(env, e))?;
            camel(env, bridge::json::identity(&identity))
        })
    }

    /// Verify the enveloped signature of the root element of `xml` (a signed Assertion or
    /// Response on its own) and resolve with the verified canonical XML. Diagnostics only: no
    /// profile check is made, so this never replaces `validate`.
    #[napi(catch_unwind, ts_args_type = "xml: string", ts_return_type = "Promise<string>")]
    pub fn verify_signed_element<'e>(&self, env: &'e Env, xml: Unknown) -> Result<PromiseRaw<'e, Unknown<'e>>> {
        error::guard_promise(env, || {
            let prepared = convert::string("xml", xml).map_err(|e| error::bridge(env, &e));
            error::promise(env, prepared, |xml| {
                let sp = self.core();
                spawn(env, move || Ok(Value::String(sp.verify_signed_element(&xml)?)))
            })
        })
    }

    /// The `InResponseTo` a SAMLResponse claims to answer — the Response's, or when that optional
    /// attribute is absent the bearer `SubjectConfirmationData`'s — read without validating
    /// anything. Resolves with `null` when there is none.
    ///
    /// @deprecated Pass the pending request ids to `validate` instead
    /// (`{requestId: pending}`): this hint, then `validate` with the id it found, decodes and
    /// parses the untrusted response twice, where `validate` reads the claim from the one parse
    /// it validates.
    #[napi(catch_unwind, ts_args_type = "samlResponse: string | Uint8Array", ts_return_type = "Promise<string | null>")]
    pub fn in_response_to_hint<'e>(&self, env: &'e Env, saml_response: Unknown) -> Result<PromiseRaw<'e, Unknown<'e>>> {
        error::guard_promise(env, || {
            let prepared = convert::bytes("samlResponse", Some(saml_response)).map_err(|e| error::bridge(env, &e));
            error::promise(env, prepared, |input| {
                let sp = self.core();
                // Kept for hosts written against it; deprecated in the core for the same reason.
                #[allow(deprecated)]
                let hint = move || Ok(sp.in_response_to_hint(&input).map_or(Value::Null, Value::String));
                spawn(env, hint)
            })
        })
    }

    /// An AuthnRequest to the IdP's `idpSsoUrl`: `redirectUrl` for HTTP-Redirect and
    /// `postFormHtml` for HTTP-POST. Keep its `id` to validate the response against.
    #[napi(
        catch_unwind,
        ts_args_type = "relayState?: string | null, now?: Date | string | null",
        ts_return_type = "Promise<AuthnRequest>"
    )]
    pub fn authn_request<'e>(
        &self,
        env: &'e Env,
        relay_state: Option<Unknown>,
        now: Option<Unknown>,
    ) -> Result<PromiseRaw<'e, Unknown<'e>>> {
        error::guard_promise(env, || {
            let prepared = convert::optional_string("relayState", relay_state)
                .and_then(|relay| Ok((relay, convert::instant(now)?)))
                .map_err(|e| error::bridge(env, &e));
            error::promise(env, prepared, |(relay_state, now)| {
                let sp = self.core();
                spawn(env, move || Ok(bridge::json::authn_request(&sp.authn_request(now, relay_state.as_deref())?)))
            })
        })
    }

    /// This SP's metadata XML (entity ID, ACS, certificate when configured).
    #[napi(catch_unwind, ts_return_type = "Promise<string>")]
    pub fn metadata<'e>(&self, env: &'e Env) -> Result<PromiseRaw<'e, Unknown<'e>>> {
        error::guard_promise(env, || {
            let sp = self.core();
            spawn(env, move || Ok(Value::String(sp.sp_metadata())))
        })
    }

    /// The IdP certificates that expire within `days` of `now` (default: the current time),
    /// for rollover warnings.
    #[napi(
        catch_unwind,
        ts_args_type = "days: number, now?: Date | string | null",
        ts_return_type = "Promise<CertificateInfo[]>"
    )]
    pub fn certificates_expiring_within<'e>(
        &self,
        env: &'e Env,
        days: Unknown,
        now: Option<Unknown>,
    ) -> Result<PromiseRaw<'e, Unknown<'e>>> {
        error::guard_promise(env, || {
            let prepared =
                convert::days(days).and_then(|d| Ok((d, convert::instant(now)?))).map_err(|e| error::bridge(env, &e));
            error::promise(env, prepared, |(days, now)| {
                let sp = self.core();
                spawn(env, move || {
                    let certs = sp.certificates_expiring_within(now, days);
                    Ok(Value::Array(certs.into_iter().map(bridge::json::certificate).collect()))
                })
            })
        })
    }
}

/// SP metadata for `settings` without building a service provider first.
#[napi(catch_unwind, ts_args_type = "settings: SamlSettings", ts_return_type = "Promise<string>")]
pub fn sp_metadata<'e>(env: &'e Env, settings: Unknown) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    error::guard_promise(env, || {
        error::promise(env, settings_of(env, settings), |settings| {
            spawn(env, move || Ok(Value::String(saml::metadata::sp_metadata_for(&settings)?)))
        })
    })
}

/// Import IdP federation metadata (Entra's "Federation Metadata XML") for this SP: resolves
/// with `{settings, metadata}`, the settings trusting that IdP with every other setting at its
/// default. `entityId` picks one IdP out of an aggregate. Rejects with `invalid_certificate`
/// when a signing certificate's RSA key is under 2048 bits (the default `minRsaKeyBits`).
#[napi(
    catch_unwind,
    ts_args_type = "xml: string, spEntityId: string, acsUrl: string, entityId?: string | null",
    ts_return_type = "Promise<ImportedMetadata>"
)]
pub fn import_metadata<'e>(
    env: &'e Env,
    xml: Unknown,
    sp_entity_id: Unknown,
    acs_url: Unknown,
    entity_id: Option<Unknown>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    error::guard_promise(env, || {
        let prepared = (|| {
            Ok((
                convert::string("xml", xml)?,
                convert::string("spEntityId", sp_entity_id)?,
                convert::string("acsUrl", acs_url)?,
                convert::optional_string("entityId", entity_id)?,
            ))
        })()
        .map_err(|e: BridgeError| error::bridge(env, &e));
        error::promise(env, prepared, |(xml, sp_entity_id, acs_url, entity_id)| {
            spawn(env, move || bridge::json::import_metadata(&xml, &sp_entity_id, &acs_url, entity_id.as_deref()))
        })
    })
}
