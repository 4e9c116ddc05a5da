//! `include/sso_scim.h` is what cbindgen makes of this crate now, byte for byte, and its
//! result enum names every core error code with its stable number.

use std::path::{Path, PathBuf};

use sso_scim_core::{ErrorCode, ErrorFamily};

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn header_path() -> PathBuf {
    crate_dir().join("../include/sso_scim.h")
}

fn generate() -> String {
    let dir = crate_dir();
    let config = cbindgen::Config::from_file(dir.join("cbindgen.toml")).expect("ffi/cbindgen.toml");
    let bindings = cbindgen::Builder::new()
        .with_crate(&dir)
        .with_config(config)
        .generate()
        .expect("cbindgen generates the header");
    let mut out = Vec::new();
    bindings.write(&mut out);
    String::from_utf8(out).expect("the header is UTF-8")
}

#[test]
fn the_committed_header_is_fresh() {
    let generated = generate();
    let path = header_path();
    if std::env::var_os("UPDATE_HEADER").is_some() {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != generated {
        let line = committed.lines().zip(generated.lines()).position(|(a, b)| a != b);
        panic!(
            "{} is stale (first difference at line {}); regenerate it with \
             UPDATE_HEADER=1 cargo test -p sso-scim-ffi --test header",
            path.display(),
            line.map_or_else(|| "end".to_owned(), |l| (l + 1).to_string())
        );
    }
}

/// `SSO_SCIM_RESULT_<CODE> = n` for every row of the core's error table, numbered in
/// `ErrorCode::ALL` order, and nothing else in the enum beyond the C ABI's own four (the
/// internal family, a caught bug, is the C ABI's `PANIC`).
#[test]
fn the_result_enum_covers_every_core_code() {
    let header = std::fs::read_to_string(header_path()).unwrap();
    let start = header.find("enum sso_scim_result").expect("the result enum");
    let body = &header[start..start + header[start..].find("};").unwrap()];
    let values: Vec<(String, u32)> = body
        .lines()
        .filter_map(|l| {
            let (name, value) = l.trim().trim_end_matches(',').split_once(" = ")?;
            Some((name.strip_prefix("SSO_SCIM_RESULT_")?.to_owned(), value.parse().ok()?))
        })
        .collect();
    let mut expected: Vec<(String, u32)> = vec![("OK".into(), 0)];
    for (i, code) in ErrorCode::ALL.iter().enumerate().filter(|(_, c)| c.family() != ErrorFamily::Internal) {
        expected.push((code.as_str().to_uppercase(), u32::try_from(i + 1).unwrap()));
    }
    expected.extend([("NULL_PARAMETER".into(), 1000), ("PANIC".into(), 1001), ("INVALID_UTF8".into(), 1002)]);
    assert_eq!(values, expected);
}

#[test]
fn every_exported_function_is_declared_and_documented() {
    let header = std::fs::read_to_string(header_path()).unwrap();
    let sources = ["lib.rs", "result.rs", "handler.rs", "saml.rs", "store.rs"];
    let mut exported = 0;
    for file in sources {
        let text = std::fs::read_to_string(Path::new(&crate_dir()).join("src").join(file)).unwrap();
        for chunk in text.split("#[unsafe(no_mangle)]").skip(1) {
            let name = chunk.split("fn ").nth(1).unwrap().split('(').next().unwrap().trim();
            exported += 1;
            let call = format!("{name}(");
            let at = header
                .match_indices(&call)
                .map(|(i, _)| i)
                .find(|&i| matches!(header.as_bytes()[i - 1], b' ' | b'*'))
                .unwrap_or_else(|| panic!("{name} missing from the header"));
            // The line above the declaration ends a `//` comment block.
            let line_start = header[..at].rfind('\n').unwrap_or(0);
            let above = header[..line_start].lines().last().unwrap_or("");
            assert!(above.trim_start().starts_with("//"), "{name} has no documentation in the header");
        }
    }
    assert!(exported >= 40, "only {exported} exported functions found");
}
