//! Every input up to the size cap is answered in time linear in its size: the instructions
//! spent validating each adversarial response of `saml_bombs` are counted by callgrind with
//! 25 KB and with 250 KB of hostile content (≈31 KB and ≈256 KB in all), and the larger may
//! cost at most 12× the smaller (10× the hostile bytes, plus slack). Instruction counts are deterministic where timings are not, so this
//! is a test; timings are the benchmark's business (`core/benches/saml.rs`).
//!
//! The count covers only `measured_validation` (callgrind's `--toggle-collect`), in a child
//! run of this same test binary that reads the response from a file the parent wrote.
//!
//! The one core test binary kept apart from `saml`: its callgrind children are some 20 s of
//! single-threaded, CPU-bound work, and alone they run when no other test of the core does.
//! Folded into `saml` they shared the cores with its tests, which made that binary slower by
//! more than the folding saved (one link, lost in the noise of the build time).

#[path = "saml_support/mod.rs"]
mod saml_support;

#[path = "saml_bombs/mod.rs"]
mod saml_bombs;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use saml_bombs::{Bomb, bombs};
use saml_support::*;
use sso_scim_core::saml::{Identity, SamlError, ServiceProvider};

const SMALL: usize = 25_000;
const LARGE: usize = 250_000;
const MAX_RATIO: f64 = 12.0;
/// Set in the child run: the file holding the response to validate once.
const PROBE_ENV: &str = "SSO_SCIM_COST_PROBE";

fn provider() -> ServiceProvider {
    ServiceProvider::new(settings(&TestKey::load("idp"))).unwrap()
}

/// The only code callgrind counts.
#[inline(never)]
fn measured_validation(sp: &ServiceProvider, xml: &[u8]) -> Result<Identity, SamlError> {
    sp.validate_response(xml, NOW, Some(REQUEST_ID))
}

/// Every adversarial response is answered as its form says (accepted or refused) and fits
/// the default size cap. In the child run it validates the probe file once instead.
#[test]
fn every_bomb_is_answered() {
    let sp = provider();
    if let Ok(path) = std::env::var(PROBE_ENV) {
        let xml = std::fs::read(path).unwrap();
        let _ = std::hint::black_box(measured_validation(&sp, &xml));
        return;
    }
    let idp = TestKey::load("idp");
    for size in [SMALL, LARGE] {
        for bomb in bombs(&idp, size) {
            assert!(bomb.xml.len() <= 256 * 1024, "{} at {size} is {} bytes", bomb.name, bomb.xml.len());
            let result = measured_validation(&sp, bomb.xml.as_bytes());
            assert_eq!(result.is_ok(), bomb.accepted, "{} at {size}: {:?}", bomb.name, result.err());
        }
    }
}

/// Instructions callgrind counted in `measured_validation` for `xml`.
fn instructions(dir: &Path, bomb: &Bomb, size: usize) -> u64 {
    let stem = format!("{}-{size}", bomb.name.replace('/', "-"));
    let input = dir.join(format!("{stem}.xml"));
    let output = dir.join(format!("{stem}.callgrind"));
    std::fs::write(&input, &bomb.xml).unwrap();
    let status = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg("--quiet")
        .arg(format!("--callgrind-out-file={}", output.display()))
        .arg("--toggle-collect=*measured_validation*")
        .arg(std::env::current_exe().unwrap())
        .args(["--exact", "every_bomb_is_answered", "--test-threads=1", "--quiet"])
        .env(PROBE_ENV, &input)
        // The child is a run of this test binary: its own test summary is not this run's.
        .stdout(Stdio::null())
        .status()
        .unwrap_or_else(|e| panic!("valgrind could not be run ({e}); `make prerequisites` installs it"));
    assert!(status.success(), "callgrind run of {stem} failed: {status}");
    let profile = std::fs::read_to_string(&output).unwrap();
    let total = profile
        .lines()
        .find_map(|l| l.strip_prefix("summary:").or_else(|| l.strip_prefix("totals:")))
        .and_then(|n| n.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| panic!("no instruction total in {}", output.display()));
    assert!(total > 0, "callgrind counted nothing for {stem}: the toggle did not match measured_validation");
    total
}

#[test]
fn instruction_counts_grow_linearly_with_input() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("saml_cost");
    std::fs::create_dir_all(&dir).unwrap();
    let idp = TestKey::load("idp");
    let small = bombs(&idp, SMALL);
    let large = bombs(&idp, LARGE);
    let mut report = Vec::new();
    let mut failures = Vec::new();
    for (s, l) in small.iter().zip(&large) {
        assert_eq!(s.name, l.name);
        let (a, b) = (instructions(&dir, s, SMALL), instructions(&dir, l, LARGE));
        let ratio = b as f64 / a as f64;
        report.push(format!("{:<26} {:>12} {:>13} {ratio:>6.2}", s.name, a, b));
        if ratio > MAX_RATIO {
            failures.push(format!("{}: {a} → {b} instructions, {ratio:.1}× for 10× the bytes", s.name));
        }
    }
    println!("{:<26} {:>12} {:>13} {:>6}\n{}", "input", "with 25 KB", "with 250 KB", "ratio", report.join("\n"));
    assert!(failures.is_empty(), "validation grows faster than its input:\n{}", failures.join("\n"));
}
