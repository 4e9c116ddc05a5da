//! The login decision: a verified SAML identity plus the host's [`Directory`] → the user may
//! sign in, or exactly why not. Replay protection lives here because it needs the store.

use std::fmt;

use time::OffsetDateTime;

use crate::directory::Directory;
use crate::error::{ErrorCode, StoreError};
use crate::model::{UserRecord, UserState, user_name_key};
use crate::saml::{Identity, SamlError, ServiceProvider, UserLookup};

/// Why a verified identity may not sign in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// `replayed`, `unknown_user`, `user_archived` or `wrong_workspace`.
    pub code: ErrorCode,
    /// What happened and what to do.
    pub message: String,
}

/// The outcome of a login attempt that reached the directory.
#[derive(Debug, Clone, PartialEq)]
pub enum LoginDecision {
    /// Sign this user in.
    Allowed(Box<UserRecord>),
    /// Do not.
    Refused(Refusal),
}

/// A login that could not be decided: the response was invalid, or the store failed.
#[derive(Debug)]
pub enum LoginError {
    /// The SAML response was refused.
    Saml(SamlError),
    /// The host's store failed (its own error is the source).
    Store(StoreError),
}

impl LoginError {
    /// The stable code (`store_failed`, or `store_contract_violated`, for store errors).
    pub fn code(&self) -> ErrorCode {
        match self {
            LoginError::Saml(e) => e.code(),
            LoginError::Store(e) => e.kind().error_code(),
        }
    }
}

impl fmt::Display for LoginError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoginError::Saml(e) => write!(f, "{e}"),
            LoginError::Store(e) => write!(f, "{}: {e}", e.kind().error_code()),
        }
    }
}

impl std::error::Error for LoginError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LoginError::Saml(e) => Some(e),
            LoginError::Store(e) => Some(e),
        }
    }
}

fn refused(code: ErrorCode, message: impl Into<String>) -> LoginDecision {
    LoginDecision::Refused(Refusal { code, message: message.into() })
}

/// Decide whether `identity` (already validated by `sp`) may sign in to `workspace_id`.
///
/// The assertion is remembered first — (issuer, assertion ID) until its NotOnOrAfter plus the
/// clock skew — so a second use is `replayed` whatever happens next. The user is then found
/// by NameID or e-mail (per `user_lookup`) with the same case-insensitive key SCIM uses.
pub async fn decide<D: Directory>(
    directory: &D,
    workspace_id: &str,
    sp: &ServiceProvider,
    identity: &Identity,
) -> Result<LoginDecision, LoginError> {
    let settings = sp.settings();
    let skew = settings.clock_skew();
    let replay_key = format!("{} {}", identity.issuer, identity.assertion_id);
    let first_use = directory
        .remember_assertion(
            workspace_id,
            &replay_key,
            // Checked: an end near the calendar's is remembered until then, which is forever.
            identity.not_on_or_after.checked_add(skew).unwrap_or(identity.not_on_or_after),
        )
        .await
        .map_err(LoginError::Store)?;
    if !first_use {
        return Ok(refused(
            ErrorCode::Replayed,
            format!("assertion {} was already used to sign in", identity.assertion_id),
        ));
    }
    let (field, value) = match settings.user_lookup {
        UserLookup::NameId => ("NameID", Some(identity.name_id.as_str())),
        UserLookup::Email => ("e-mail", identity.email.as_deref()),
    };
    let Some(value) = value else {
        return Ok(refused(ErrorCode::UnknownUser, "the assertion carries no e-mail attribute to find the user by"));
    };
    let user = directory.find_by_user_name(workspace_id, &user_name_key(value)).await.map_err(LoginError::Store)?;
    let Some(user) = user else {
        return Ok(refused(
            ErrorCode::UnknownUser,
            format!("no user of this workspace has the userName {field} \"{value}\"; provision them (SCIM) first"),
        ));
    };
    if user.workspace_id != workspace_id {
        return Ok(refused(ErrorCode::WrongWorkspace, "the directory answered with a user of another workspace"));
    }
    if user.state != UserState::Active {
        return Ok(refused(
            ErrorCode::UserArchived,
            format!("user \"{}\" is archived and cannot sign in", user.user_name),
        ));
    }
    Ok(LoginDecision::Allowed(Box::new(user)))
}

/// Validate a SAMLResponse and decide, in one call.
pub async fn sign_in<D: Directory>(
    directory: &D,
    workspace_id: &str,
    sp: &ServiceProvider,
    saml_response: &[u8],
    now: OffsetDateTime,
    request_id: Option<&str>,
) -> Result<LoginDecision, LoginError> {
    let identity = sp.validate_response(saml_response, now, request_id).map_err(LoginError::Saml)?;
    decide(directory, workspace_id, sp, &identity).await
}

/// Whether `user` may sign in with a password: never. Every user the directory holds is
/// managed by the IdP (SSO), and archived users cannot sign in at all.
pub fn password_login_allowed(user: &UserRecord) -> bool {
    let _ = user;
    false
}
