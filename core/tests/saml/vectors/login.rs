//! `login.json`: login decisions over an in-memory directory, run in order on one store —
//! allowed, replayed (X37), unknown_user, user_archived — with lookup by NameID or by e-mail
//! through the SCIM userName key.

use serde_json::{Value, json};

use super::build::{Case, VectorFile, base_settings, evil_spec};
use crate::saml_support::*;

/// The baseline naming `name`, under its own assertion ID (so only a repeat is a replay).
fn spec(id: &str, name: &str) -> Spec {
    Spec { assertion_id: id.into(), session_index: id.into(), name_id: name.into(), ..Spec::default() }
}

fn allowed(user: &str) -> Value {
    json!({"decision": "allowed", "user_name": user})
}

fn refused(code: &str) -> Value {
    json!({"decision": "refused", "code": code})
}

fn decision(name: &str, xml: &str, expect: Value) -> Case {
    Case::new(name, form_value(xml), expect)
}

pub(super) fn file() -> VectorFile {
    let idp = TestKey::load("idp");
    let cases = decisions(&idp);
    VectorFile::new(
        "login",
        "Login decisions over an in-memory directory, run in order on one store: allowed, replayed (X37), unknown_user, user_archived; lookup by NameID or e-mail with the SCIM userName key.",
        base_settings(&idp),
        cases,
    )
    .with("kind", json!("login"))
    .with("workspace", json!({"id": "ws-1", "name": "Contoso", "default_role": "Project Manager"}))
    .with(
        "users",
        json!([
            {"user_name": "jdoe@contoso.com", "state": "active"},
            {"user_name": "archived@contoso.com", "state": "archived"},
            {"user_name": "deleted@contoso.com", "state": "deprovisioned"}
        ]),
    )
}

fn decisions(idp: &TestKey) -> Vec<Case> {
    let first = spec("_login-1", "jdoe@contoso.com").signed(idp);
    let again = Spec { response_id: "_another-response".into(), ..spec("_login-1", "jdoe@contoso.com") };
    let by_email = Spec {
        name_id_format: "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent".into(),
        ..spec("_login-7", "RrX3SPSxDw6z4KHaKB2V_mnv0G-LbRZdYvo1RQa1L7s")
    };
    let signed = |id: &str, name: &str| spec(id, name).signed(idp);
    vec![
        decision("an active user signs in", &first, allowed("jdoe@contoso.com")),
        decision("the same assertion again is a replay (X37)", &first, refused("replayed")),
        decision("the same assertion ID in a new response is a replay", &again.signed(idp), refused("replayed")),
        decision("nobody with that userName", &signed("_login-3", "nobody@contoso.com"), refused("unknown_user")),
        decision("an archived user", &signed("_login-4", "archived@contoso.com"), refused("user_archived")),
        decision("a user deleted through SCIM", &signed("_login-5", "deleted@contoso.com"), refused("user_archived")),
        decision(
            "the NameID matches the userName case-insensitively",
            &signed("_login-6", "JDoe@Contoso.COM"),
            allowed("jdoe@contoso.com"),
        ),
        decision("lookup by the e-mail attribute", &by_email.signed(idp), allowed("jdoe@contoso.com"))
            .settings(json!({"user_lookup": "email"})),
        decision(
            "a forged response never reaches the directory",
            &evil_spec().signed(&TestKey::load("attacker")),
            json!({"error": "signature_invalid"}),
        ),
    ]
}
