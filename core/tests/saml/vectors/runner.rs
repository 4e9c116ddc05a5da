//! The runner: what every binding reimplements over the committed JSON (format:
//! `tests/vectors/README.md`). It reads only the files, never the generator's types, so it is
//! held to exactly what a binding can see.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use sso_scim_core::executor::now_or_never;
use sso_scim_core::login::{LoginDecision, decide};
use sso_scim_core::saml::{Identity, SamlError, SamlSettings, ServiceProvider};
use sso_scim_core::{MemoryDirectory, UserRecord, UserState, Workspace};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Every case of `file` that did not go as it expects, described.
pub(super) fn run_file(file: &Value) -> Vec<String> {
    if file.get("kind").and_then(Value::as_str) == Some("login") {
        run_login_file(file)
    } else {
        run_validation_file(file)
    }
}

fn repo_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(relative)
}

/// The case's settings; `Err` when they do not even read as settings (a case expecting
/// `settings_error` may test that).
fn merged_settings(file: &Value, case: &Value) -> Result<SamlSettings, SamlError> {
    let mut settings = file["settings"].clone();
    for from in file.get("idp_certificates_from").and_then(Value::as_array).into_iter().flatten() {
        let xml = fs::read_to_string(repo_path(from.as_str().unwrap())).unwrap();
        let start = xml.find("<X509Certificate>").unwrap() + "<X509Certificate>".len();
        let cert = &xml[start..start + xml[start..].find('<').unwrap()];
        settings["idp_certificates"].as_array_mut().unwrap().push(json!(cert));
    }
    if let Some(Value::Object(patch)) = case.get("settings") {
        for (k, v) in patch {
            settings[k] = v.clone();
        }
    }
    SamlSettings::from_json(&settings.to_string())
}

fn case_input(case: &Value) -> Vec<u8> {
    match (case.get("response"), case.get("response_file")) {
        (Some(Value::String(r)), _) => r.as_bytes().to_vec(),
        (_, Some(Value::String(f))) => fs::read(repo_path(f)).unwrap(),
        _ => panic!("a case needs response or response_file"),
    }
}

fn case_now(file: &Value, case: &Value) -> OffsetDateTime {
    let text = case.get("now").or_else(|| file.get("now")).and_then(Value::as_str).unwrap();
    OffsetDateTime::parse(text, &Rfc3339).unwrap()
}

/// The pending request IDs of a case validated through the list form, if it is one.
fn case_pending_request_ids(case: &Value) -> Option<Vec<&str>> {
    case.get("pending_request_ids").map(|ids| ids.as_array().unwrap().iter().map(|id| id.as_str().unwrap()).collect())
}

fn case_request_id(file: &Value, case: &Value) -> Option<String> {
    match case.get("request_id") {
        Some(v) => v.as_str().map(str::to_owned),
        None => file.get("request_id").and_then(Value::as_str).map(str::to_owned),
    }
}

/// How `identity` differs from the expected facts (an absent member compares as null).
fn check_identity(identity: &Identity, facts: &Value) -> Vec<String> {
    let actual = serde_json::to_value(identity).unwrap();
    let mut problems = Vec::new();
    for (key, want) in facts.as_object().unwrap() {
        match key.as_str() {
            "attribute_counts" => {
                for (name, n) in want.as_object().unwrap() {
                    let got = identity.attributes.get(name).map(Vec::len);
                    if got != n.as_u64().map(|n| n as usize) {
                        problems.push(format!("attribute {name}: {got:?} values, expected {n}"));
                    }
                }
            }
            "attributes" => {
                for (name, values) in want.as_object().unwrap() {
                    if actual["attributes"].get(name) != Some(values) {
                        problems
                            .push(format!("attribute {name}: {:?}, expected {values}", actual["attributes"].get(name)));
                    }
                }
            }
            _ if actual.get(key).unwrap_or(&Value::Null) != want => {
                problems.push(format!("{key}: {:?}, expected {want}", actual.get(key)))
            }
            _ => {}
        }
    }
    problems
}

/// The file's description, cut short, to say where a failure comes from.
fn label(file: &Value) -> String {
    file["description"].as_str().unwrap_or("").chars().take(30).collect()
}

fn run_validation_file(file: &Value) -> Vec<String> {
    let mut failures = Vec::new();
    for case in file["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let built = merged_settings(file, case).and_then(ServiceProvider::new);
        let problems = match case["expect"].get("settings_error") {
            Some(code) => settings_problem(built, code).into_iter().collect(),
            None => {
                let sp = built.unwrap_or_else(|e| panic!("{name}: settings: {e}"));
                if case.get("operation").and_then(Value::as_str) == Some("verify_signed_element") {
                    verify_problems(&sp, case)
                } else {
                    validation_problems(&sp, file, case)
                }
            }
        };
        if !problems.is_empty() {
            failures.push(format!("{} / {name}: {}", label(file), problems.join("; ")));
        }
    }
    failures
}

/// A case expecting its settings to be refused with `code` when the provider is built.
fn settings_problem(built: Result<ServiceProvider, SamlError>, code: &Value) -> Option<String> {
    match built {
        Err(e) if code == e.code().as_str() => None,
        Err(e) => Some(format!("settings refused with {e}, expected {code}")),
        Ok(_) => Some(format!("settings accepted, expected {code}")),
    }
}

/// `verify_signed_element`: the signature verifies and the canonical bytes hold the texts.
fn verify_problems(sp: &ServiceProvider, case: &Value) -> Vec<String> {
    let expect = &case["expect"];
    match sp.verify_signed_element(std::str::from_utf8(&case_input(case)).unwrap()) {
        Ok(canonical) if expect["ok"] == true => expect["canonical_contains"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| !canonical.contains(t.as_str().unwrap()))
            .map(|t| format!("canonical bytes lack {t}"))
            .collect(),
        Ok(_) => vec![format!("accepted, expected {}", expect["error"])],
        Err(e) if expect["error"] == e.code().as_str() => Vec::new(),
        Err(e) => vec![format!("refused with {e}, expected {expect}")],
    }
}

/// A response validated against one outstanding request or the browser's pending list.
fn validation_problems(sp: &ServiceProvider, file: &Value, case: &Value) -> Vec<String> {
    let expect = &case["expect"];
    let (input, now) = (case_input(case), case_now(file, case));
    let validated = match case_pending_request_ids(case) {
        Some(pending) => sp.validate_response_pending(&input, now, &pending),
        None => sp.validate_response(&input, now, case_request_id(file, case).as_deref()),
    };
    match validated {
        Ok(identity) if expect["ok"] == true => check_identity(&identity, &expect["identity"]),
        Ok(identity) => vec![format!("accepted as {}, expected {}", identity.name_id, expect["error"])],
        Err(e) if expect["error"] == e.code().as_str() => Vec::new(),
        Err(e) => vec![format!("refused with {e}, expected {expect}")],
    }
}

/// The file's workspace and users in a fresh memory directory.
fn seeded_directory(file: &Value) -> (MemoryDirectory, Workspace) {
    let ws: Workspace = serde_json::from_value(file["workspace"].clone()).unwrap();
    let dir = MemoryDirectory::new();
    dir.add_workspace(ws.clone());
    for (i, user) in file["users"].as_array().unwrap().iter().enumerate() {
        let name = user["user_name"].as_str().unwrap();
        let state: UserState = serde_json::from_value(user["state"].clone()).unwrap();
        let doc = json!({"userName": name}).as_object().unwrap().clone();
        let record =
            UserRecord::new(&ws.id, &format!("user-{i}"), &ws.default_role, state, OffsetDateTime::UNIX_EPOCH, doc);
        now_or_never(sso_scim_core::Directory::insert_user(&dir, &record)).unwrap().unwrap();
    }
    (dir, ws)
}

/// Login cases run in order on one directory: a replay is a replay of an earlier case.
fn run_login_file(file: &Value) -> Vec<String> {
    let (dir, ws) = seeded_directory(file);
    let mut failures = Vec::new();
    for case in file["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let sp = ServiceProvider::new(merged_settings(file, case).unwrap()).unwrap();
        let rid = case_request_id(file, case);
        let expect = &case["expect"];
        let outcome = sp.validate_response(case_input(case), case_now(file, case), rid.as_deref());
        let got = match outcome {
            Err(e) => json!({"error": e.code().as_str()}),
            Ok(identity) => match now_or_never(decide(&dir, &ws.id, &sp, &identity)).unwrap() {
                Ok(LoginDecision::Allowed(user)) => json!({"decision": "allowed", "user_name": user.user_name}),
                Ok(LoginDecision::Refused(r)) => json!({"decision": "refused", "code": r.code.as_str()}),
                Err(e) => json!({"error": e.code().as_str()}),
            },
        };
        if &got != expect {
            failures.push(format!("login / {name}: got {got}, expected {expect}"));
        }
    }
    failures
}
