//! `sso-scim saml verify`: validate one SAMLResponse and print its JSON contract:
//! `{"ok":true,"identity":{…}}` (exit 0) or `{"ok":false,"error":{"code","message"}}` (exit 1);
//! a usage or settings error exits 2, its code `usage` or the settings' own (`invalid_settings`,
//! `invalid_certificate` for an IdP key under `min_rsa_key_bits`, `invalid_metadata`…).

use std::io::Read;
use std::process::ExitCode;

use serde_json::json;
use sso_scim_core::saml::{IdpMetadata, SamlError, SamlSettings, ServiceProvider};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::args::VerifyArgs;

fn usage(message: String) -> ExitCode {
    println!(
        "{}",
        crate::term::json(&json!({"ok": false, "error": {"code": "usage", "message": message}}).to_string())
    );
    ExitCode::from(2)
}

/// A configuration the core refused: exit 2 like a usage error, with the core's code so a
/// script can tell a weak IdP key from a typo.
fn configuration(context: &str, e: &SamlError) -> ExitCode {
    let message = format!("{context}{}", e.message());
    println!(
        "{}",
        crate::term::json(&json!({"ok": false, "error": {"code": e.code().as_str(), "message": message}}).to_string())
    );
    ExitCode::from(2)
}

/// Run the command.
pub fn run(args: VerifyArgs) -> ExitCode {
    let text = match std::fs::read_to_string(&args.settings) {
        Ok(t) => t,
        Err(e) => return usage(format!("{}: {e}", args.settings.display())),
    };
    let mut settings = match SamlSettings::from_json(&text) {
        Ok(s) => s,
        Err(e) => return configuration(&format!("{}: ", args.settings.display()), &e),
    };
    if let Some(path) = &args.idp_metadata {
        let xml = match std::fs::read_to_string(path) {
            Ok(x) => x,
            Err(e) => return usage(format!("{}: {e}", path.display())),
        };
        match IdpMetadata::parse(&xml) {
            Ok(m) => m.apply_to(&mut settings),
            Err(e) => return configuration(&format!("{}: ", path.display()), &e),
        }
    }
    // Checks every IdP certificate against min_rsa_key_bits, metadata-supplied ones included.
    let sp = match ServiceProvider::new(settings) {
        Ok(sp) => sp,
        Err(e) => return configuration("", &e),
    };
    let now = match &args.now {
        Some(t) => match OffsetDateTime::parse(t, &Rfc3339) {
            Ok(t) => t,
            Err(e) => return usage(format!("--now {t:?}: {e}")),
        },
        None => OffsetDateTime::now_utc(),
    };
    let mut input = Vec::new();
    let read = if args.file == "-" {
        std::io::stdin().read_to_end(&mut input).map(|_| ())
    } else {
        std::fs::read(&args.file).map(|bytes| input = bytes)
    };
    if let Err(e) = read {
        return usage(format!("{}: {e}", args.file));
    }
    match sp.validate_response(&input, now, args.request_id.as_deref()) {
        Ok(identity) => {
            println!("{}", crate::term::json(&json!({"ok": true, "identity": identity}).to_string()));
            ExitCode::SUCCESS
        }
        Err(e) => {
            println!(
                "{}",
                crate::term::json(
                    &json!({"ok": false, "error": {"code": e.code().as_str(), "message": e.message()}}).to_string()
                )
            );
            ExitCode::FAILURE
        }
    }
}
