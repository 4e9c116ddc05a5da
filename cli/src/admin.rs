//! The admin subcommands: workspaces, tokens, SAML configuration and users.
//!
//! Everything printed from the database, an IdP's metadata or an error message goes through
//! [`crate::term`]: names and attributes are tenant-controlled, and printed raw they can
//! drive the operator's terminal.

use std::fs;

use crate::store::Store;
use sso_scim_core::saml::metadata::sp_metadata_for;
use sso_scim_core::saml::{IdpMetadata, ServiceProvider};
use sso_scim_core::token::{ScimToken, hash_token, is_well_formed};
use sso_scim_core::{UserRecord, UserState};
use time::OffsetDateTime;

use crate::args::{SamlCommand, TokenCommand, UsersCommand, WorkspaceCommand};
use crate::settings;
use crate::term::{self, escape};

/// A command failure: the message tells the admin what to do; exit status 1.
pub type Outcome = Result<(), String>;

/// `outcome` with its message escaped for the terminal: messages can quote stored values or
/// the IdP's metadata (an unknown element name, say).
fn terminal_safe(outcome: Outcome) -> Outcome {
    outcome.map_err(|message| escape(&message).into_owned())
}

fn workspace_exists(store: &Store, id: &str) -> Outcome {
    match store.workspace(id).map_err(|e| e.to_string())? {
        Some(_) => Ok(()),
        // Escaped with every other message, by `terminal_safe`.
        None => Err(format!("no workspace \"{id}\"; `sso-scim workspace list` shows the ids")),
    }
}

/// `workspace create|list`.
pub fn workspace(store: &Store, command: WorkspaceCommand) -> Outcome {
    terminal_safe(run_workspace(store, command))
}

fn run_workspace(store: &Store, command: WorkspaceCommand) -> Outcome {
    match command {
        WorkspaceCommand::Create { name, default_role } => {
            let ws = store.create_workspace(&name, default_role.as_deref()).map_err(|e| e.to_string())?;
            eprintln!("created workspace \"{}\" (default role {})", escape(&ws.name), escape(&ws.default_role));
            println!("{}", ws.id);
        }
        WorkspaceCommand::List => {
            let rows: Vec<Vec<String>> = store
                .workspaces()
                .map_err(|e| e.to_string())?
                .into_iter()
                .map(|w| vec![w.id, w.name, w.default_role])
                .collect();
            print!("{}", table(&["ID", "NAME", "DEFAULT ROLE"], &rows));
        }
    }
    Ok(())
}

/// `scim-token create|revoke|list`.
pub fn token(store: &Store, command: TokenCommand) -> Outcome {
    terminal_safe(run_token(store, command))
}

fn run_token(store: &Store, command: TokenCommand) -> Outcome {
    match command {
        TokenCommand::Create { workspace } => {
            workspace_exists(store, &workspace)?;
            let token = ScimToken::generate();
            store.add_token(&workspace, &token.hash()).map_err(|e| e.to_string())?;
            eprintln!("SCIM bearer token for workspace {} (shown once; only its hash is stored):", escape(&workspace));
            println!("{}", token.as_str());
        }
        TokenCommand::Revoke { token } => {
            if !is_well_formed(token.trim()) {
                return Err("that is not an sso-scim token (they start with \"ssoscim_\")".into());
            }
            if !store.revoke_token(&hash_token(token.trim())).map_err(|e| e.to_string())? {
                return Err("no such token (already revoked?)".into());
            }
            println!("revoked");
        }
        TokenCommand::List { workspace } => {
            workspace_exists(store, &workspace)?;
            let rows: Vec<Vec<String>> = store
                .tokens(&workspace)
                .map_err(|e| e.to_string())?
                .into_iter()
                .map(|t| vec![t.hash_prefix, format_time(t.created)])
                .collect();
            print!("{}", table(&["HASH PREFIX", "CREATED"], &rows));
        }
    }
    Ok(())
}

/// `saml import-metadata|sp-metadata|settings` (verify is in its own module).
pub fn saml(store: &Store, command: SamlCommand) -> Outcome {
    terminal_safe(run_saml(store, command))
}

fn run_saml(store: &Store, command: SamlCommand) -> Outcome {
    match command {
        SamlCommand::ImportMetadata { workspace, entity_id, public_url, allow_idp_initiated, file } => {
            workspace_exists(store, &workspace)?;
            let xml = fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            let metadata = IdpMetadata::select(&xml, entity_id.as_deref()).map_err(|e| e.to_string())?;
            let mut s = settings::load(store, &public_url, &workspace)?;
            metadata.apply_to(&mut s);
            s.allow_idp_initiated |= allow_idp_initiated;
            let sp = settings::save(store, &workspace, &s)?;
            // The metadata, certificates included, is the IdP's text.
            println!("IdP entity ID:   {}", escape(metadata.entity_id()));
            println!("IdP sign-in URL: {}", escape(metadata.sso_url(None).unwrap_or("(none)")));
            for cert in sp.idp_certificates() {
                println!(
                    "IdP certificate: {} ({}, SHA-256 {}), expires {}",
                    escape(cert.subject()),
                    escape(&cert.key_description()),
                    escape(&cert.sha256_fingerprint()),
                    format_time(cert.not_after())
                );
            }
            for cert in sp.certificates_expiring_within(OffsetDateTime::now_utc(), 60) {
                eprintln!(
                    "warning: IdP certificate {} ({}) expires {}, within 60 days; plan the rollover",
                    escape(cert.subject()),
                    escape(&cert.key_description()),
                    format_time(cert.not_after())
                );
            }
            println!("Our entity ID (Entra \"Identifier\"): {}", escape(&s.sp_entity_id));
            println!("Our ACS URL (Entra \"Reply URL\"):    {}", escape(&s.acs_url));
        }
        SamlCommand::SpMetadata { workspace } => {
            workspace_exists(store, &workspace)?;
            let s = settings::load(store, "http://127.0.0.1:8080", &workspace)?;
            print!("{}", term::xml(&sp_metadata_for(&s).map_err(|e| e.to_string())?));
        }
        SamlCommand::Settings { workspace } => {
            workspace_exists(store, &workspace)?;
            let s = settings::load(store, "http://127.0.0.1:8080", &workspace)?;
            let configured = ServiceProvider::new(s.clone()).is_ok();
            println!("{}", term::json(&serde_json::to_string_pretty(&s).map_err(|e| e.to_string())?));
            if !configured {
                eprintln!(
                    "the IdP is not configured yet: run `sso-scim saml import-metadata --workspace {} FILE`",
                    escape(&workspace)
                );
            }
        }
        SamlCommand::Verify(_) => unreachable!("handled by verify::run"),
    }
    Ok(())
}

/// `users list`.
pub fn users(store: &Store, command: UsersCommand) -> Outcome {
    terminal_safe(run_users(store, command))
}

fn run_users(store: &Store, command: UsersCommand) -> Outcome {
    let UsersCommand::List { workspace } = command;
    workspace_exists(store, &workspace)?;
    let rows: Vec<Vec<String>> = store.users(&workspace).map_err(|e| e.to_string())?.iter().map(user_row).collect();
    print!("{}", table(&["ID", "USERNAME", "NAME", "EMAIL", "ROLE", "STATE", "UPDATED"], &rows));
    Ok(())
}

fn user_row(u: &UserRecord) -> Vec<String> {
    let name = [u.given_name.as_deref(), u.family_name.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ");
    let state = match u.state {
        UserState::Active => "active",
        UserState::Archived => "archived",
        UserState::Deprovisioned => "deleted (SCIM)",
    };
    vec![
        u.id.clone(),
        u.user_name.clone(),
        name,
        u.email.clone().unwrap_or_default(),
        u.role.clone(),
        state.to_owned(),
        format_time(u.last_modified),
    ]
}

fn format_time(t: OffsetDateTime) -> String {
    format!("{:04}-{:02}-{:02} {:02}:{:02}", t.year(), u8::from(t.month()), t.day(), t.hour(), t.minute())
}

/// A plain-text table with columns padded to their widest cell. Every cell is escaped for
/// the terminal ([`term::escape`]) here, so no caller can forget, and widths are measured on
/// the escaped text, which is what is printed.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let rows: Vec<Vec<String>> =
        rows.iter().map(|row| row.iter().map(|cell| escape(cell).into_owned()).collect()).collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells.iter().enumerate().map(|(i, c)| format!("{c:<w$}", w = widths[i])).collect();
        format!("{}\n", padded.join("  ").trim_end())
    };
    let mut out = line(headers.to_vec());
    for row in &rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    if rows.is_empty() {
        out.push_str("(none)\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_pad_columns() {
        let t = table(&["A", "BB"], &[vec!["xxx".into(), "y".into()], vec!["z".into(), "é".into()]]);
        assert_eq!(t, "A    BB\nxxx  y\nz    é\n");
        assert_eq!(table(&["A"], &[]), "A\n(none)\n");
    }

    #[test]
    fn table_cells_are_escaped_and_aligned_as_printed() {
        let rows = [vec!["a\u{1b}[31m".to_owned(), "x".to_owned()], vec!["bb".to_owned(), "y\nz".to_owned()]];
        let t = table(&["A", "B"], &rows);
        assert_eq!(t, "A        B\na\\e[31m  x\nbb       y\\nz\n");
        assert!(!t.trim_end_matches('\n').split('\n').any(|l| l.contains('\u{1b}')));
    }
}
