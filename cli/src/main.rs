//! `sso-scim`: the reference host of sso-scim — SCIM provisioning and SAML sign-in served over
//! HTTP on SQLite — and the tools to administer it (README "Reference host: `sso-scim serve` and
//! the admin CLI"; how it is built: docs/ARCHITECTURE.md).

mod admin;
mod args;
mod files;
mod serve;
mod settings;
mod term;
mod verify;

use std::process::ExitCode;

use args::{Cli, Command, SamlCommand};
use clap::Parser;
use sso_scim_sqlite::SqliteDirectory;

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let result = match cli.command {
        Command::Saml(SamlCommand::Verify(args)) => return verify::run(args),
        Command::Serve(args) => match tokio::runtime::Runtime::new() {
            Ok(runtime) => runtime.block_on(serve::run(&cli.db, args)),
            Err(e) => Err(format!("cannot start the runtime: {e}")),
        },
        command => match SqliteDirectory::open(&cli.db) {
            Err(e) => Err(format!("{}: {e}", cli.db.display())),
            Ok(store) => match command {
                Command::Workspace(c) => admin::workspace(&store, c),
                Command::ScimToken(c) => admin::token(&store, c),
                Command::Saml(c) => admin::saml(&store, c),
                Command::Users(c) => admin::users(&store, c),
                Command::Serve(_) => unreachable!("handled above"),
            },
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {}", term::escape(&message));
            ExitCode::FAILURE
        }
    }
}
