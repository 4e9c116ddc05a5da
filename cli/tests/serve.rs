//! `sso-scim serve` end to end over loopback HTTP: bootstrap banner, SCIM round trip with the
//! printed token, health, SAML endpoints, admin commands against the same database, graceful
//! shutdown and restart.

mod common;

use common::{Server, TempDir, run, run_ok, user_body};
use serde_json::json;

#[test]
fn empty_database_is_bootstrapped_and_serves_scim_with_the_printed_token() {
    let dir = TempDir::new("bootstrap");
    let server = Server::start(&dir.db());
    let token = server.bootstrap_token();
    let ws = server.bootstrap_workspace();
    assert!(
        server.banner.iter().any(|l| l.contains(&format!("http://{}/scim/v2", server.addr))),
        "{:?}",
        server.banner
    );

    let health = server.request("GET", "/healthz", &[], "");
    assert_eq!(health.status, 200);
    assert_eq!(health.json()["status"], "ok");

    // No token, wrong token: 401 with a challenge.
    let anonymous = server.request("GET", "/scim/v2/Users", &[], "");
    assert_eq!(anonymous.status, 401);
    assert!(anonymous.header("www-authenticate").is_some());
    assert_eq!(server.scim("ssoscim_wrong", "GET", "/Users", "").status, 401);

    let created = server.scim(&token, "POST", "/Users", &user_body("ada@contoso.com"));
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(created.header("location").unwrap(), format!("http://{}/scim/v2/Users/{id}", server.addr));
    let found = server.scim(&token, "GET", "/Users?filter=userName%20eq%20%22ADA%40contoso.com%22", "");
    assert_eq!(found.status, 200);
    assert_eq!(found.json()["totalResults"], 1);
    assert_eq!(found.json()["Resources"][0]["id"], id.as_str());

    let patch = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "Replace", "path": "active", "value": "False"}]
    });
    let disabled = server.scim(&token, "PATCH", &format!("/Users/{id}"), &patch.to_string());
    assert_eq!(disabled.status, 200, "{}", disabled.body);
    assert_eq!(disabled.json()["active"], false);

    // The admin CLI sees the same database while the server runs.
    let listed = run_ok(&dir.db(), &["users", "list", "--workspace", &ws]);
    assert!(listed.contains("ada@contoso.com"), "{listed}");
    assert!(listed.to_lowercase().contains("archived"), "{listed}");

    let group = server.scim(&token, "POST", "/Groups", &json!({"displayName": "Engineering"}).to_string());
    assert_eq!(group.status, 201, "{}", group.body);

    assert!(server.terminate(), "graceful shutdown exits 0");
}

#[test]
fn restart_keeps_data_and_tokens_and_prints_no_second_banner() {
    let dir = TempDir::new("restart");
    let first = Server::start(&dir.db());
    let token = first.bootstrap_token();
    assert_eq!(first.scim(&token, "POST", "/Users", &user_body("kept@contoso.com")).status, 201);
    assert!(first.terminate());

    let second = Server::start(&dir.db());
    assert!(second.banner.is_empty(), "no bootstrap on a non-empty database: {:?}", second.banner);
    let found = second.scim(&token, "GET", "/Users?filter=userName%20eq%20%22kept%40contoso.com%22", "");
    assert_eq!(found.status, 200);
    assert_eq!(found.json()["totalResults"], 1);
}

#[test]
fn tokens_created_and_revoked_by_the_cli_take_effect_on_the_running_server() {
    let dir = TempDir::new("tokens");
    let server = Server::start(&dir.db());
    let other = run_ok(&dir.db(), &["workspace", "create", "--name", "Other"]);
    let other_ws = other.lines().last().unwrap().trim().to_owned();
    let token = run_ok(&dir.db(), &["scim-token", "create", "--workspace", &other_ws]);
    let token = token.lines().last().unwrap().trim().to_owned();
    assert!(token.starts_with("ssoscim_"));

    // The new workspace is isolated from the bootstrapped one.
    assert_eq!(server.scim(&server.bootstrap_token(), "POST", "/Users", &user_body("a@contoso.com")).status, 201);
    let mine = server.scim(&token, "GET", "/Users", "");
    assert_eq!(mine.status, 200);
    assert_eq!(mine.json()["totalResults"], 0);
    assert_eq!(server.scim(&token, "POST", "/Users", &user_body("a@contoso.com")).status, 201);

    let listed = run_ok(&dir.db(), &["workspace", "list"]);
    assert!(listed.contains(&other_ws) && listed.contains("Other"), "{listed}");
    let tokens = run_ok(&dir.db(), &["scim-token", "list", "--workspace", &other_ws]);
    assert!(tokens.lines().any(|l| !l.trim().is_empty()), "{tokens}");

    run_ok(&dir.db(), &["scim-token", "revoke", &token]);
    assert_eq!(server.scim(&token, "GET", "/Users", "").status, 401, "revoked token refused");
}

#[test]
fn saml_endpoints_answer_for_a_configured_workspace_and_refuse_unknown_ones() {
    let dir = TempDir::new("saml");
    let server = Server::start(&dir.db());
    let ws = server.bootstrap_workspace();
    let metadata = server.request("GET", &format!("/saml/{ws}/metadata"), &[], "");
    assert_eq!(metadata.status, 200, "{}", metadata.body);
    assert!(metadata.body.contains("EntityDescriptor"));
    assert!(metadata.body.contains(&format!("http://{}/saml/{ws}/acs", server.addr)), "{}", metadata.body);

    let unknown = server.request("GET", "/saml/no-such-workspace/metadata", &[], "");
    assert_eq!(unknown.status, 404);
    // No IdP imported yet: login cannot start, and says why.
    let login = server.request("GET", &format!("/saml/{ws}/login"), &[], "");
    assert!(login.status >= 400, "{} {}", login.status, login.body);
}

#[test]
fn admin_errors_say_what_to_do() {
    let dir = TempDir::new("errors");
    let out = run(&dir.db(), &["scim-token", "create", "--workspace", "missing"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("missing") && stderr.contains("workspace"), "{stderr}");

    let help = run_ok(&dir.db(), &["--help"]);
    for command in ["serve", "workspace", "scim-token", "saml", "users"] {
        assert!(help.contains(command), "{help}");
    }
    // --db may come after the subcommand as well.
    let out = std::process::Command::new(common::bin())
        .args(["workspace", "create", "--name", "After", "--db"])
        .arg(dir.db())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(run_ok(&dir.db(), &["workspace", "list"]).contains("After"));
}
