//! SP-initiated sign-in: the `samlp:AuthnRequest` and its two browser bindings.
//!
//! - **HTTP-Redirect** ([`AuthnRequest::redirect_url`]): raw DEFLATE → base64 → URL-encoded
//!   `SAMLRequest`, then `RelayState`, then — when `sign_authn_requests` is set — `SigAlg` and
//!   `Signature` (RSA-SHA256 over the exact query octets, SAML bindings §3.4.4.1). This is the
//!   binding to use with Entra, and the only one we sign.
//! - **HTTP-POST** ([`AuthnRequest::post_form_html`]): an auto-submitting HTML form carrying the
//!   base64 XML. It is never signed: a POST-bound request is signed inside the XML (an enveloped
//!   XML-DSig signature), which is not implemented; an IdP that demands signed requests must be
//!   sent the Redirect form.
//!
//! The request's [`id`](AuthnRequest::id) must be kept by the host (in the user's session) and
//! handed to the response validator as the expected `InResponseTo`.

use std::io::Write as _;

use aws_lc_rs::rand::{SecureRandom as _, SystemRandom};
use aws_lc_rs::signature::RSA_PKCS1_SHA256;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use flate2::Compression;
use flate2::write::DeflateEncoder;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use time::OffsetDateTime;

use super::ServiceProvider;
use super::datetime::format_datetime;
use super::error::SamlError;
use super::metadata::{BINDING_HTTP_POST, escape_attr, escape_text};
use super::xml::{NS_ASSERTION, NS_PROTOCOL};
use crate::error::ErrorCode;

/// The `SigAlg` of signed Redirect requests: RSA-SHA256, the only algorithm Entra accepts once
/// "Require verification certificates" is on.
pub const SIG_ALG_RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";

/// Longest `RelayState` accepted, in bytes: "MUST NOT exceed 80 bytes" (SAML bindings §3.4.3,
/// §3.5.3). Keep the real target in the session and pass a short key.
pub const MAX_RELAY_STATE_BYTES: usize = 80;

/// The only script in [`AuthnRequest::post_form_html`]. It is constant, so a host with a strict
/// Content-Security-Policy can allow exactly it by its `'sha256-…'` hash.
pub const AUTO_SUBMIT_SCRIPT: &str = "document.getElementById(\"saml-request\").submit();";

/// Random bytes in a request ID: 128 bits, beyond guessing and collision.
const ID_RANDOM_BYTES: usize = 16;

/// Characters left as they are in query values: RFC 3986 "unreserved". Everything else is
/// percent-encoded with upper-case hex — the form .NET's `Uri.EscapeDataString` produces, which
/// matters when an IdP re-encodes the parameters before checking the signature instead of using
/// the octets received.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// An AuthnRequest ready to send by either binding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthnRequest {
    /// The request ID (`_` and 32 hex digits). Keep it: the response must carry it as
    /// `InResponseTo`, and it may be used once.
    pub id: String,
    /// The IssueInstant (the `now` given, to the second).
    pub issue_instant: OffsetDateTime,
    /// The IdP's single sign-on URL the request is addressed to (`Destination`).
    pub destination: String,
    /// The RelayState sent along, if any.
    pub relay_state: Option<String>,
    /// The request XML.
    pub xml: String,
    /// The HTTP-Redirect binding: answer the browser with a 302 to this URL. Signed when the
    /// settings ask for it.
    pub redirect_url: String,
}

impl AuthnRequest {
    /// The HTTP-POST binding: a complete HTML page whose form posts `SAMLRequest` (and
    /// `RelayState`) to the IdP, submitted by [`AUTO_SUBMIT_SCRIPT`], with a button when
    /// scripts are off. Every value is HTML-escaped. Unsigned (see the module notes).
    pub fn post_form_html(&self) -> String {
        let mut html = String::with_capacity(self.xml.len() * 2 + 1024);
        html.push_str(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"referrer\" content=\"no-referrer\">\n<title>Signing in</title>\n</head>\n<body>\n",
        );
        html.push_str(&format!(
            "<form id=\"saml-request\" method=\"post\" action=\"{}\">\n",
            escape_html(&self.destination)
        ));
        html.push_str(&format!(
            "<input type=\"hidden\" name=\"SAMLRequest\" value=\"{}\">\n",
            escape_html(&STANDARD.encode(self.xml.as_bytes()))
        ));
        if let Some(relay_state) = &self.relay_state {
            html.push_str(&format!(
                "<input type=\"hidden\" name=\"RelayState\" value=\"{}\">\n",
                escape_html(relay_state)
            ));
        }
        html.push_str(
            "<noscript><p>Scripts are off: press Continue to sign in.</p>\
             <button type=\"submit\">Continue</button></noscript>\n</form>\n",
        );
        html.push_str(&format!("<script>{AUTO_SUBMIT_SCRIPT}</script>\n</body>\n</html>\n"));
        html
    }
}

/// Escape for HTML text and double- or single-quoted attribute values (the POST-binding form
/// here; hosts use it for their own pages around sign-in).
pub fn escape_html(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 16);
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn settings_error(message: impl Into<String>) -> SamlError {
    SamlError::new(ErrorCode::InvalidSettings, message)
}

/// `_` + 128 random bits in hex: the underscore keeps the ID an NCName and stops it from starting
/// with a digit, which Entra refuses.
fn new_request_id() -> Result<String, SamlError> {
    let mut bytes = [0u8; ID_RANDOM_BYTES];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| settings_error("the system random number generator failed; no request ID can be made"))?;
    let mut id = String::with_capacity(1 + 2 * ID_RANDOM_BYTES);
    id.push('_');
    for b in bytes {
        id.push_str(&format!("{b:02x}"));
    }
    Ok(id)
}

fn encode(value: &str) -> String {
    utf8_percent_encode(value, QUERY_VALUE).to_string()
}

impl ServiceProvider {
    /// Build an AuthnRequest to the configured `idp_sso_url`, issued at `now`.
    ///
    /// The request asks for the response at `acs_url` by HTTP-POST, names `sp_entity_id` as
    /// Issuer, and carries a `NameIDPolicy` (`AllowCreate="true"`, with `Format` when
    /// `name_id_format` is set). It has no `Subject`: Entra refuses one (use its `login_hint`
    /// query parameter instead). `relay_state` travels beside the request and comes back with the
    /// response; an empty one is not sent.
    ///
    /// Errors: [`ErrorCode::InvalidSettings`] without `idp_sso_url` (or with a `#fragment` in it),
    /// [`ErrorCode::InvalidValue`] for a RelayState over [`MAX_RELAY_STATE_BYTES`],
    /// [`ErrorCode::InvalidKey`] when signing fails.
    pub fn authn_request(&self, now: OffsetDateTime, relay_state: Option<&str>) -> Result<AuthnRequest, SamlError> {
        let settings = self.settings();
        let destination = settings.idp_sso_url.as_deref().ok_or_else(|| {
            settings_error(
                "idp_sso_url is not set: SP-initiated sign-in needs the IdP's single sign-on URL (import the IdP \
                 metadata, or copy Entra's \"Login URL\")",
            )
        })?;
        if destination.contains('#') {
            return Err(settings_error(format!(
                "idp_sso_url \"{destination}\" carries a #fragment; the request parameters cannot follow it"
            )));
        }
        let relay_state = relay_state.filter(|r| !r.is_empty());
        if let Some(r) = relay_state
            && r.len() > MAX_RELAY_STATE_BYTES
        {
            return Err(SamlError::new(
                ErrorCode::InvalidValue,
                format!(
                    "RelayState is {} bytes; SAML allows at most {MAX_RELAY_STATE_BYTES}. Keep the target in the \
                     session and pass a short key",
                    r.len()
                ),
            ));
        }

        let id = new_request_id()?;
        let name_id_policy = match &settings.name_id_format {
            Some(format) => format!("<samlp:NameIDPolicy Format=\"{}\" AllowCreate=\"true\"/>", escape_attr(format)),
            None => "<samlp:NameIDPolicy AllowCreate=\"true\"/>".to_owned(),
        };
        let xml = format!(
            "<samlp:AuthnRequest xmlns:samlp=\"{NS_PROTOCOL}\" xmlns:saml=\"{NS_ASSERTION}\" ID=\"{id}\" \
             Version=\"2.0\" IssueInstant=\"{}\" Destination=\"{}\" AssertionConsumerServiceURL=\"{}\" \
             ProtocolBinding=\"{BINDING_HTTP_POST}\"><saml:Issuer>{}</saml:Issuer>{name_id_policy}\
             </samlp:AuthnRequest>",
            format_datetime(now),
            escape_attr(destination),
            escape_attr(&settings.acs_url),
            escape_text(&settings.sp_entity_id),
        );

        let mut deflater = DeflateEncoder::new(Vec::with_capacity(xml.len()), Compression::default());
        let deflated = deflater
            .write_all(xml.as_bytes())
            .and_then(|()| deflater.finish())
            .map_err(|e| settings_error(format!("DEFLATE of the AuthnRequest failed: {e}")))?;
        let mut query = format!("SAMLRequest={}", encode(&STANDARD.encode(deflated)));
        if let Some(r) = relay_state {
            query.push_str("&RelayState=");
            query.push_str(&encode(r));
        }
        if settings.sign_authn_requests {
            let key = self.signing_key().ok_or_else(|| settings_error("sign_authn_requests needs sp_signing_key"))?;
            query.push_str("&SigAlg=");
            query.push_str(&encode(SIG_ALG_RSA_SHA256));
            // The signature covers exactly the octets sent, in this order (bindings §3.4.4.1).
            let mut signature = vec![0u8; key.public_modulus_len()];
            key.sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), query.as_bytes(), &mut signature)
                .map_err(|_| SamlError::new(ErrorCode::InvalidKey, "sp_signing_key could not sign the AuthnRequest"))?;
            query.push_str("&Signature=");
            query.push_str(&encode(&STANDARD.encode(signature)));
        }
        let separator = match destination.find('?') {
            None => "?",
            Some(_) if destination.ends_with(['?', '&']) => "",
            Some(_) => "&",
        };
        let redirect_url = format!("{destination}{separator}{query}");

        Ok(AuthnRequest {
            id,
            issue_instant: now,
            destination: destination.to_owned(),
            relay_state: relay_state.map(str::to_owned),
            xml,
            redirect_url,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::io::Read as _;

    use crate::saml::xml::{XmlLimits, parse_document};
    use aws_lc_rs::encoding::AsDer as _;
    use aws_lc_rs::rsa::{KeyPair, KeySize};
    use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};
    use flate2::read::DeflateDecoder;
    use percent_encoding::percent_decode_str;
    use time::macros::datetime;

    use super::*;
    use crate::saml::metadata::IdpMetadata;
    use crate::saml::settings::SamlSettings;
    use crate::saml::xml::elements;

    const OKTA: &str = include_str!("../../tests/data/metadata/okta.xml");
    const NOW: OffsetDateTime = datetime!(2026-11-28 15:04:05.999 +01:00);
    const SSO: &str = "https://example-tenant.okta.test/app/example-tenant_ssoscim_1/exk8q2v7TESTb5d9x0h7/sso/saml";
    const EMAIL: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";

    fn settings() -> SamlSettings {
        IdpMetadata::parse(OKTA).unwrap().to_settings("https://app.example/saml", "https://app.example/saml/acs")
    }

    fn sp(settings: SamlSettings) -> ServiceProvider {
        ServiceProvider::new(settings).unwrap()
    }

    /// A throwaway RSA key: the PKCS#8 PEM for the settings, and the key pair to verify with.
    fn throwaway_key() -> (String, KeyPair) {
        let key = KeyPair::generate(KeySize::Rsa2048).unwrap();
        let der = key.as_der().unwrap();
        let b64 = STANDARD.encode(der.as_ref());
        let lines: Vec<&str> = b64.as_bytes().chunks(64).map(|c| std::str::from_utf8(c).unwrap()).collect();
        (format!("-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n", lines.join("\n")), key)
    }

    /// The query of `url` as (name, raw value) pairs, without decoding.
    fn raw_params(url: &str) -> Vec<(String, String)> {
        let query = &url[url.find('?').unwrap() + 1..];
        query
            .split('&')
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap();
                (k.to_owned(), v.to_owned())
            })
            .collect()
    }

    fn decoded(raw: &str) -> String {
        percent_decode_str(raw).decode_utf8().unwrap().into_owned()
    }

    fn inflate(saml_request: &str) -> String {
        let deflated = STANDARD.decode(decoded(saml_request)).unwrap();
        let mut xml = String::new();
        DeflateDecoder::new(deflated.as_slice()).read_to_string(&mut xml).expect("raw DEFLATE, no zlib header");
        xml
    }

    #[test]
    fn ids_are_random_128_bit_ncnames() {
        let provider = sp(settings());
        let ids: Vec<String> = (0..1000).map(|_| provider.authn_request(NOW, None).unwrap().id).collect();
        assert_eq!(ids.iter().collect::<HashSet<_>>().len(), ids.len(), "every ID is new");
        for id in &ids {
            assert_eq!(id.len(), 1 + 32, "{id}");
            assert!(id.starts_with('_') && !id.starts_with(|c: char| c.is_ascii_digit()), "{id}");
            assert!(id[1..].bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)), "{id}");
        }
        // Every one of the 32 hex positions varies over all 16 digits: the 128 bits are all
        // random, not a short random part padded out (missing a digit by chance: p ≈ 1e-26).
        for position in 1..33 {
            let seen: HashSet<u8> = ids.iter().map(|id| id.as_bytes()[position]).collect();
            assert_eq!(seen.len(), 16, "position {position}");
        }
    }

    #[test]
    fn redirect_carries_the_request() {
        let mut s = settings();
        s.name_id_format = Some(EMAIL.to_owned());
        let request = sp(s).authn_request(NOW, None).unwrap();
        assert!(request.redirect_url.starts_with(&format!("{SSO}?SAMLRequest=")), "{}", request.redirect_url);
        let params = raw_params(&request.redirect_url);
        assert_eq!(params.len(), 1, "unsigned, no RelayState: only SAMLRequest");
        let xml = inflate(&params[0].1);
        assert_eq!(xml, request.xml);

        let doc = parse_document(&xml, &XmlLimits::default()).unwrap();
        let root = doc.root_element();
        assert_eq!((root.tag_name().namespace(), root.tag_name().name()), (Some(NS_PROTOCOL), "AuthnRequest"));
        assert_eq!(root.attribute("ID"), Some(request.id.as_str()));
        assert_eq!(root.attribute("Version"), Some("2.0"));
        assert_eq!(root.attribute("IssueInstant"), Some("2026-11-28T14:04:05Z"));
        assert_eq!(request.issue_instant, NOW);
        assert_eq!(root.attribute("Destination"), Some(SSO));
        assert_eq!(request.destination, SSO);
        assert_eq!(root.attribute("AssertionConsumerServiceURL"), Some("https://app.example/saml/acs"));
        assert_eq!(root.attribute("ProtocolBinding"), Some("urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"));
        assert_eq!(root.attributes().len(), 6, "nothing else, in particular no ForceAuthn or IsPassive");
        let children: Vec<_> = elements(root).collect();
        assert_eq!(children.len(), 2, "Issuer and NameIDPolicy only: no Subject");
        assert_eq!((children[0].tag_name().namespace(), children[0].tag_name().name()), (Some(NS_ASSERTION), "Issuer"));
        assert_eq!(children[0].text(), Some("https://app.example/saml"));
        assert_eq!(
            (children[1].tag_name().namespace(), children[1].tag_name().name()),
            (Some(NS_PROTOCOL), "NameIDPolicy")
        );
        assert_eq!(children[1].attribute("Format"), Some(EMAIL));
        assert_eq!(children[1].attribute("AllowCreate"), Some("true"));
    }

    #[test]
    fn without_a_format_the_idp_chooses() {
        let request = sp(settings()).authn_request(NOW, None).unwrap();
        let doc = parse_document(&request.xml, &XmlLimits::default()).unwrap();
        let policy = elements(doc.root_element()).nth(1).unwrap();
        assert_eq!(policy.tag_name().name(), "NameIDPolicy");
        assert_eq!(policy.attribute("Format"), None);
    }

    #[test]
    fn settings_values_are_escaped_in_the_xml() {
        let mut s = settings();
        s.sp_entity_id = "urn:app:<&>".to_owned();
        s.acs_url = "https://app.example/acs?a=1&b=\"2\"".to_owned();
        s.idp_sso_url = Some("https://idp.example/sso?x=\"<y>\"".to_owned());
        let request = sp(s).authn_request(NOW, None).unwrap();
        let doc = parse_document(&request.xml, &XmlLimits::default()).unwrap();
        let root = doc.root_element();
        assert_eq!(root.attribute("AssertionConsumerServiceURL"), Some("https://app.example/acs?a=1&b=\"2\""));
        assert_eq!(root.attribute("Destination"), Some("https://idp.example/sso?x=\"<y>\""));
        assert_eq!(elements(root).next().unwrap().text(), Some("urn:app:<&>"));
    }

    #[test]
    fn relay_state_is_encoded_and_capped() {
        let provider = sp(settings());
        let relay = "/projects?id=42&tab=é ü+%/#";
        let request = provider.authn_request(NOW, Some(relay)).unwrap();
        let params = raw_params(&request.redirect_url);
        assert_eq!(params.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(), ["SAMLRequest", "RelayState"]);
        assert_eq!(params[1].1, "%2Fprojects%3Fid%3D42%26tab%3D%C3%A9%20%C3%BC%2B%25%2F%23");
        assert_eq!(decoded(&params[1].1), relay);
        // A standard form decoder reads the same values back.
        let query = &request.redirect_url[request.redirect_url.find('?').unwrap() + 1..];
        let parsed: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes()).into_owned().collect();
        assert_eq!(parsed[1], ("RelayState".to_owned(), relay.to_owned()));
        assert_eq!(request.relay_state.as_deref(), Some(relay));

        // An empty RelayState is not sent.
        let request = provider.authn_request(NOW, Some("")).unwrap();
        assert_eq!(raw_params(&request.redirect_url).len(), 1);
        assert_eq!(request.relay_state, None);

        // 80 bytes pass; 81 do not, and 41 two-byte characters are 82 bytes.
        assert!(provider.authn_request(NOW, Some(&"a".repeat(80))).is_ok());
        for too_long in ["a".repeat(81), "é".repeat(41)] {
            let err = provider.authn_request(NOW, Some(&too_long)).unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidValue);
            assert!(err.message().contains("at most 80"), "{err}");
        }
    }

    #[test]
    fn destination_query_and_missing_url() {
        let mut s = settings();
        s.idp_sso_url = Some("https://idp.example/sso?tenant=abc".to_owned());
        let request = sp(s.clone()).authn_request(NOW, Some("r")).unwrap();
        assert!(
            request.redirect_url.starts_with("https://idp.example/sso?tenant=abc&SAMLRequest="),
            "{}",
            request.redirect_url
        );
        assert!(request.redirect_url.ends_with("&RelayState=r"));
        s.idp_sso_url = Some("https://idp.example/sso?".to_owned());
        let request = sp(s.clone()).authn_request(NOW, None).unwrap();
        assert!(request.redirect_url.starts_with("https://idp.example/sso?SAMLRequest="));

        s.idp_sso_url = Some("https://idp.example/sso#top".to_owned());
        let err = sp(s.clone()).authn_request(NOW, None).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidSettings);
        assert!(err.message().contains("#fragment"), "{err}");

        s.idp_sso_url = None;
        let err = sp(s).authn_request(NOW, None).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidSettings);
        assert!(err.message().contains("idp_sso_url is not set"), "{err}");
    }

    #[test]
    fn signature_covers_the_exact_query_octets() {
        let (pem, key) = throwaway_key();
        let mut s = settings();
        s.sp_signing_key = Some(pem);
        s.sign_authn_requests = true;
        s.idp_sso_url = Some("https://idp.example/sso?tenant=abc".to_owned());
        let public = UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, key.public_key().as_ref().to_vec());
        let provider = sp(s);

        for relay in [Some("/after/login?x=1&y=é"), None] {
            let request = provider.authn_request(NOW, relay).unwrap();
            let url = &request.redirect_url;
            let ours = &url["https://idp.example/sso?tenant=abc&".len()..];
            let (signed, signature) = ours.split_once("&Signature=").unwrap();
            let names: Vec<&str> = signed.split('&').map(|p| p.split_once('=').unwrap().0).collect();
            let expected: &[&str] =
                if relay.is_some() { &["SAMLRequest", "RelayState", "SigAlg"] } else { &["SAMLRequest", "SigAlg"] };
            assert_eq!(names, expected);
            assert!(
                signed.ends_with("&SigAlg=http%3A%2F%2Fwww.w3.org%2F2001%2F04%2Fxmldsig-more%23rsa-sha256"),
                "{signed}"
            );
            assert!(!signature.contains('&'), "Signature is the last parameter");
            let signature = STANDARD.decode(decoded(signature)).unwrap();
            assert_eq!(signature.len(), 256);
            public.verify(signed.as_bytes(), &signature).expect("verifies over the octets as sent");
            // The IdP's own parameter is not part of what we sign, and any change breaks it.
            assert!(public.verify(format!("tenant=abc&{signed}").as_bytes(), &signature).is_err());
            assert!(public.verify(signed.replacen("SAMLRequest=", "SAMLRequest=A", 1).as_bytes(), &signature).is_err());
            assert_eq!(inflate(&raw_params(url)[1].1), request.xml, "the XML itself carries no signature");
            assert!(!request.xml.contains("Signature"));
        }
    }

    #[test]
    fn unsigned_unless_asked() {
        let (pem, _) = throwaway_key();
        let mut s = settings();
        s.sp_signing_key = Some(pem);
        let request = sp(s).authn_request(NOW, Some("x")).unwrap();
        assert!(!request.redirect_url.contains("SigAlg=") && !request.redirect_url.contains("Signature="));
    }

    #[test]
    fn post_form_escapes_everything() {
        let mut s = settings();
        s.idp_sso_url = Some("https://idp.example/sso?a=1&b=\"><script>alert(2)</script>".to_owned());
        let relay = "\"><script>alert(1)</script>'";
        let request = sp(s).authn_request(NOW, Some(relay)).unwrap();
        let html = request.post_form_html();
        assert!(!html.contains("<script>alert"), "{html}");
        assert_eq!(html.matches("<script>").count(), 1, "only our own script");
        assert!(html.contains(&format!("<script>{AUTO_SUBMIT_SCRIPT}</script>")));
        assert!(html.contains("name=\"RelayState\" value=\"&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&#39;\""));
        assert!(
            html.contains(
                "action=\"https://idp.example/sso?a=1&amp;b=&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;\""
            )
        );
        // The SAMLRequest field is the base64 of the XML itself, not deflated.
        let start = html.find("name=\"SAMLRequest\" value=\"").unwrap() + "name=\"SAMLRequest\" value=\"".len();
        let end = html[start..].find('"').unwrap() + start;
        assert_eq!(STANDARD.decode(&html[start..end]).unwrap(), request.xml.as_bytes());
        assert!(html.contains("<form id=\"saml-request\" method=\"post\""));
        assert!(AUTO_SUBMIT_SCRIPT.contains("saml-request"));

        // Without a RelayState there is no such field.
        let request = sp(settings()).authn_request(NOW, None).unwrap();
        assert!(!request.post_form_html().contains("RelayState"));
    }
}
