//! The SCIM vector runner (format: `tests/vectors/README.md`), generic over the store so that
//! every `Directory` implementation in this repository is held to the same vectors. Each
//! request is driven by the store's `VectorStore::complete`: by default one poll, since with a
//! synchronous store the core never waits; a truly async store blocks on its runtime there.
#![allow(dead_code)]

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde_json::{Value, json};
use sso_scim_core::executor::now_or_never;
use sso_scim_core::scim::{ScimConfig, ScimHandler, ScimRequest, ScimResponse};
use sso_scim_core::token::TokenHash;
use sso_scim_core::token::hash_token;
use sso_scim_core::{Directory, Workspace};

/// A store the runner can set up: a fresh one holding these workspaces and token hashes.
pub trait VectorStore: Directory + Sized {
    fn with_workspaces(workspaces: &[(Workspace, Vec<TokenHash>)]) -> Self;

    /// Run one request to completion; `None` if it cannot finish. Synchronous stores need
    /// exactly one poll (the default proves it); a driven store answers its steps; an async
    /// store (PostgreSQL) blocks on its runtime.
    fn complete<F: Future + Send>(&self, request: F) -> Option<F::Output> {
        now_or_never(request)
    }
}

const DEFAULT_BASE_URL: &str = "https://example.test/scim/v2";

pub fn vector_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/scim");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
}

struct Vars(HashMap<String, String>);

impl Vars {
    fn text(&self, s: &str) -> Result<String, String> {
        let mut out = String::new();
        let mut rest = s;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let end = rest[start..].find('}').ok_or_else(|| format!("unclosed variable in {s:?}"))? + start;
            let name = &rest[start + 2..end];
            out.push_str(self.0.get(name).ok_or_else(|| format!("undefined variable ${{{name}}}"))?);
            rest = &rest[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    fn value(&self, v: &Value) -> Result<Value, String> {
        Ok(match v {
            Value::String(s) => Value::String(self.text(s)?),
            Value::Array(items) => Value::Array(items.iter().map(|i| self.value(i)).collect::<Result<_, _>>()?),
            Value::Object(m) => {
                let mut out = serde_json::Map::new();
                for (k, v) in m {
                    out.insert(self.text(k)?, self.value(v)?);
                }
                Value::Object(out)
            }
            other => other.clone(),
        })
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn build_request(step: &Value, tokens: &HashMap<String, String>, vars: &Vars) -> Result<ScimRequest, String> {
    let r = &step["request"];
    let mut req = ScimRequest::new(
        r["method"].as_str().ok_or("request.method missing")?,
        &vars.text(r["path"].as_str().ok_or("request.path missing")?)?,
    )
    .with_query(&vars.text(r["query"].as_str().unwrap_or(""))?);
    if let Some(ws) = r.get("auth").and_then(Value::as_str) {
        let token = tokens.get(ws).ok_or_else(|| format!("no token for workspace {ws}"))?;
        req = req.with_header("Authorization", &format!("Bearer {token}"));
    }
    if let Some(headers) = r.get("headers").and_then(Value::as_object) {
        for (name, value) in headers {
            req = req.with_header(name, &vars.text(value.as_str().ok_or("header values are strings")?)?);
        }
    }
    let body = if let Some(b) = r.get("body") {
        Some(vars.value(b)?.to_string().into_bytes())
    } else if let Some(t) = r.get("body_text").and_then(Value::as_str) {
        Some(vars.text(t)?.into_bytes())
    } else if let Some(b) = r.get("body_base64").and_then(Value::as_str) {
        Some(base64::engine::general_purpose::STANDARD.decode(b).map_err(|e| e.to_string())?)
    } else {
        None
    };
    if let Some(body) = body {
        if req.header("Content-Type").is_none() {
            req = req.with_header("Content-Type", "application/scim+json");
        }
        req = req.with_body(body);
    }
    Ok(req)
}

/// How `resp` differs from what the step expects.
fn check(expect: &Value, resp: &ScimResponse, vars: &Vars) -> Vec<String> {
    let mut problems = Vec::new();
    if let Some(status) = expect.get("status").and_then(Value::as_u64)
        && u64::from(resp.status) != status
    {
        problems.push(format!("status {} != expected {status}", resp.status));
    }
    let code = resp.error_code();
    match expect.get("error_code").and_then(Value::as_str) {
        Some(want) if code != Some(want) => problems.push(format!("error_code {code:?} != expected {want:?}")),
        None if code.is_some() && resp.status < 400 => problems.push(format!("unexpected error_code {code:?}")),
        _ => {}
    }
    problems.extend(check_headers(expect, resp, vars));
    if let Some(empty) = expect.get("body_empty").and_then(Value::as_bool)
        && empty != resp.body.is_empty()
    {
        problems.push(format!("body_empty {} != expected {empty}", resp.body.is_empty()));
    }
    let body = resp.json();
    for fact in expect.get("body").and_then(Value::as_array).into_iter().flatten() {
        let path = fact["path"].as_str().unwrap_or("");
        let at = body.as_ref().and_then(|b| b.pointer(path));
        problems.extend(check_fact(fact, at, vars).into_iter().map(|what| format!("{path}: {what}")));
    }
    problems
}

/// The headers the step expects, with their values, and those it expects absent.
fn check_headers(expect: &Value, resp: &ScimResponse, vars: &Vars) -> Vec<String> {
    let mut problems = Vec::new();
    for (name, want) in expect.get("headers").and_then(Value::as_object).into_iter().flatten() {
        let want = match want.as_str().map(|w| vars.text(w)) {
            Some(Ok(w)) => w,
            Some(Err(e)) => {
                problems.push(e);
                continue;
            }
            None => {
                problems.push(format!("header {name}: expected values are strings"));
                continue;
            }
        };
        match resp.header(name) {
            Some(have) if have == want => {}
            have => problems.push(format!("header {name}: {have:?} != expected {want:?}")),
        }
    }
    for name in expect.get("headers_absent").and_then(Value::as_array).into_iter().flatten() {
        let name = name.as_str().unwrap_or_default();
        if let Some(have) = resp.header(name) {
            problems.push(format!("header {name} should be absent, is {have:?}"));
        }
    }
    problems
}

/// One fact about the body member `at` (absent: `None`).
fn check_fact(fact: &Value, at: Option<&Value>, vars: &Vars) -> Vec<String> {
    let mut problems = Vec::new();
    let mut fail = |what: String| problems.push(what);
    if let Some(want) = fact.get("equals") {
        match vars.value(want) {
            Ok(want) if at == Some(&want) => {}
            Ok(want) => fail(format!("{} != expected {want}", at.map_or("(absent)".into(), Value::to_string))),
            Err(e) => fail(e),
        }
    }
    if let Some(want) = fact.get("not_equals") {
        match vars.value(want) {
            Ok(want) if at == Some(&want) => fail(format!("should not equal {want}")),
            Ok(_) => {}
            Err(e) => fail(e),
        }
    }
    if let (Some(Value::Bool(true)), Some(v)) = (fact.get("absent"), at) {
        fail(format!("should be absent, is {v}"));
    }
    if fact.get("present") == Some(&Value::Bool(true)) && at.is_none() {
        fail("should be present".into());
    }
    if let Some(n) = fact.get("length").and_then(Value::as_u64) {
        let len = match at {
            Some(Value::Array(a)) => Some(a.len()),
            Some(Value::Object(o)) => Some(o.len()),
            _ => None,
        };
        if len != Some(n as usize) {
            fail(format!("length {len:?} != expected {n}"));
        }
    }
    if let Some(t) = fact.get("type").and_then(Value::as_str)
        && at.map(type_name) != Some(t)
    {
        fail(format!("type {:?} != expected {t}", at.map(type_name)));
    }
    if let Some(text) = fact.get("contains").and_then(Value::as_str) {
        match (at.and_then(Value::as_str), vars.text(text)) {
            (Some(s), Ok(t)) if s.contains(&t) => {}
            (s, _) => fail(format!("{s:?} does not contain {text:?}")),
        }
    }
    problems
}

pub fn run_vector<S: VectorStore>(path: &Path) -> Vec<String> {
    let text = fs::read_to_string(path).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut config = v.get("config").cloned().unwrap_or_else(|| json!({}));
    if config.get("base_url").is_none() {
        config["base_url"] = json!(DEFAULT_BASE_URL);
    }
    let config = ScimConfig::from_json(&config.to_string()).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut tokens = HashMap::new();
    let mut workspaces = Vec::new();
    for ws in v["workspaces"].as_array().into_iter().flatten() {
        let workspace: Workspace = serde_json::from_value(json!({
            "id": ws["id"], "name": ws["name"],
            "default_role": ws.get("default_role").cloned().unwrap_or(json!("Project Manager"))
        }))
        .unwrap();
        let mut hashes = Vec::new();
        for (i, t) in ws["tokens"].as_array().into_iter().flatten().enumerate() {
            let t = t.as_str().unwrap();
            hashes.push(hash_token(t));
            if i == 0 {
                tokens.insert(workspace.id.clone(), t.to_owned());
            }
        }
        workspaces.push((workspace, hashes));
    }
    let dir = S::with_workspaces(&workspaces);
    let handler = ScimHandler::new(dir, config).unwrap();
    let mut vars = Vars(HashMap::new());
    let mut failures = Vec::new();
    for (i, step) in v["steps"].as_array().expect("steps").iter().enumerate() {
        let name = format!(
            "{} step {i} ({})",
            path.file_name().unwrap().to_string_lossy(),
            step["name"].as_str().unwrap_or("")
        );
        let req = match build_request(step, &tokens, &vars) {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!("{name}: {e}"));
                break;
            }
        };
        let Some(resp) = handler.directory().complete(handler.handle(req)) else {
            failures.push(format!("{name}: the request did not complete (not ready on its first poll)"));
            break;
        };
        let problems = check(&step["expect"], &resp, &vars);
        if !problems.is_empty() {
            failures.push(format!(
                "{name}:\n    {}\n    response {} {}",
                problems.join("\n    "),
                resp.status,
                String::from_utf8_lossy(&resp.body)
            ));
        }
        for (var, pointer) in step.get("save").and_then(Value::as_object).into_iter().flatten() {
            let found = resp.json().and_then(|b| b.pointer(pointer.as_str().unwrap_or("")).cloned());
            match found {
                Some(Value::String(s)) => {
                    vars.0.insert(var.clone(), s);
                }
                Some(other) => {
                    vars.0.insert(var.clone(), other.to_string());
                }
                None => failures.push(format!("{name}: cannot save {var}: nothing at {pointer}")),
            }
        }
    }
    failures
}

/// Run every vector (or those whose file name contains `$VECTOR`); panic listing failures.
pub fn assert_all<S: VectorStore>() {
    let files = vector_files();
    assert!(!files.is_empty(), "no vectors found");
    let only = std::env::var("VECTOR").ok();
    let mut failures = Vec::new();
    let mut ran = 0;
    for file in &files {
        if only.as_deref().is_some_and(|o| !file.to_string_lossy().contains(o)) {
            continue;
        }
        ran += 1;
        failures.extend(run_vector::<S>(file));
    }
    assert!(ran > 0, "VECTOR={only:?} matched no file");
    assert!(failures.is_empty(), "{} vector failures in {ran} files:\n{}", failures.len(), failures.join("\n"));
    eprintln!("{ran} SCIM vector files passed");
}
