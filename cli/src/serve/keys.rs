//! Where the cookie-signing keys come from, and how to rotate them.
//!
//! By default the key is a secret kept in the database (drawn on first start). That is simple,
//! but whoever obtains a copy of the database — a backup, a snapshot, a support bundle — can
//! then forge a signed-in session for any user. On a server reachable from the internet, keep
//! the keys outside the database instead, in one of (the first present wins):
//!
//! 1. a **key file** (`serve --cookie-key-file PATH`): one key per line; the first key is the
//!    current one (it signs new sessions), the lines after it are previous keys, still accepted.
//!    Empty lines and lines starting with `#` are ignored. The file must be mode 0600 (no
//!    group or other permission bit) or `serve` refuses to start;
//! 2. the environment variable **`SSO_SCIM_COOKIE_KEYS`**: keys separated by commas or white
//!    space, current first. Set but empty is an error (a template that expanded to nothing
//!    should not silently fall back to the database key);
//! 3. the database secret `cookie-signing-key`, as before.
//!
//! Each key is base64 (standard or URL-safe alphabet, padding optional) of at least 32 random
//! bytes; at most [`MAX_KEYS`] keys. Errors name the key by position, never by value.
//!
//! **Rotation.** Generate a new key (`head -c 32 /dev/urandom | base64`), put it first and
//! keep the old one second, restart. Sessions sealed with the old key keep working until they
//! expire (8 hours after sign-in); after that, remove the old key and restart again. Moving
//! from the database key to external keys signs everybody out once (the database key is
//! deliberately not accepted next to external ones: it is what leaks with the database).

// Until `serve` calls `cookie_jar` (its `--cookie-key-file` option and the environment variable
// are being added alongside), only the tests use this module.

use std::path::Path;

use crate::store::Store;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD_PAD_INDIFFERENT, URL_SAFE_PAD_INDIFFERENT};

use super::cookie::CookieJar;
use crate::files::check_private_key_file;

/// The environment variable holding cookie keys (its value is what `cookie_jar` takes as
/// `env_value`).
pub const ENV: &str = "SSO_SCIM_COOKIE_KEYS";

/// Most keys accepted at once: a current one and a few being rotated out. More means keys
/// nobody removed, each one more secret that can forge sessions.
pub const MAX_KEYS: usize = 8;

/// Shortest key, in bytes: HMAC-SHA-256 is only as strong as its key up to 256 bits.
pub const MIN_KEY_BYTES: usize = 32;

/// The database secret used when no key is configured elsewhere.
const DATABASE_SECRET: &str = "cookie-signing-key";

/// The cookie jar `serve` uses: keys from `key_file` if given, else from `env_value` (the
/// content of [`ENV`], if set), else the database secret (created on first use). See the
/// module documentation for the formats. The error tells the operator what is wrong and with
/// which key (by position), never showing a key.
pub fn cookie_jar(store: &Store, key_file: Option<&Path>, env_value: Option<&str>) -> Result<CookieJar, String> {
    let jar = match external_keys(key_file, env_value)? {
        Some(Keys { keys, source }) => {
            let previous: Vec<&[u8]> = keys[1..].iter().map(Vec::as_slice).collect();
            let jar = CookieJar::with_keys(&keys[0], &previous);
            tracing::info!(source = %source, keys = jar.key_count(), "cookie-signing keys loaded");
            jar
        }
        None => {
            let secret = store.secret(DATABASE_SECRET, MIN_KEY_BYTES).map_err(|e| e.to_string())?;
            tracing::info!(source = "the database", "cookie-signing key loaded");
            CookieJar::new(&secret)
        }
    };
    Ok(jar)
}

/// Keys configured outside the database.
struct Keys {
    /// Decoded, current first; between 1 and [`MAX_KEYS`].
    keys: Vec<Vec<u8>>,
    /// Where they came from, for messages and the log.
    source: String,
}

/// The keys from the key file or the environment variable, or `None` when neither is given.
fn external_keys(key_file: Option<&Path>, env_value: Option<&str>) -> Result<Option<Keys>, String> {
    if let Some(path) = key_file {
        if env_value.is_some() {
            tracing::warn!("{ENV} is ignored: --cookie-key-file is given");
        }
        check_private_key_file(path)?;
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let source = format!("the key file {}", path.display());
        let lines = text
            .lines()
            .enumerate()
            .map(|(i, line)| (i + 1, line.trim()))
            .filter(|(_, line)| !line.is_empty() && !line.starts_with('#'));
        let keys = lines
            .enumerate()
            .map(|(k, (n, line))| decode(line).map_err(|why| format!("{source}, key {} (line {n}): {why}", k + 1)))
            .collect::<Result<Vec<_>, _>>()?;
        return checked_count(keys, source).map(Some);
    }
    if let Some(value) = env_value {
        let source = ENV.to_owned();
        let words = value.split(|c: char| c == ',' || c.is_whitespace()).filter(|w| !w.is_empty());
        let keys = words
            .enumerate()
            .map(|(k, word)| decode(word).map_err(|why| format!("{source}, key {}: {why}", k + 1)))
            .collect::<Result<Vec<_>, _>>()?;
        return checked_count(keys, source).map(Some);
    }
    Ok(None)
}

fn checked_count(keys: Vec<Vec<u8>>, source: String) -> Result<Keys, String> {
    if keys.is_empty() {
        return Err(format!(
            "{source} holds no key (generate one with `head -c 32 /dev/urandom | base64`, or remove the setting \
             to use the key kept in the database)"
        ));
    }
    if keys.len() > MAX_KEYS {
        return Err(format!(
            "{source} holds {} keys; at most {MAX_KEYS} are accepted (remove keys retired more than 8 hours ago: \
             no session sealed with them is still valid)",
            keys.len()
        ));
    }
    Ok(Keys { keys, source })
}

/// One key from its base64 text. The reason never quotes the text: it is a secret, and a
/// typo'd secret is still most of one.
fn decode(text: &str) -> Result<Vec<u8>, String> {
    let bytes = STANDARD_PAD_INDIFFERENT
        .decode(text)
        .or_else(|_| URL_SAFE_PAD_INDIFFERENT.decode(text))
        .map_err(|_| "not base64 (standard or URL-safe alphabet, padding optional)".to_owned())?;
    if bytes.len() < MIN_KEY_BYTES {
        return Err(format!(
            "decodes to {} bytes; a key needs at least {MIN_KEY_BYTES} random bytes \
             (generate one with `head -c 32 /dev/urandom | base64`)",
            bytes.len()
        ));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::os::unix::fs::PermissionsExt as _;
    use std::path::PathBuf;

    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    use time::OffsetDateTime;

    use super::*;
    use crate::serve::cookie::Session;

    struct Temp(PathBuf);

    impl Temp {
        fn new(tag: &str) -> Temp {
            let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
            let dir = std::env::temp_dir().join(format!("sso-scim-keys-{tag}-{}-{nanos}", std::process::id()));
            fs::create_dir_all(&dir).unwrap();
            Temp(dir)
        }

        fn key_file(&self, name: &str, text: &str, mode: u32) -> PathBuf {
            let path = self.0.join(name);
            fs::write(&path, text).unwrap();
            fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
            path
        }

        fn store(&self) -> Store {
            Store::Sqlite(sso_scim_sqlite::SqliteDirectory::open(self.0.join("test.db")).unwrap())
        }
    }

    impl Drop for Temp {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn key(byte: u8) -> String {
        STANDARD.encode([byte; 32])
    }

    fn now() -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_000_000).unwrap()
    }

    fn session() -> Session {
        Session { ws: "ws_1".into(), uid: "u1".into(), exp: 1_000_000 + 8 * 3600 }
    }

    #[test]
    fn rotation_through_a_key_file() {
        let t = Temp::new("rotate-file");
        let store = t.store();
        let (old, new) = (key(1), key(2));
        let before = t.key_file("before", &format!("# cookie keys\n{old}\n"), 0o600);
        let sealed_old = cookie_jar(&store, Some(&before), None).unwrap().seal(&session());

        // Rotate: new key first, old one kept (with comments and blank lines around).
        let rotated =
            t.key_file("rotated", &format!("# current\n{new}\n\n# previous, drop after 8 h\n  {old}  \n"), 0o600);
        let jar = cookie_jar(&store, Some(&rotated), None).unwrap();
        assert_eq!(jar.key_count(), 2);
        assert_eq!(jar.open(&sealed_old, now()), Some(session()), "old sessions survive the rotation");
        let sealed_new = jar.seal(&session());
        assert_eq!(jar.open(&sealed_new, now()), Some(session()));

        // Old key dropped: old cookies refused, new ones still open.
        let after = t.key_file("after", &format!("{new}\n"), 0o600);
        let jar = cookie_jar(&store, Some(&after), None).unwrap();
        assert_eq!(jar.open(&sealed_old, now()), None, "the dropped key no longer opens");
        assert_eq!(jar.open(&sealed_new, now()), Some(session()));
    }

    #[test]
    fn rotation_through_the_environment() {
        let t = Temp::new("rotate-env");
        let store = t.store();
        let (old, new) = (key(3), key(4));
        let sealed_old = cookie_jar(&store, None, Some(&old)).unwrap().seal(&session());
        for value in [format!("{new},{old}"), format!(" {new}\n{old} "), format!("{new}, {old}")] {
            let jar = cookie_jar(&store, None, Some(&value)).unwrap();
            assert_eq!(jar.key_count(), 2, "{value:?}");
            assert_eq!(jar.open(&sealed_old, now()), Some(session()));
            // The current key is the first: what it seals opens under the new key alone.
            let sealed = jar.seal(&session());
            assert_eq!(cookie_jar(&store, None, Some(&new)).unwrap().open(&sealed, now()), Some(session()));
        }
        assert_eq!(cookie_jar(&store, None, Some(&new)).unwrap().open(&sealed_old, now()), None);
    }

    #[test]
    fn the_key_file_wins_over_the_environment_which_wins_over_the_database() {
        let t = Temp::new("order");
        let store = t.store();
        let file = t.key_file("keys", &key(5), 0o600);
        let from_file = cookie_jar(&store, Some(&file), Some(&key(6))).unwrap().seal(&session());
        assert!(CookieJar::new(&[5; 32]).open(&from_file, now()).is_some());
        let from_env = cookie_jar(&store, None, Some(&key(6))).unwrap().seal(&session());
        assert!(CookieJar::new(&[6; 32]).open(&from_env, now()).is_some());
        // Neither: the database secret, stable across calls.
        let from_db = cookie_jar(&store, None, None).unwrap().seal(&session());
        let secret = store.secret(DATABASE_SECRET, MIN_KEY_BYTES).unwrap();
        assert!(CookieJar::new(&secret).open(&from_db, now()).is_some());
        assert!(cookie_jar(&store, None, None).unwrap().open(&from_db, now()).is_some());
        // External keys do not accept what the database key sealed.
        assert!(cookie_jar(&store, None, Some(&key(6))).unwrap().open(&from_db, now()).is_none());
    }

    #[test]
    fn both_alphabets_and_optional_padding_are_accepted() {
        // 33 bytes of 0xfb: '+' and '/' in the standard alphabet, '-' and '_' in the URL-safe one.
        let bytes = [0xfbu8; 33];
        for text in [STANDARD.encode(bytes), URL_SAFE_NO_PAD.encode(bytes)] {
            assert_eq!(decode(&text).unwrap(), bytes, "{text}");
        }
        let padded = STANDARD.encode([7u8; 32]);
        assert!(padded.ends_with('='));
        assert_eq!(decode(&padded).unwrap(), [7u8; 32]);
        assert_eq!(decode(padded.trim_end_matches('=')).unwrap(), [7u8; 32]);
    }

    #[test]
    fn bad_keys_are_named_by_position_never_shown() {
        let t = Temp::new("bad");
        let store = t.store();
        let short = STANDARD.encode([9u8; 16]);
        let err = cookie_jar(&store, None, Some(&format!("{},{short}", key(1)))).err().unwrap();
        assert!(err.starts_with("SSO_SCIM_COOKIE_KEYS, key 2: decodes to 16 bytes"), "{err}");
        assert!(!err.contains(&short), "the key is not shown: {err}");

        let bad = "not*base64!secret";
        let err = cookie_jar(&store, None, Some(bad)).err().unwrap();
        assert!(err.starts_with("SSO_SCIM_COOKIE_KEYS, key 1: not base64"), "{err}");
        assert!(!err.contains("secret"), "the key is not shown: {err}");

        let file = t.key_file("keys", &format!("# header\n{}\n\n{bad}\n", key(1)), 0o600);
        let err = cookie_jar(&store, Some(&file), None).err().unwrap();
        assert!(err.contains(", key 2 (line 4): not base64"), "{err}");
        assert!(!err.contains("secret"), "the key is not shown: {err}");
    }

    #[test]
    fn too_many_or_no_keys_are_refused() {
        let t = Temp::new("count");
        let store = t.store();
        let eight: Vec<String> = (0..8).map(key).collect();
        assert_eq!(cookie_jar(&store, None, Some(&eight.join(","))).unwrap().key_count(), 8);
        let nine = format!("{},{}", eight.join(","), key(8));
        let err = cookie_jar(&store, None, Some(&nine)).err().unwrap();
        assert!(err.contains("holds 9 keys; at most 8"), "{err}");

        for empty in ["", " , \n"] {
            let err = cookie_jar(&store, None, Some(empty)).err().unwrap();
            assert!(err.starts_with("SSO_SCIM_COOKIE_KEYS holds no key"), "{err}");
        }
        let file = t.key_file("empty", "# nothing yet\n\n", 0o600);
        let err = cookie_jar(&store, Some(&file), None).err().unwrap();
        assert!(err.contains("holds no key"), "{err}");
    }

    #[test]
    fn a_key_file_others_can_read_is_refused() {
        let t = Temp::new("mode");
        let store = t.store();
        for mode in [0o644, 0o640] {
            let file = t.key_file(&format!("keys{mode:o}"), &key(1), mode);
            let err = cookie_jar(&store, Some(&file), None).err().unwrap();
            assert!(err.contains(&format!("(mode {mode:04o})")), "{err}");
            assert!(err.contains("chmod 600"), "{err}");
        }
        let err = cookie_jar(&store, Some(&t.0.join("absent")), None).err().unwrap();
        assert!(err.contains("does not exist"), "{err}");
    }
}
