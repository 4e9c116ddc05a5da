//! End to end through the public API: Entra federation metadata → settings → a signed
//! HTTP-Redirect AuthnRequest whose signature the `openssl` CLI verifies independently, and our
//! SP metadata.

use std::path::PathBuf;
use std::process::Command;

use aws_lc_rs::encoding::AsDer as _;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::KeyPair as _;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sso_scim_core::ErrorCode;
use sso_scim_core::saml::metadata::{BINDING_HTTP_POST, BINDING_HTTP_REDIRECT};
use sso_scim_core::saml::{IdpMetadata, ServiceProvider};
use time::macros::datetime;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/metadata").join(name)
}

fn pem(label: &str, der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let lines: Vec<&str> = b64.as_bytes().chunks(64).map(|c| std::str::from_utf8(c).unwrap()).collect();
    format!("-----BEGIN {label}-----\n{}\n-----END {label}-----\n", lines.join("\n"))
}

fn scratch_dir() -> PathBuf {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let dir = std::env::temp_dir().join(format!("sso-scim-metadata-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn entra_metadata_to_a_signed_redirect_request() {
    // Read as bytes, as a host handling an upload would: the file starts with Entra's BOM.
    let bytes = std::fs::read(data("entra_tenant.xml")).unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF");
    let metadata = IdpMetadata::parse(&String::from_utf8(bytes).unwrap()).unwrap();
    let tenant = "7c1f3e52-9d4b-4a8e-b1c6-2f0d8e9a5b34";
    let sso = format!("https://login.microsoftonline.com/{tenant}/saml2");
    assert_eq!(metadata.sso_url(Some(BINDING_HTTP_REDIRECT)), Some(sso.as_str()));
    assert_eq!(metadata.sso_url(Some(BINDING_HTTP_POST)), Some(sso.as_str()));

    let key = KeyPair::generate(KeySize::Rsa2048).unwrap();
    let mut settings = metadata.to_settings("https://app.example/saml", "https://app.example/saml/acs");
    settings.sp_signing_key = Some(pem("PRIVATE KEY", key.as_der().unwrap().as_ref()));
    settings.sign_authn_requests = true;
    let sp = ServiceProvider::new(settings).unwrap();
    assert_eq!(sp.idp_certificates().len(), 2, "both rollover certificates are trusted");

    let request = sp.authn_request(datetime!(2026-11-28 12:00:00 UTC), Some("ws-42")).unwrap();
    assert!(request.xml.contains(&format!("Destination=\"{sso}\"")));
    let query = request.redirect_url.strip_prefix(&format!("{sso}?")).expect("Entra's URL has no query of its own");
    let (signed, signature) = query.split_once("&Signature=").unwrap();
    let signature =
        STANDARD.decode(percent_encoding::percent_decode_str(signature).decode_utf8().unwrap().as_bytes()).unwrap();

    // An independent verifier: the openssl CLI over the same octets.
    if Command::new("openssl").arg("version").output().is_err() {
        eprintln!("openssl not found: independent signature check skipped");
        return;
    }
    let dir = scratch_dir();
    std::fs::write(dir.join("signed.txt"), signed).unwrap();
    std::fs::write(dir.join("signature.bin"), &signature).unwrap();
    let public = key.public_key().as_der().unwrap();
    std::fs::write(dir.join("public.pem"), pem("PUBLIC KEY", public.as_ref())).unwrap();
    let verify = |file: &str| {
        Command::new("openssl")
            .args(["dgst", "-sha256", "-verify", "public.pem", "-signature", "signature.bin", file])
            .current_dir(&dir)
            .output()
            .unwrap()
    };
    let out = verify("signed.txt");
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    std::fs::write(dir.join("tampered.txt"), signed.replace("RelayState=ws-42", "RelayState=ws-43")).unwrap();
    assert!(!verify("tampered.txt").status.success(), "a changed RelayState no longer verifies");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn sp_metadata_names_what_the_idp_needs() {
    let metadata = IdpMetadata::parse(&std::fs::read_to_string(data("okta.xml")).unwrap()).unwrap();
    let mut settings = metadata.to_settings("https://app.example/saml", "https://app.example/saml/acs");
    settings.sp_certificate = Some(std::fs::read_to_string(data("sp.crt.pem")).unwrap());
    let sp = ServiceProvider::new(settings).unwrap();
    let xml = sp.sp_metadata();
    let doc = sso_scim_core::internal::xml::parse_document(&xml, &Default::default()).unwrap();
    let root = doc.root_element();
    assert_eq!(root.attribute("entityID"), Some("https://app.example/saml"));
    let acs = root.descendants().find(|n| n.tag_name().name() == "AssertionConsumerService").unwrap();
    assert_eq!(acs.attribute("Location"), Some("https://app.example/saml/acs"));
    let cert = root.descendants().find(|n| n.tag_name().name() == "X509Certificate").unwrap().text().unwrap();
    assert_eq!(cert, sp.sp_certificate().unwrap().to_base64());
    // Our own metadata fed back as IdP metadata is refused with a hint, not half-imported.
    let err = IdpMetadata::parse(&xml).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidMetadata);
}
