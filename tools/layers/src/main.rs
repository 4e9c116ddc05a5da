//! `layers [--allow FILE] [--table DIR=TABLE]... DIR...`: looks for import cycles in the
//! crate sources under each DIR, checks the layers of each DIR given a table, and fails on an
//! allow-list entry that matches nothing. Exit status 0 when everything holds, 1 when a check
//! finds a problem (each printed on stderr), 2 on a usage or I/O error.

use std::path::Path;
use std::process::ExitCode;

use sso_scim_layers::{AllowList, Crate, Table, check_layers, find_cycles};

const USAGE: &str = "usage: layers [--allow FILE] [--table SRC_DIR=TABLE]... SRC_DIR...";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(problems) if problems.is_empty() => ExitCode::SUCCESS,
        Ok(problems) => {
            for p in &problems {
                eprintln!("{p}");
            }
            eprintln!("layers: {} problem(s)", problems.len());
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("layers: {e}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// A directory as the allow list names it: `./core/src/` is `core/src`.
fn label(dir: &str) -> String {
    dir.trim_start_matches("./").trim_end_matches('/').to_owned()
}

fn read(path: &str) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))
}

fn run(args: &[String]) -> Result<Vec<String>, String> {
    let mut allow = AllowList::default();
    let mut tables = Vec::new();
    let mut dirs = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--allow" => {
                let path = it.next().ok_or("--allow needs a file")?;
                allow = AllowList::parse(&read(path)?).map_err(|e| format!("{path}: {e}"))?;
            }
            "--table" => {
                let spec = it.next().ok_or("--table needs SRC_DIR=TABLE")?;
                let (dir, path) = spec.split_once('=').ok_or("--table needs SRC_DIR=TABLE")?;
                let table = Table::parse(&read(path)?).map_err(|e| format!("{path}: {e}"))?;
                tables.push((label(dir), table));
            }
            flag if flag.starts_with("--") => return Err(format!("unknown option {flag}")),
            dir => dirs.push(label(dir)),
        }
    }
    if dirs.is_empty() {
        return Err("no source directory".into());
    }
    if let Some((dir, _)) = tables.iter().find(|(d, _)| !dirs.contains(d)) {
        return Err(format!("a table is given for {dir}, which is not among the directories"));
    }
    let mut problems = Vec::new();
    for dir in &dirs {
        let krate = Crate::read_dir(Path::new(dir)).map_err(|e| format!("{dir}: {e}"))?;
        let found = problems.len();
        if let Some((_, table)) = tables.iter().find(|(d, _)| d == dir) {
            problems.extend(check_layers(&krate, table, &allow, dir));
        }
        problems.extend(find_cycles(&krate, &allow, dir));
        if problems.len() == found {
            let layered = if tables.iter().any(|(d, _)| d == dir) { "layers hold, " } else { "" };
            println!(
                "layers: {dir}: {layered}no import cycle ({} paths in {} files)",
                krate.refs.len(),
                krate.files.len()
            );
        }
    }
    let checked: Vec<&str> = dirs.iter().map(String::as_str).collect();
    problems.extend(allow.unused(&checked));
    Ok(problems)
}
