//! The command line (README "Reference host: `sso-scim serve` and the admin CLI"): `--db` is global and may come
//! before or after the subcommand.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

/// sso-scim: SAML single sign-on and SCIM provisioning for a multi-tenant product, served over
/// HTTP on SQLite, and the tools to administer it.
#[derive(Debug, Parser)]
#[command(name = "sso-scim", version, propagate_version = true)]
pub struct Cli {
    /// The SQLite database file (created if missing), or a PostgreSQL database as a
    /// `postgres://` / `postgresql://` URL (several `serve` processes may share one).
    #[arg(long, global = true, default_value = "sso-scim.db", value_name = "FILE|URL")]
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
    /// Where the cookie-signing keys come from (default: a secret kept in the database).
    #[command(flatten)]
    pub keys: KeyArgs,
    /// What one client, one workspace and the whole process may hold at once.
    #[command(flatten)]
    pub limits: ServeLimits,
}

/// Cookie-signing keys kept outside the database (README "Cookie keys").
#[derive(Debug, Clone, Args)]
pub struct KeyArgs {
    /// A file (mode 0600) of base64 keys, one per line: the first signs, the others are still
    /// accepted (rotation). Without it, `SSO_SCIM_COOKIE_KEYS` (keys separated by commas), else
    /// a key kept in the database.
    #[arg(long, value_name = "FILE")]
    pub cookie_key_file: Option<PathBuf>,
}

/// The resource limits of `serve` (README "Serving on the open internet"). Every cap is per
/// process: N processes over one database admit N times as much.
#[derive(Debug, Clone, Args)]
pub struct ServeLimits {
    /// Threads that run blocking work: SAML verification and every SQLite call.
    #[arg(long, default_value_t = 4, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub workers: u16,
    /// Most workers busy with one workspace's requests at once (default: half the workers,
    /// at least one), so another workspace always finds a worker soon.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub max_workers_per_workspace: Option<u16>,
    /// Jobs that may wait for a worker; beyond it the answer is 503 with Retry-After at once.
    #[arg(long, default_value_t = 64, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub queue: u16,
    /// SAML responses being verified (or waiting to be) at once, all workspaces together;
    /// beyond it 503.
    #[arg(long, default_value_t = 4, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub max_saml_verifications: u16,
    /// SAML responses being verified at once for one workspace; beyond it 429.
    #[arg(long, default_value_t = 2, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub max_saml_per_workspace: u16,
    /// Requests of one workspace in progress at once (SCIM and SAML, until the answer is
    /// sent); beyond it 429.
    #[arg(long, default_value_t = 8, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub max_requests_per_workspace: u16,
    /// Open connections; beyond it a new connection gets 503 and is closed.
    #[arg(long, default_value_t = 512, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: u32,
    /// Time a client has to send a whole request head, from its first byte.
    #[arg(long, default_value = "10s", value_name = "DURATION", value_parser = duration)]
    pub header_timeout: Duration,
    /// Time a client has to send a whole request body, from the end of its head (408 after).
    #[arg(long, default_value = "30s", value_name = "DURATION", value_parser = duration)]
    pub body_timeout: Duration,
    /// How long a kept-alive connection may wait for its next request.
    #[arg(long, default_value = "60s", value_name = "DURATION", value_parser = duration)]
    pub idle_timeout: Duration,
    /// After SIGTERM/SIGINT, how long requests in progress may take before every connection
    /// is closed.
    #[arg(long, default_value = "10s", value_name = "DURATION", value_parser = duration)]
    pub shutdown_timeout: Duration,
    /// Requests per second one client address may make to the unauthenticated SAML endpoints
    /// (login, ACS, metadata); bursts of twice as many pass.
    #[arg(long, default_value_t = 10, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub client_rate: u32,
    /// Requests per second all clients together may make to one workspace's unauthenticated
    /// SAML endpoints; bursts of twice as many pass.
    #[arg(long, default_value_t = 100, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub workspace_rate: u32,
    /// A reverse proxy whose `X-Forwarded-For` is believed (repeat for several; an address,
    /// or a CIDR block such as 10.0.0.0/8). Other peers' header is ignored.
    #[arg(long = "trusted-proxy", value_name = "ADDR[/BITS]", value_parser = cidr)]
    pub trusted_proxies: Vec<Cidr>,
}

impl ServeLimits {
    /// `--max-workers-per-workspace`, or its default.
    pub fn workers_per_workspace(&self) -> usize {
        usize::from(self.max_workers_per_workspace.unwrap_or((self.workers / 2).max(1)))
    }
}

/// `250ms`, `10s`, `2m`, or a number of seconds.
fn duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => text.split_at(i),
        None => (text, "s"),
    };
    let n: u64 = number.parse().map_err(|_| format!("{text:?} is not a duration such as 500ms, 10s or 2m"))?;
    let d = match unit {
        "ms" => Duration::from_millis(n),
        "s" => Duration::from_secs(n),
        "m" => Duration::from_secs(n.saturating_mul(60)),
        _ => return Err(format!("{text:?}: the unit is ms, s or m")),
    };
    if d.is_zero() || d > Duration::from_secs(24 * 3600) {
        return Err(format!("{text:?}: a duration is between 1ms and 24h"));
    }
    Ok(d)
}

/// An address block: `10.0.0.0/8`, `::1`, `192.0.2.7`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    /// The block's first address.
    pub addr: IpAddr,
    /// Leading bits that must match.
    pub bits: u8,
}

impl Cidr {
    /// Whether `ip` lies in the block (IPv4-mapped IPv6 addresses count as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => prefix_eq(&net.octets(), &ip.octets(), self.bits),
            (IpAddr::V6(net), IpAddr::V6(ip)) => prefix_eq(&net.octets(), &ip.octets(), self.bits),
            _ => false,
        }
    }
}

fn prefix_eq(a: &[u8], b: &[u8], bits: u8) -> bool {
    let full = usize::from(bits / 8);
    let rest = bits % 8;
    a[..full] == b[..full] && (rest == 0 || (a[full] ^ b[full]) >> (8 - rest) == 0)
}

fn cidr(text: &str) -> Result<Cidr, String> {
    let (addr, bits) = match text.split_once('/') {
        Some((a, b)) => (a, Some(b)),
        None => (text, None),
    };
    let addr: IpAddr = addr.parse().map_err(|_| format!("{text:?} is not an IP address or block"))?;
    let addr = addr.to_canonical();
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let bits = match bits {
        None => max,
        Some(b) => {
            b.parse::<u8>().ok().filter(|b| *b <= max).ok_or_else(|| format!("{text:?}: bits are 0 to {max}"))?
        }
    };
    Ok(Cidr { addr, bits })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(duration("7"), Ok(Duration::from_secs(7)));
        assert_eq!(duration("2m"), Ok(Duration::from_secs(120)));
        for bad in ["", "0s", "1h", "-1s", "1.5s", "99999m", "é"] {
            assert!(duration(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn address_blocks_match_by_prefix() {
        let lan = cidr("10.0.0.0/8").unwrap();
        assert!(lan.contains("10.200.1.2".parse().unwrap()));
        assert!(lan.contains("::ffff:10.1.1.1".parse().unwrap()), "IPv4-mapped IPv6");
        assert!(!lan.contains("11.0.0.1".parse().unwrap()));
        let one = cidr("192.0.2.7").unwrap();
        assert!(one.contains("192.0.2.7".parse().unwrap()) && !one.contains("192.0.2.8".parse().unwrap()));
        let odd = cidr("192.0.2.64/26").unwrap();
        assert!(odd.contains("192.0.2.127".parse().unwrap()) && !odd.contains("192.0.2.128".parse().unwrap()));
        assert!(cidr("fd00::/8").unwrap().contains("fd12::1".parse().unwrap()));
        assert!(cidr("0.0.0.0/0").unwrap().contains("8.8.8.8".parse().unwrap()));
        for bad in ["10.0.0.0/33", "::/129", "host", "10.0.0.0/x"] {
            assert!(cidr(bad).is_err(), "{bad}");
        }
    }
}
