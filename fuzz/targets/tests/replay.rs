//! Replays every committed corpus input (`fuzz/corpus/<target>/`), every saved crash
//! (`fuzz/artifacts/<target>/`) and every regression input (`fuzz/regressions/<target>/`)
//! through the target functions, on stable: the properties keep holding for everything the
//! fuzzer once found interesting, with or without nightly.

use std::path::{Path, PathBuf};

use sso_scim_fuzz_targets::TARGETS;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The files of `dir`, sorted so a failure names the same file every time; none if it is absent.
fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("a readable directory entry").path())
        .filter(|p| p.is_file() && !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')))
        .collect();
    files.sort();
    files
}

/// Run `name`'s inputs; returns how many ran. A panic names the input file.
fn replay(name: &str) -> usize {
    let target = TARGETS.iter().find(|(n, _)| *n == name).unwrap_or_else(|| panic!("no target {name}")).1;
    let corpus = files(&fuzz_dir().join("corpus").join(name));
    // A missing or emptied corpus would make this test pass while checking nothing.
    assert!(!corpus.is_empty(), "fuzz/corpus/{name}/ is missing or empty");
    let mut inputs = corpus;
    inputs.extend(files(&fuzz_dir().join("artifacts").join(name)));
    inputs.extend(files(&fuzz_dir().join("regressions").join(name)));
    for path in &inputs {
        let data = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if let Err(panic) = std::panic::catch_unwind(|| target(&data)) {
            eprintln!("{name}: {} fails", path.display());
            std::panic::resume_unwind(panic);
        }
    }
    inputs.len()
}

#[test]
fn every_target_has_a_harness_and_a_test_here() {
    let here = include_str!("replay.rs");
    for (name, _) in TARGETS {
        let harness = fuzz_dir().join("fuzz_targets").join(format!("{name}.rs"));
        assert!(harness.is_file(), "no harness {}", harness.display());
        assert!(here.contains(&format!("replays_{name}()")), "no replay test for {name}");
    }
}

#[test]
fn replays_saml_validate() {
    assert!(replay("saml_validate") > 0);
}

#[test]
fn replays_saml_validate_mutated() {
    assert!(replay("saml_validate_mutated") > 0);
}

#[test]
fn replays_c14n() {
    assert!(replay("c14n") > 0);
}

#[test]
fn replays_xml_parse() {
    assert!(replay("xml_parse") > 0);
}

#[test]
fn replays_metadata_import() {
    assert!(replay("metadata_import") > 0);
}

#[test]
fn replays_scim_filter() {
    assert!(replay("scim_filter") > 0);
}

#[test]
fn replays_scim_patch() {
    assert!(replay("scim_patch") > 0);
}

#[test]
fn replays_scim_handler() {
    assert!(replay("scim_handler") > 0);
}
