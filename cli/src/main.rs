//! `sso-scim`: the reference host of sso-scim — SCIM provisioning and SAML sign-in served over
//! HTTP on SQLite — and the tools to administer it (README "Reference host: `sso-scim serve` and
//! the admin CLI"; how it is built: docs/ARCHITECTURE.md).

mod admin;
mod args;
mod files;
mod serve;
mod settings;
mod store;
mod term;
mod verify;

use std::process::ExitCode;

use args::{Cli, Command, SamlCommand};
use clap::Parser;
use store::{Store, Target};

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
    if let Command::Saml(SamlCommand::Verify(args)) = cli.command {
        return verify::run(args);
    }
    let target = Target::of(&cli.db);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => return fail(&format!("cannot start the runtime: {e}")),
    };
    let result = match cli.command {
        Command::Serve(args) => runtime.block_on(serve::run(&target, args)),
        command => match Store::open(&target, runtime.handle()) {
            Err(e) => Err(e),
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
        Err(message) => fail(&message),
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("error: {}", term::escape(message));
    ExitCode::FAILURE
}
