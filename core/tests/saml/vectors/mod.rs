//! SAML vectors: `tests/vectors/saml/*.json` (format: `tests/vectors/README.md`).
//!
//! The cases are built here, one module per file and so per case family — responses signed at
//! test time with the throwaway keys of `tests/data/saml`, by our test signer and by the
//! `xmlsec1` CLI — and written to JSON so every binding runs exactly the same inputs.
//! `every_saml_vector_passes` runs the committed files through `runner` (what every binding
//! reimplements); `saml_vectors_are_fresh` rebuilds them in memory and fails on any difference
//! (`UPDATE_SAML_VECTORS=1` rewrites them). RSA PKCS#1 v1.5 is deterministic, so those
//! responses are byte-stable; ECDSA and encryption are randomised and marked
//! `"deterministic": false` (compared without their response bytes).

mod build;
mod runner;

mod accept;
mod encrypted;
mod entra;
mod hardening;
mod input;
mod keys;
mod login;
mod profile;
mod signature;
mod xsw;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use build::VectorFile;

/// How to regenerate the committed files after a deliberate change.
const UPDATE: &str = "UPDATE_SAML_VECTORS=1 cargo test -p sso-scim-core --test saml vectors::";

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/saml")
}

/// Every file, in the order they are generated (each is written to `NAME.json`).
fn all_files() -> Vec<VectorFile> {
    vec![
        accept::file(),
        xsw::file(),
        signature::file(),
        profile::file(),
        input::file(),
        encrypted::file(),
        entra::file(),
        login::file(),
        keys::file(),
        hardening::file(),
    ]
}

#[test]
fn every_saml_vector_passes() {
    let dir = vectors_dir();
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e} (run {UPDATE})", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 8, "expected every SAML vector file, found {}", files.len());
    let mut failures = Vec::new();
    let mut cases = 0;
    for path in &files {
        let file: Value = serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap();
        cases += file["cases"].as_array().unwrap().len();
        failures.extend(runner::run_file(&file));
    }
    assert!(failures.is_empty(), "{} of {cases} SAML vector cases failed:\n{}", failures.len(), failures.join("\n"));
    eprintln!("{cases} SAML vector cases passed");
}

/// The committed vectors are what the generator makes now (byte for byte where signing is
/// deterministic). `UPDATE_SAML_VECTORS=1` rewrites them.
#[test]
fn saml_vectors_are_fresh() {
    let update = std::env::var_os("UPDATE_SAML_VECTORS").is_some();
    let dir = vectors_dir();
    fs::create_dir_all(&dir).unwrap();
    let mut stale = Vec::new();
    for file in all_files() {
        let generated = file.to_json();
        let path = dir.join(format!("{}.json", file.name));
        let committed: Option<Value> = fs::read_to_string(&path).ok().and_then(|t| serde_json::from_str(&t).ok());
        let same = committed.as_ref().is_some_and(|c| comparable(c) == comparable(&generated));
        if !same {
            if update {
                let mut text = serde_json::to_string_pretty(&generated).unwrap();
                text.push('\n');
                fs::write(&path, text).unwrap();
            } else {
                stale.push(path.display().to_string());
            }
        }
    }
    assert!(stale.is_empty(), "stale SAML vectors ({UPDATE}): {stale:?}");
}

/// A vector file without the response bytes of randomised cases.
fn comparable(file: &Value) -> Value {
    let mut file = file.clone();
    for case in file["cases"].as_array_mut().into_iter().flatten() {
        if case.get("deterministic") == Some(&json!(false)) {
            case.as_object_mut().unwrap().remove("response");
        }
    }
    file
}

#[test]
fn case_names_are_unique_within_a_file() {
    for file in all_files() {
        let mut seen = BTreeSet::new();
        for case in &file.cases {
            assert!(seen.insert(&case.name), "{}: duplicate case {:?}", file.name, case.name);
        }
    }
}
