//! The host on a shared machine: its database files are private whatever the umask, and what
//! the admin commands print from tenant-controlled data cannot drive the operator's terminal.

mod common;

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{TempDir, bin, run_ok};
use serde_json::{Value, json};
use sso_scim_core::executor::now_or_never;
use sso_scim_core::saml::SamlSettings;
use sso_scim_core::{Directory, UserRecord, UserState};
use sso_scim_sqlite::SqliteDirectory;
use time::OffsetDateTime;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).permissions().mode() & 0o777
}

fn beside(db: &Path, suffix: &str) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// `sh -c 'umask 022 && exec sso-scim --db DB ARGS…'`: std cannot set the umask itself.
fn under_umask_022(db: &Path, args: &[&str]) -> Command {
    let mut command = Command::new("sh");
    command.arg("-c").arg(r#"umask 022 && exec "$@""#).arg("sh").arg(bin()).arg("--db").arg(db).args(args);
    command
}

#[test]
fn the_database_is_private_under_umask_022() {
    let dir = TempDir::new("umask");
    let db = dir.db();
    let out = under_umask_022(&db, &["workspace", "create", "--name", "Acme"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(mode(&db), 0o600);

    // While a server holds it open, the WAL and its index exist: they are private too.
    let mut child = under_umask_022(&db, &["serve", "--listen", "127.0.0.1:0"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let listening = loop {
        match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(line) if line.starts_with("sso-scim: listening on") => break true,
            Ok(_) => continue,
            Err(_) => break false,
        }
    };
    let modes: Vec<(PathBuf, Option<u32>)> = [db.clone(), beside(&db, "-wal"), beside(&db, "-shm")]
        .into_iter()
        .map(|p| {
            let m = p.exists().then(|| mode(&p));
            (p, m)
        })
        .collect();
    let _ = child.kill();
    let _ = child.wait();
    assert!(listening, "serve started");
    for (path, m) in modes {
        assert_eq!(m, Some(0o600), "{} exists and is private while serving", path.display());
    }
}

/// Characters a terminal could act on, in one value (NUL aside: a command-line argument
/// cannot hold it, so it goes into another field below).
const HOSTILE: &str = "evil\u{1b}[2J\u{1b}]0;owned\u{7}\r\nx\u{7f}\u{9b}31m\u{202e}gpj\\";
/// How `HOSTILE` is printed.
const ESCAPED: &str = r"evil\e[2J\e]0;owned\u{7}\r\nx\u{7f}\u{9b}31m\u{202e}gpj\\";

/// Nothing a terminal acts on: no byte below 0x20 but line feeds, no DEL, no C1 control
/// (U+0080–U+009F) and no bidi override.
fn assert_inert(text: &str) {
    for (i, b) in text.bytes().enumerate() {
        assert!(b >= 0x20 && b != 0x7f || b == b'\n', "byte {b:#04x} at {i} in {text:?}");
    }
    for c in text.chars() {
        assert!(!('\u{80}'..='\u{9f}').contains(&c), "C1 {c:?} in {text:?}");
        assert!(!('\u{202a}'..='\u{202e}').contains(&c) && !('\u{2066}'..='\u{2069}').contains(&c), "bidi in {text:?}");
    }
}

/// A workspace named `HOSTILE` (the admin's own input, but echoed and listed) holding a user
/// whose every text field is `HOSTILE`, stored straight into the database: SCIM may refuse
/// such values, a database written by an older build or by hand need not have.
fn hostile_database(dir: &TempDir) -> String {
    let db = dir.db();
    let created = common::run(&db, &["workspace", "create", "--name", HOSTILE]);
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    assert_inert(&String::from_utf8(created.stderr).unwrap());
    let workspace = String::from_utf8(created.stdout).unwrap().trim().to_owned();
    let store = SqliteDirectory::open(&db).unwrap();
    let resource = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": HOSTILE,
        "name": {"givenName": HOSTILE, "familyName": "\t\0"},
        "emails": [{"primary": true, "value": HOSTILE}],
    });
    let Value::Object(resource) = resource else { unreachable!() };
    let user = UserRecord::new(&workspace, "u-1", HOSTILE, UserState::Active, OffsetDateTime::now_utc(), resource);
    now_or_never(store.insert_user(&user)).expect("ready at once").unwrap();
    let mut settings = SamlSettings::new(
        &format!("https://sp.example/{HOSTILE}"),
        &format!("https://sp.example/acs/{HOSTILE}"),
        "",
        Vec::new(),
    );
    settings.name_id_format = Some(HOSTILE.to_owned());
    store.set_saml_settings(&workspace, &serde_json::to_string(&settings).unwrap()).unwrap();
    workspace
}

#[test]
fn users_list_escapes_tenant_data() {
    let dir = TempDir::new("term-users");
    let workspace = hostile_database(&dir);
    let out = run_ok(&dir.db(), &["users", "list", "--workspace", &workspace]);
    assert_inert(&out);
    assert_eq!(out.lines().count(), 2, "a header and one row, no forged lines: {out}");
    assert!(out.contains(ESCAPED), "{out}");
    assert!(out.contains(&format!("{ESCAPED} \\t\\0  ")), "given and family name: {out}");
}

#[test]
fn workspace_list_escapes_names() {
    let dir = TempDir::new("term-workspaces");
    hostile_database(&dir);
    let out = run_ok(&dir.db(), &["workspace", "list"]);
    assert_inert(&out);
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(out.contains(ESCAPED), "{out}");
}

#[test]
fn saml_settings_and_metadata_keep_their_meaning_and_spare_the_terminal() {
    let dir = TempDir::new("term-saml");
    let workspace = hostile_database(&dir);

    let out = common::run(&dir.db(), &["saml", "settings", "--workspace", &workspace]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_inert(&stdout);
    assert_inert(&String::from_utf8(out.stderr).unwrap());
    let shown: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(shown["sp_entity_id"], format!("https://sp.example/{HOSTILE}"), "the same value, escaped as JSON");

    let out = common::run(&dir.db(), &["saml", "sp-metadata", "--workspace", &workspace]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_inert(&stdout);
    assert!(stdout.contains("&#x9b;31m&#x202e;gpj"), "{stdout}");
}

#[test]
fn serve_refuses_a_database_others_can_read_and_says_how_to_fix_it() {
    let dir = TempDir::new("open-db");
    let db = dir.db();
    run_ok(&db, &["workspace", "create", "--name", "Acme"]);
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = Command::new(bin()).arg("--db").arg(&db).args(["serve", "--listen", "127.0.0.1:0"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "serve started on a world-readable database");
    assert!(stderr.contains("mode 0644") && stderr.contains("chmod 600"), "{stderr}");
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o600)).unwrap();
    let server = common::Server::start(&db);
    assert_eq!(server.request("GET", "/healthz", &[], "").status, 200, "after the chmod it serves");
}

#[test]
fn serve_signs_sessions_with_keys_from_outside_the_database() {
    let dir = TempDir::new("keyfile");
    let key_file = dir.0.join("cookie.keys");
    std::fs::write(&key_file, "# current first\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n").unwrap();
    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let file = key_file.to_str().unwrap();
    let out = Command::new(bin())
        .arg("--db")
        .arg(dir.db())
        .args(["serve", "--listen", "127.0.0.1:0", "--cookie-key-file", file])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && stderr.contains("chmod 600"), "a readable key file is refused: {stderr}");
    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let server = common::Server::start_with(&dir.db(), &["--cookie-key-file", file], &[]);
    assert_eq!(server.request("GET", "/healthz", &[], "").status, 200);
    drop(server);
    let short = Command::new(bin())
        .arg("--db")
        .arg(dir.db())
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("SSO_SCIM_COOKIE_KEYS", "AAEC")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&short.stderr);
    assert!(!short.status.success() && stderr.contains("32"), "a short key is refused: {stderr}");
    assert!(!stderr.contains("AAEC"), "the key itself is never printed: {stderr}");
}
