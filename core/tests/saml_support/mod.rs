//! Test-only SAML tooling: throwaway keys, an Entra-shaped response builder, an enveloped
//! signer and an encrypter. Signing lives only here, in test code; the library verifies.
#![allow(dead_code)]

use std::path::PathBuf;

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use aws_lc_rs::rsa::{OAEP_SHA1_MGF1SHA1, OAEP_SHA256_MGF1SHA256, OaepPublicEncryptingKey, PublicEncryptingKey};
use aws_lc_rs::signature::{self, EcdsaKeyPair, RsaKeyPair};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sso_scim_core::internal::xml::c14n::{C14nOptions, canonicalize};
use sso_scim_core::internal::xml::{Document, Node, XmlLimits, parse_document};
use sso_scim_core::saml::SamlSettings;
use time::OffsetDateTime;
use time::macros::datetime;

pub const NS_DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";
pub const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
pub const RSA_SHA1: &str = "http://www.w3.org/2000/09/xmldsig#rsa-sha1";
pub const RSA_SHA384: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384";
pub const RSA_SHA512: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512";
pub const ECDSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256";
pub const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
pub const SHA1: &str = "http://www.w3.org/2000/09/xmldsig#sha1";
pub const SHA512: &str = "http://www.w3.org/2001/04/xmlenc#sha512";
pub const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
pub const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";

pub const SP_ENTITY: &str = "https://app.example.test/saml/metadata";
pub const ACS: &str = "https://app.example.test/saml/acs";
pub const IDP_ENTITY: &str = "https://sts.windows.net/0d9a7d32-6a2e-4ef4-9e51-1c5a2a7e3c11/";
pub const REQUEST_ID: &str = "_8f1c2f6d0b6a4e0e9c3f2b7a1d5e4c33";
/// "now" in every test: five seconds after the baseline's IssueInstant.
pub const NOW: OffsetDateTime = datetime!(2026-03-04 12:00:05 UTC);

pub fn data(name: &str) -> PathBuf {
    // Through the workspace root, so other crates' tests can include this module by #[path].
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../core/tests/data/saml").join(name)
}

pub fn read(name: &str) -> String {
    std::fs::read_to_string(data(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn pem_der(pem: &str) -> Vec<u8> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    STANDARD.decode(body).unwrap()
}

/// A throwaway key and its certificate from `tests/data/saml`.
pub struct TestKey {
    pub name: &'static str,
    pub pkcs8: Vec<u8>,
    pub key_pem: String,
    pub cert_pem: String,
}

impl TestKey {
    pub fn load(name: &'static str) -> TestKey {
        let key_pem = read(&format!("{name}-key.pem"));
        TestKey { name, pkcs8: pem_der(&key_pem), cert_pem: read(&format!("{name}-cert.pem")), key_pem }
    }

    /// The certificate's DER as base64 (KeyInfo form).
    pub fn cert_base64(&self) -> String {
        STANDARD.encode(pem_der(&self.cert_pem))
    }

    pub fn sign(&self, algorithm: &str, message: &[u8]) -> Vec<u8> {
        let rng = SystemRandom::new();
        if algorithm == ECDSA_SHA256 {
            let key = EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, &self.pkcs8).unwrap();
            return key.sign(&rng, message).unwrap().as_ref().to_vec();
        }
        let key = RsaKeyPair::from_pkcs8(&self.pkcs8).unwrap();
        let padding: &dyn signature::RsaEncoding = match algorithm {
            RSA_SHA1 => panic!("aws-lc-rs does not sign RSA-SHA1; sign such cases with xmlsec1_sign"),
            RSA_SHA384 => &signature::RSA_PKCS1_SHA384,
            RSA_SHA512 => &signature::RSA_PKCS1_SHA512,
            _ => &signature::RSA_PKCS1_SHA256,
        };
        let mut sig = vec![0u8; key.public_modulus_len()];
        key.sign(padding, &rng, message, &mut sig).unwrap();
        sig
    }

    /// An RSA-OAEP encrypting key from this key's certificate.
    pub fn oaep_public(&self) -> OaepPublicEncryptingKey {
        let cert = pem_der(&self.cert_pem);
        // The SubjectPublicKeyInfo sits inside the certificate; aws-lc-rs reads it from DER.
        use x509_cert::der::{Decode, Encode};
        let parsed = x509_cert::Certificate::from_der(&cert).unwrap();
        let spki = parsed.tbs_certificate.subject_public_key_info.to_der().unwrap();
        OaepPublicEncryptingKey::new(PublicEncryptingKey::from_der(&spki).unwrap()).unwrap()
    }
}

/// Settings trusting `idp` (the usual test SP).
pub fn settings(idp: &TestKey) -> SamlSettings {
    SamlSettings::new(SP_ENTITY, ACS, IDP_ENTITY, vec![idp.cert_pem.clone()])
}

/// What the baseline Entra-shaped response says; tests change one field at a time.
#[derive(Clone, Debug)]
pub struct Spec {
    pub response_id: String,
    pub assertion_id: String,
    pub issue_instant: String,
    pub destination: Option<String>,
    pub in_response_to: Option<String>,
    pub response_issuer: Option<String>,
    pub assertion_issuer: String,
    pub status: String,
    pub name_id: String,
    pub name_id_format: String,
    pub recipient: String,
    pub confirmation_in_response_to: Option<String>,
    pub confirmation_not_on_or_after: String,
    pub not_before: String,
    pub not_on_or_after: String,
    pub audiences: Vec<String>,
    pub attributes: Vec<(String, Vec<String>)>,
    pub session_index: String,
}

impl Default for Spec {
    fn default() -> Self {
        Spec {
            response_id: "_r1a2b3c4-d5e6-4f70-8192-a3b4c5d6e7f8".into(),
            assertion_id: "_a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d".into(),
            issue_instant: "2026-03-04T12:00:00.123Z".into(),
            destination: Some(ACS.into()),
            in_response_to: Some(REQUEST_ID.into()),
            response_issuer: Some(IDP_ENTITY.into()),
            assertion_issuer: IDP_ENTITY.into(),
            status: "urn:oasis:names:tc:SAML:2.0:status:Success".into(),
            name_id: "jdoe@contoso.com".into(),
            name_id_format: "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress".into(),
            recipient: ACS.into(),
            confirmation_in_response_to: Some(REQUEST_ID.into()),
            confirmation_not_on_or_after: "2026-03-04T12:05:00.123Z".into(),
            not_before: "2026-03-04T11:55:00.123Z".into(),
            not_on_or_after: "2026-03-04T13:00:00.123Z".into(),
            audiences: vec![SP_ENTITY.into()],
            attributes: vec![
                (
                    "http://schemas.microsoft.com/identity/claims/tenantid".into(),
                    vec!["0d9a7d32-6a2e-4ef4-9e51-1c5a2a7e3c11".into()],
                ),
                (
                    "http://schemas.microsoft.com/identity/claims/objectidentifier".into(),
                    vec!["7a1c3e5f-2b4d-4f6a-8c0e-9d1b3f5a7c9e".into()],
                ),
                ("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name".into(), vec!["jdoe@contoso.com".into()]),
                ("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname".into(), vec!["John".into()]),
                ("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname".into(), vec!["Doe".into()]),
                ("http://schemas.microsoft.com/identity/claims/displayname".into(), vec!["John Doe".into()]),
                (
                    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress".into(),
                    vec!["jdoe@contoso.com".into()],
                ),
                ("http://schemas.microsoft.com/identity/claims/identityprovider".into(), vec![IDP_ENTITY.into()]),
                (
                    "http://schemas.microsoft.com/claims/authnmethodsreferences".into(),
                    vec!["http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/password".into()],
                ),
            ],
            session_index: "_a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d".into(),
        }
    }
}

pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

impl Spec {
    /// The unsigned Assertion, in Entra's shape (default namespace).
    pub fn assertion(&self) -> String {
        let mut a = format!(
            r#"<Assertion xmlns="urn:oasis:names:tc:SAML:2.0:assertion" ID="{}" IssueInstant="{}" Version="2.0"><Issuer>{}</Issuer><Subject><NameID Format="{}">{}</NameID><SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><SubjectConfirmationData"#,
            esc(&self.assertion_id),
            self.issue_instant,
            esc(&self.assertion_issuer),
            esc(&self.name_id_format),
            esc(&self.name_id)
        );
        if let Some(irt) = &self.confirmation_in_response_to {
            a.push_str(&format!(r#" InResponseTo="{}""#, esc(irt)));
        }
        a.push_str(&format!(
            r#" NotOnOrAfter="{}" Recipient="{}"/></SubjectConfirmation></Subject><Conditions NotBefore="{}" NotOnOrAfter="{}"><AudienceRestriction>"#,
            self.confirmation_not_on_or_after,
            esc(&self.recipient),
            self.not_before,
            self.not_on_or_after
        ));
        for audience in &self.audiences {
            a.push_str(&format!("<Audience>{}</Audience>", esc(audience)));
        }
        a.push_str("</AudienceRestriction></Conditions><AttributeStatement>");
        for (name, values) in &self.attributes {
            a.push_str(&format!(r#"<Attribute Name="{}">"#, esc(name)));
            for v in values {
                a.push_str(&format!("<AttributeValue>{}</AttributeValue>", esc(v)));
            }
            a.push_str("</Attribute>");
        }
        a.push_str(&format!(
            r#"</AttributeStatement><AuthnStatement AuthnInstant="{}" SessionIndex="{}"><AuthnContext><AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:Password</AuthnContextClassRef></AuthnContext></AuthnStatement></Assertion>"#,
            self.issue_instant,
            esc(&self.session_index)
        ));
        a
    }

    /// The Response around `assertion` (unsigned).
    pub fn response_with(&self, assertion: &str) -> String {
        let mut r = format!(
            r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="{}" Version="2.0" IssueInstant="{}""#,
            esc(&self.response_id),
            self.issue_instant
        );
        if let Some(d) = &self.destination {
            r.push_str(&format!(r#" Destination="{}""#, esc(d)));
        }
        if let Some(irt) = &self.in_response_to {
            r.push_str(&format!(r#" InResponseTo="{}""#, esc(irt)));
        }
        r.push('>');
        if let Some(issuer) = &self.response_issuer {
            r.push_str(&format!(r#"<Issuer xmlns="urn:oasis:names:tc:SAML:2.0:assertion">{}</Issuer>"#, esc(issuer)));
        }
        r.push_str(&format!(r#"<samlp:Status><samlp:StatusCode Value="{}"/></samlp:Status>"#, esc(&self.status)));
        r.push_str(assertion);
        r.push_str("</samlp:Response>");
        r
    }

    /// Entra's default: unsigned Response, signed Assertion.
    pub fn signed(&self, key: &TestKey) -> String {
        self.signed_with(key, &SignOptions::default())
    }

    /// Entra's shape with the assertion signed the way `options` say (attacks and algorithms).
    pub fn signed_with(&self, key: &TestKey, options: &SignOptions) -> String {
        self.response_with(&sign(&self.assertion(), &self.assertion_id, key, options))
    }

    /// Entra's shape with the assertion's XML changed by `edit` before it is signed, for shapes
    /// `Spec` has no field for: the signature covers the edit.
    pub fn signed_edited(&self, key: &TestKey, edit: impl FnOnce(String) -> String) -> String {
        self.response_with(&sign(&edit(self.assertion()), &self.assertion_id, key, &SignOptions::default()))
    }

    /// Both signed ("Sign SAML response and assertion").
    pub fn both_signed(&self, key: &TestKey) -> String {
        sign(&self.signed(key), &self.response_id, key, &SignOptions::default())
    }

    /// Only the Response signed ("Sign SAML response").
    pub fn response_signed(&self, key: &TestKey) -> String {
        sign(&self.response_with(&self.assertion()), &self.response_id, key, &SignOptions::default())
    }
}

/// How `sign` builds the Signature.
#[derive(Clone, Debug)]
pub struct SignOptions {
    pub signature_method: &'static str,
    pub digest_method: &'static str,
    pub key_info: bool,
    /// `ec:InclusiveNamespaces PrefixList` on the exc-c14n transform.
    pub prefix_list: Option<&'static str>,
    /// A Reference URI other than `#<id>` (attacks).
    pub reference_uri: Option<String>,
    /// Raw content of `ds:Transforms` instead of enveloped + exc-c14n (attacks).
    pub transforms: Option<String>,
    /// Extra XML appended inside `ds:KeyInfo` (attacks).
    pub key_info_extra: String,
}

impl Default for SignOptions {
    fn default() -> Self {
        SignOptions {
            signature_method: RSA_SHA256,
            digest_method: SHA256,
            key_info: true,
            prefix_list: None,
            reference_uri: None,
            transforms: None,
            key_info_extra: String::new(),
        }
    }
}

impl SignOptions {
    /// The default options with another signature method.
    pub fn method(signature_method: &'static str) -> Self {
        SignOptions { signature_method, ..Default::default() }
    }
}

fn c14n_of(xml: &str, pick: impl Fn(&Node) -> bool, exclude_signature: bool, prefixes: &[&str]) -> Vec<u8> {
    let doc = parse_xml(xml).unwrap();
    let node = doc.descendants().find(|n| n.is_element() && pick(n)).expect("element to canonicalize");
    let exclude = if exclude_signature {
        node.children()
            .find(|c| c.is_element() && c.tag_name().name() == "Signature" && c.tag_name().namespace() == Some(NS_DSIG))
    } else {
        None
    };
    let mut out = Vec::new();
    let opts = C14nOptions { with_comments: false, inclusive_prefixes: prefixes, exclude: exclude.map(|n| n.id()) };
    canonicalize(node, &opts, &mut out).unwrap();
    out
}

fn digest(method: &str, data: &[u8]) -> Vec<u8> {
    use aws_lc_rs::digest as d;
    let alg = match method {
        SHA1 => &d::SHA1_FOR_LEGACY_USE_ONLY,
        SHA512 => &d::SHA512,
        _ => &d::SHA256,
    };
    d::digest(alg, data).as_ref().to_vec()
}

/// Sign the element whose `ID` is `id` inside `xml` with an enveloped signature placed right
/// after its Issuer (or first), the way Entra and xmlsec lay it out.
pub fn sign(xml: &str, id: &str, key: &TestKey, options: &SignOptions) -> String {
    let prefixes: Vec<&str> = options.prefix_list.map(|p| p.split_whitespace().collect()).unwrap_or_default();
    let digest_value = STANDARD
        .encode(digest(options.digest_method, &c14n_of(xml, |n| n.attribute("ID") == Some(id), false, &prefixes)));
    let inclusive = options
        .prefix_list
        .map(|p| format!(r#"<ec:InclusiveNamespaces xmlns:ec="{EXC_C14N}" PrefixList="{p}"/>"#))
        .unwrap_or_default();
    let uri = options.reference_uri.clone().unwrap_or_else(|| format!("#{}", esc(id)));
    let transforms = options.transforms.clone().unwrap_or_else(|| {
        format!(
            r#"<ds:Transform Algorithm="{ENVELOPED}"/><ds:Transform Algorithm="{EXC_C14N}">{inclusive}</ds:Transform>"#
        )
    });
    let signed_info = format!(
        r#"<ds:SignedInfo><ds:CanonicalizationMethod Algorithm="{EXC_C14N}"/><ds:SignatureMethod Algorithm="{}"/><ds:Reference URI="{}"><ds:Transforms>{transforms}</ds:Transforms><ds:DigestMethod Algorithm="{}"/><ds:DigestValue>{digest_value}</ds:DigestValue></ds:Reference></ds:SignedInfo>"#,
        options.signature_method,
        esc(&uri),
        options.digest_method
    );
    let key_info = if options.key_info {
        format!(
            "<ds:KeyInfo><ds:X509Data><ds:X509Certificate>{}</ds:X509Certificate></ds:X509Data>{}</ds:KeyInfo>",
            key.cert_base64(),
            options.key_info_extra
        )
    } else {
        String::new()
    };
    let placeholder = "SIGNATURE-VALUE-PLACEHOLDER";
    let signature = format!(
        r#"<ds:Signature xmlns:ds="{NS_DSIG}">{signed_info}<ds:SignatureValue>{placeholder}</ds:SignatureValue>{key_info}</ds:Signature>"#
    );
    let with_signature = insert_signature(xml, id, &signature);
    let info_bytes = c14n_of(
        &with_signature,
        |n| {
            n.tag_name().name() == "SignedInfo"
                && n.tag_name().namespace() == Some(NS_DSIG)
                && signature_parent_id(n) == Some(id)
        },
        false,
        &[],
    );
    let value = STANDARD.encode(key.sign(options.signature_method, &info_bytes));
    with_signature.replacen(placeholder, &value, 1)
}

fn signature_parent_id<'a>(signed_info: &Node<'a, '_>) -> Option<&'a str> {
    signed_info.parent()?.parent()?.attribute("ID")
}

/// Sign like [`sign`], but let the `xmlsec1` CLI compute the digest and signature: an
/// independent signer (and the only one here that still does RSA-SHA1).
pub fn xmlsec1_sign(xml: &str, id: &str, key: &TestKey, options: &SignOptions) -> String {
    let inclusive = options
        .prefix_list
        .map(|p| format!(r#"<ec:InclusiveNamespaces xmlns:ec="{EXC_C14N}" PrefixList="{p}"/>"#))
        .unwrap_or_default();
    let key_info = if options.key_info { "<ds:KeyInfo><ds:X509Data/></ds:KeyInfo>" } else { "" };
    let template = format!(
        r##"<ds:Signature xmlns:ds="{NS_DSIG}"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="{EXC_C14N}"/><ds:SignatureMethod Algorithm="{}"/><ds:Reference URI="#{}"><ds:Transforms><ds:Transform Algorithm="{ENVELOPED}"/><ds:Transform Algorithm="{EXC_C14N}">{inclusive}</ds:Transform></ds:Transforms><ds:DigestMethod Algorithm="{}"/><ds:DigestValue></ds:DigestValue></ds:Reference></ds:SignedInfo><ds:SignatureValue></ds:SignatureValue>{key_info}</ds:Signature>"##,
        options.signature_method,
        esc(id),
        options.digest_method
    );
    let dir = std::env::temp_dir().join(format!("sso-scim-xmlsec-{}-{}", std::process::id(), unique()));
    std::fs::create_dir_all(&dir).unwrap();
    let (doc, key_file, cert_file) = (dir.join("doc.xml"), dir.join("key.pem"), dir.join("cert.pem"));
    std::fs::write(&doc, insert_signature(xml, id, &template)).unwrap();
    std::fs::write(&key_file, &key.key_pem).unwrap();
    std::fs::write(&cert_file, &key.cert_pem).unwrap();
    let element = parse_xml(xml)
        .unwrap()
        .descendants()
        .find(|n| n.attribute("ID") == Some(id))
        .map(|n| format!("{}:{}", n.tag_name().namespace().unwrap_or(""), n.tag_name().name()))
        .unwrap();
    let out = std::process::Command::new("xmlsec1")
        .arg("--sign")
        .arg("--privkey-pem")
        .arg(format!("{},{}", key_file.display(), cert_file.display()))
        .arg("--id-attr:ID")
        .arg(&element)
        .arg(&doc)
        .output()
        .expect("xmlsec1 is required for the SAML tests (Debian package xmlsec1; .ci/run installs it)");
    std::fs::remove_dir_all(&dir).ok();
    assert!(out.status.success(), "xmlsec1 --sign failed: {}", String::from_utf8_lossy(&out.stderr));
    let signed = String::from_utf8(out.stdout).unwrap();
    // xmlsec1 prints an XML declaration; the response itself starts at the root element.
    match signed.find("?>") {
        Some(i) if signed.starts_with("<?xml") => signed[i + 2..].trim_start().to_owned(),
        _ => signed,
    }
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

/// Insert `signature` into the element with `ID="id"`, after its first child element if that
/// is an Issuer, else as its first child.
pub fn insert_signature(xml: &str, id: &str, signature: &str) -> String {
    let doc = parse_xml(xml).unwrap();
    let node = doc.descendants().find(|n| n.attribute("ID") == Some(id)).expect("element to sign");
    let at = match node.children().find(Node::is_element) {
        Some(c) if c.tag_name().name() == "Issuer" => c.range().end,
        _ => {
            let start = node.range().start;
            start + xml[start..].find('>').unwrap() + 1
        }
    };
    format!("{}{}{}", &xml[..at], signature, &xml[at..])
}

/// Encrypt `assertion` to `recipient` as an EncryptedAssertion: AES-256-GCM data, RSA-OAEP
/// (`oaep_sha256`: xmlenc11 rsa-oaep with SHA-256 and MGF1-SHA-256; else rsa-oaep-mgf1p).
pub fn encrypt(assertion: &str, recipient: &TestKey, oaep_sha256: bool) -> String {
    encrypt_gcm(assertion, recipient, oaep_sha256, 32)
}

/// AES-GCM with a 16- or 32-byte key.
pub fn encrypt_gcm(assertion: &str, recipient: &TestKey, oaep_sha256: bool, key_len: usize) -> String {
    let rng = SystemRandom::new();
    let mut aes_key = vec![0u8; key_len];
    rng.fill(&mut aes_key).unwrap();
    let mut nonce = [0u8; 12];
    rng.fill(&mut nonce).unwrap();
    let alg = if key_len == 16 { &aws_lc_rs::aead::AES_128_GCM } else { &AES_256_GCM };
    let key = LessSafeKey::new(UnboundKey::new(alg, &aes_key).unwrap());
    let mut data = assertion.as_bytes().to_vec();
    key.seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::empty(), &mut data).unwrap();
    let mut cipher = nonce.to_vec();
    cipher.extend(data);
    let uri = if key_len == 16 {
        "http://www.w3.org/2009/xmlenc11#aes128-gcm"
    } else {
        "http://www.w3.org/2009/xmlenc11#aes256-gcm"
    };
    encrypted_assertion(uri, &cipher, &wrap_key(&aes_key, recipient, oaep_sha256), oaep_sha256)
}

/// RSA-OAEP-wrap `key` for `recipient`.
pub fn wrap_key(key: &[u8], recipient: &TestKey, oaep_sha256: bool) -> Vec<u8> {
    let public = recipient.oaep_public();
    let alg = if oaep_sha256 { &OAEP_SHA256_MGF1SHA256 } else { &OAEP_SHA1_MGF1SHA1 };
    let mut out = vec![0u8; public.ciphertext_size()];
    public.encrypt(alg, key, &mut out, None).unwrap().to_vec()
}

/// The EncryptedAssertion element for given ciphertexts.
pub fn encrypted_assertion(data_algorithm: &str, data: &[u8], wrapped_key: &[u8], oaep_sha256: bool) -> String {
    let key_method = if oaep_sha256 {
        r#"<xenc:EncryptionMethod Algorithm="http://www.w3.org/2009/xmlenc11#rsa-oaep"><ds:DigestMethod xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><xenc11:MGF xmlns:xenc11="http://www.w3.org/2009/xmlenc11#" Algorithm="http://www.w3.org/2009/xmlenc11#mgf1sha256"/></xenc:EncryptionMethod>"#
    } else {
        r#"<xenc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"><ds:DigestMethod xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Algorithm="http://www.w3.org/2000/09/xmldsig#sha1"/></xenc:EncryptionMethod>"#
    };
    format!(
        r#"<saml:EncryptedAssertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"><xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#" Type="http://www.w3.org/2001/04/xmlenc#Element"><xenc:EncryptionMethod Algorithm="{data_algorithm}"/><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><xenc:EncryptedKey>{key_method}<xenc:CipherData><xenc:CipherValue>{}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedKey></ds:KeyInfo><xenc:CipherData><xenc:CipherValue>{}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData></saml:EncryptedAssertion>"#,
        STANDARD.encode(wrapped_key),
        STANDARD.encode(data)
    )
}

/// The base64 form value of a response, as a browser posts it.
pub fn form_value(xml: &str) -> String {
    STANDARD.encode(xml)
}

/// Encrypt `assertion` with AES-256-CBC (XML Encryption padding) for `recipient`.
pub fn encrypt_cbc(assertion: &str, recipient: &TestKey) -> String {
    use aws_lc_rs::cipher::{AES_256, EncryptingKey, EncryptionContext, UnboundCipherKey};
    use aws_lc_rs::iv::FixedLength;
    let rng = SystemRandom::new();
    let mut aes_key = [0u8; 32];
    rng.fill(&mut aes_key).unwrap();
    let mut iv = [0u8; 16];
    rng.fill(&mut iv).unwrap();
    let mut data = assertion.as_bytes().to_vec();
    let pad = 16 - data.len() % 16;
    data.extend(std::iter::repeat_n(0xA5u8, pad - 1));
    data.push(u8::try_from(pad).unwrap());
    let key = EncryptingKey::cbc(UnboundCipherKey::new(&AES_256, &aes_key).unwrap()).unwrap();
    key.less_safe_encrypt(&mut data, EncryptionContext::Iv128(FixedLength::from(iv))).unwrap();
    let mut cipher = iv.to_vec();
    cipher.extend(data);
    encrypted_assertion(
        "http://www.w3.org/2001/04/xmlenc#aes256-cbc",
        &cipher,
        &wrap_key(&aes_key, recipient, false),
        false,
    )
}

/// Parse with our parser, with limits far above any test document's: the signer and the
/// canonicalizer helpers run on documents the tests build, bombs included.
pub fn parse_xml(xml: &str) -> Result<Document<'_>, sso_scim_core::saml::SamlError> {
    let limits = XmlLimits { max_depth: 100_000, max_nodes: 10_000_000, ..XmlLimits::default() };
    parse_document(xml, &limits)
}
