//! The command line (DESIGN.md "Reference host and tools"): `--db` is global and may come
//! before or after the subcommand.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// sso-scim: SAML single sign-on and SCIM provisioning for a multi-tenant product, served over
/// HTTP on SQLite, and the tools to administer it.
#[derive(Debug, Parser)]
#[command(name = "sso-scim", version, propagate_version = true)]
pub struct Cli {
    /// The SQLite database file (created if missing).
    #[arg(long, global = true, default_value = "sso-scim.db", value_name = "FILE")]
    pub db: PathBuf,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve SCIM at /scim/v2 and SAML at /saml/{workspace}/… . On an empty database, create a
    /// workspace and print its SCIM URL and a bearer token once.
    Serve(ServeArgs),
    /// Create and list workspaces.
    #[command(subcommand)]
    Workspace(WorkspaceCommand),
    /// Create and revoke SCIM bearer tokens.
    #[command(subcommand, name = "scim-token")]
    ScimToken(TokenCommand),
    /// SAML: import IdP metadata, print SP metadata, show settings, verify a response.
    #[command(subcommand)]
    Saml(SamlCommand),
    /// Inspect provisioned users.
    #[command(subcommand)]
    Users(UsersCommand),
}

/// `serve` options.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    pub listen: SocketAddr,
    /// The URL clients reach this server at (SCIM locations, SAML ACS and entity IDs);
    /// default `http://ADDR`.
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,
}

/// `workspace` subcommands.
#[derive(Debug, Subcommand)]
pub enum WorkspaceCommand {
    /// Create a workspace; prints its id as the last line.
    Create {
        /// Display name.
        #[arg(long)]
        name: String,
        /// Role given to users created by SCIM (default "Project Manager").
        #[arg(long, value_name = "ROLE")]
        default_role: Option<String>,
    },
    /// List workspaces.
    List,
}

/// `scim-token` subcommands.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a bearer token for a workspace; prints it (once) as the last line.
    Create {
        /// The workspace id.
        #[arg(long, value_name = "ID")]
        workspace: String,
    },
    /// Revoke a token (give the token itself).
    Revoke {
        /// The token text (`ssoscim_…`).
        token: String,
    },
    /// List a workspace's tokens (hash prefixes and creation times; tokens are never stored).
    List {
        /// The workspace id.
        #[arg(long, value_name = "ID")]
        workspace: String,
    },
}

/// `saml` subcommands.
#[derive(Debug, Subcommand)]
pub enum SamlCommand {
    /// Configure a workspace's IdP from federation metadata (Entra: App Federation Metadata).
    ImportMetadata {
        /// The workspace id.
        #[arg(long, value_name = "ID")]
        workspace: String,
        /// The IdP to pick when the file describes several.
        #[arg(long, value_name = "ENTITY_ID")]
        entity_id: Option<String>,
        /// The URL the server is reached at (our entity ID and ACS URL derive from it).
        #[arg(long, value_name = "URL", default_value = "http://127.0.0.1:8080")]
        public_url: String,
        /// Accept IdP-initiated sign-in (Entra My Apps); off by default.
        #[arg(long)]
        allow_idp_initiated: bool,
        /// The metadata XML file.
        file: PathBuf,
    },
    /// Print the workspace's SP metadata (give it to the IdP).
    SpMetadata {
        /// The workspace id.
        #[arg(long, value_name = "ID")]
        workspace: String,
    },
    /// Print the workspace's SAML settings (JSON).
    Settings {
        /// The workspace id.
        #[arg(long, value_name = "ID")]
        workspace: String,
    },
    /// Validate a SAMLResponse (raw XML or the base64 form value) and print one JSON object;
    /// exit 0 when accepted, 1 when rejected, 2 on a usage or settings error.
    Verify(VerifyArgs),
}

/// `saml verify` options.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The settings (the JSON form of the core's SAML settings).
    #[arg(long, value_name = "FILE")]
    pub settings: PathBuf,
    /// Fill the IdP entity ID, certificates and SSO URL from federation metadata.
    #[arg(long, value_name = "FILE")]
    pub idp_metadata: Option<PathBuf>,
    /// Validate as of this instant (RFC 3339) instead of now.
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
    /// The AuthnRequest ID this response must answer (omit for an IdP-initiated response).
    #[arg(long, value_name = "ID")]
    pub request_id: Option<String>,
    /// The response file, or `-` for standard input.
    #[arg(default_value = "-")]
    pub file: String,
}

/// `users` subcommands.
#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// List a workspace's users as a table.
    List {
        /// The workspace id.
        #[arg(long, value_name = "ID")]
        workspace: String,
    },
}
