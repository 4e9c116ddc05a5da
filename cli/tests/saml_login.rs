//! A whole SP-initiated sign-in through `serve`: import IdP metadata with the CLI, provision
//! the user by SCIM, GET /login (an AuthnRequest in a redirect), answer it with a signed
//! Entra-shaped response at /acs, get a session; then replay, an unsolicited response, and an
//! archived user are refused with the reason on the page.

mod common;
mod idp;
#[path = "../../core/tests/saml_support/mod.rs"]
mod saml_support;

use std::io::Read;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use common::{Server, TempDir, user_body};
use idp::{form, idp_metadata, spec_for};
use saml_support::{SignOptions, Spec, TestKey, xmlsec1_sign};

/// The AuthnRequest ID carried by the login redirect (HTTP-Redirect binding: deflate+base64).
fn request_id(location: &str) -> String {
    let query = location.split_once('?').expect("query").1;
    let saml_request = form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "SAMLRequest")
        .map(|(_, v)| v.into_owned())
        .expect("SAMLRequest");
    let mut xml = String::new();
    flate2::read::DeflateDecoder::new(&STANDARD.decode(saml_request).unwrap()[..]).read_to_string(&mut xml).unwrap();
    xml.split(" ID=\"").nth(1).and_then(|r| r.split('"').next()).expect("ID").to_owned()
}

#[test]
fn sp_initiated_sign_in_end_to_end() {
    let dir = TempDir::new("saml-login");
    let server = Server::start(&dir.db());
    let ws = server.bootstrap_workspace();
    let token = server.bootstrap_token();
    let idp = TestKey::load("idp");
    let public_url = format!("http://{}", server.addr);
    let sp_entity = idp::import(&dir.db(), &ws, &public_url, &idp, &[]);

    // Provisioned first: SSO signs in existing users only.
    let created = server.scim(&token, "POST", "/Users", &user_body("jdoe@contoso.com"));
    assert_eq!(created.status, 201, "{}", created.body);
    let user_id = created.json()["id"].as_str().unwrap().to_owned();

    let login = server.request("GET", &format!("/saml/{ws}/login"), &[], "");
    assert!(matches!(login.status, 302 | 303 | 307), "{} {}", login.status, login.body);
    let location = login.header("location").expect("redirect").to_owned();
    assert!(location.starts_with("https://login.example.test/saml2?"), "{location}");
    let id = request_id(&location);

    let signed = spec_for(&server, &ws, &sp_entity, Some(&id), "_resp-1").signed(&idp);
    let headers = [("Content-Type", "application/x-www-form-urlencoded")];
    let acs = format!("/saml/{ws}/acs");
    let accepted = server.request("POST", &acs, &headers, &form(&signed));
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    assert!(
        accepted.body.contains("jdoe@contoso.com") && accepted.body.contains("Project Manager"),
        "{}",
        accepted.body
    );
    assert!(accepted.body.contains("href=\"/projects\""), "local RelayState offered: {}", accepted.body);
    let cookie = accepted.header("set-cookie").expect("session cookie").to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");

    let session = cookie.split(';').next().unwrap().to_owned();
    let home = server.request("GET", "/", &[("Cookie", &session)], "");
    assert!(home.body.contains("jdoe@contoso.com"), "{}", home.body);

    // The same response again: the request ID is used up and the assertion is remembered.
    let replayed = server.request("POST", &acs, &headers, &form(&signed));
    assert_eq!(replayed.status, 400, "{}", replayed.body);

    // Unsolicited (IdP-initiated) responses are off by default.
    let unsolicited = spec_for(&server, &ws, &sp_entity, None, "_resp-2").signed(&idp);
    let refused = server.request("POST", &acs, &headers, &form(&unsolicited));
    assert_eq!(refused.status, 400, "{}", refused.body);

    // A signature by another key is refused.
    let login = server.request("GET", &format!("/saml/{ws}/login"), &[], "");
    let id = request_id(login.header("location").unwrap());
    let forged = spec_for(&server, &ws, &sp_entity, Some(&id), "_resp-3").signed(&TestKey::load("attacker"));
    assert_eq!(server.request("POST", &acs, &headers, &form(&forged)).status, 400);

    // SCIM archives the user: the next sign-in is refused with the reason, the session is void.
    let disable = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":false}]}"#;
    assert_eq!(server.scim(&token, "PATCH", &format!("/Users/{user_id}"), disable).status, 200);
    let login = server.request("GET", &format!("/saml/{ws}/login"), &[], "");
    let id = request_id(login.header("location").unwrap());
    let archived = spec_for(&server, &ws, &sp_entity, Some(&id), "_resp-4").signed(&idp);
    let page = server.request("POST", &acs, &headers, &form(&archived));
    assert_eq!(page.status, 403, "{}", page.body);
    assert!(page.body.to_lowercase().contains("archived"), "{}", page.body);
    let home = server.request("GET", "/", &[("Cookie", &session)], "");
    assert!(!home.body.contains("signed in as"), "{}", home.body);
}

#[test]
fn saml_verify_prints_the_json_contract_and_exit_codes() {
    let dir = TempDir::new("saml-verify");
    let idp = TestKey::load("idp");
    let settings = dir.0.join("settings.json");
    std::fs::write(&settings, serde_json::to_string(&saml_support::settings(&idp)).unwrap()).unwrap();
    let good = dir.0.join("good.xml");
    std::fs::write(&good, Spec::default().signed(&idp)).unwrap();
    let forged = dir.0.join("forged.xml");
    std::fs::write(&forged, Spec::default().signed(&TestKey::load("attacker"))).unwrap();
    let verify = |file: &std::path::Path, settings: &std::path::Path| {
        std::process::Command::new(common::bin())
            .args(["saml", "verify", "--now", "2026-03-04T12:00:05Z", "--request-id", saml_support::REQUEST_ID])
            .arg("--settings")
            .arg(settings)
            .arg(file)
            .output()
            .unwrap()
    };
    let out = verify(&good, &settings);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    let answer: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(answer["ok"], true);
    assert!(answer["identity"].to_string().contains("jdoe@contoso.com"), "{answer}");

    let out = verify(&forged, &settings);
    assert_eq!(out.status.code(), Some(1));
    let answer: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(answer["ok"], false);
    assert!(answer["error"]["code"].as_str().is_some_and(|c| !c.is_empty()), "{answer}");

    let out = verify(&good, &dir.0.join("missing.json"));
    assert_eq!(out.status.code(), Some(2));
    let answer: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(answer["error"]["code"], "usage");
}

#[test]
fn saml_verify_refuses_an_idp_key_under_min_rsa_key_bits_as_a_settings_error() {
    let dir = TempDir::new("saml-verify-keys");
    let weak = TestKey::load("idp-rsa1024");
    let spec = Spec::default();
    // aws-lc-rs does not sign with RSA-1024; xmlsec1 does.
    let response = dir.0.join("response.xml");
    std::fs::write(
        &response,
        spec.response_with(&xmlsec1_sign(&spec.assertion(), &spec.assertion_id, &weak, &SignOptions::default())),
    )
    .unwrap();
    let verify = |settings: &serde_json::Value, metadata: Option<&std::path::Path>| {
        let path = dir.0.join("settings.json");
        std::fs::write(&path, settings.to_string()).unwrap();
        let mut command = std::process::Command::new(common::bin());
        command.args(["saml", "verify", "--now", "2026-03-04T12:00:05Z", "--request-id", saml_support::REQUEST_ID]);
        command.arg("--settings").arg(&path);
        if let Some(m) = metadata {
            command.arg("--idp-metadata").arg(m);
        }
        let out = command.arg(&response).output().unwrap();
        let answer: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        (out.status.code(), answer)
    };
    let mut settings = serde_json::to_value(saml_support::settings(&weak)).unwrap();
    let (code, answer) = verify(&settings, None);
    assert_eq!(code, Some(2), "{answer}");
    assert_eq!(answer["error"]["code"], "invalid_certificate", "{answer}");
    let message = answer["error"]["message"].as_str().unwrap();
    assert!(message.contains("1024-bit RSA key; the minimum is 2048 bits (min_rsa_key_bits)"), "{message}");

    // The same key from metadata is held to the same floor.
    let metadata = dir.0.join("idp.xml");
    std::fs::write(&metadata, idp_metadata(&weak)).unwrap();
    let trusting_another = serde_json::to_value(saml_support::settings(&TestKey::load("idp"))).unwrap();
    let (code, answer) = verify(&trusting_another, Some(&metadata));
    assert_eq!((code, &answer["error"]["code"]), (Some(2), &serde_json::json!("invalid_certificate")), "{answer}");

    // Lowered to 1024, the key verifies.
    settings["min_rsa_key_bits"] = 1024.into();
    let (code, answer) = verify(&settings, None);
    assert_eq!(code, Some(0), "{answer}");
    assert_eq!(answer["identity"]["name_id"], "jdoe@contoso.com");
}
