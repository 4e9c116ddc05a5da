//! Validating a `samlp:Response` for the Web Browser SSO profile (SAML 2.0 profiles §4.1.4), as
//! a pipeline of named stages, each in its own file and tested alone:
//!
//! 1. [`structure`]: the message as received — a SAML 2.0 Response, unique IDs, one assertion
//!    in its place, signatures only where SAML puts them, a Success status;
//! 2. [`signatures`]: the Response and assertion signatures verified (and an encrypted
//!    assertion decrypted), yielding the assertion as [`Trusted`], a type only that stage can
//!    build — so every later stage, and the identity, read verified canonical bytes only;
//! 3. the profile checks over the trusted assertion: [`issuer`], [`destination`],
//!    [`in_response_to`], [`subject`] (NameID and bearer confirmation), [`conditions`]
//!    (time window and audience), [`authn`] (AuthnStatement), then [`attributes`].
//!
//! The stages run in this order, and within each the checks keep theirs: when a response is
//! wrong in several ways, which error it gets is part of the behaviour the shared vectors pin.

mod assertion;
mod attributes;
mod authn;
mod clock;
mod conditions;
mod destination;
mod in_response_to;
mod issuer;
mod signatures;
mod structure;
mod subject;

use time::OffsetDateTime;

use super::ServiceProvider;
use super::error::SamlError;
use super::identity::{Identity, apply_mapping};
use super::input;
use super::xml::parse_document;
use crate::error::ErrorCode;
use signatures::{Documents, Envelope, Texts, Trusted, canonical_text, signature_of};

/// The bearer subject confirmation method, the one the Web SSO profile uses.
const BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";

impl ServiceProvider {
    /// Validate a SAMLResponse posted to the ACS (the base64 form value or raw XML) at `now`.
    /// `request_id` is the ID of the AuthnRequest this browser was sent with (SP-initiated);
    /// `None` for an unsolicited, IdP-initiated response, accepted only with
    /// `allow_idp_initiated`. Replay protection is the caller's job: the login decision
    /// remembers [`Identity::assertion_id`] until [`Identity::not_on_or_after`] plus the skew.
    pub fn validate_response(
        &self,
        input: impl AsRef<[u8]>,
        now: OffsetDateTime,
        request_id: Option<&str>,
    ) -> Result<Identity, SamlError> {
        self.validate_response_with(input, now, |_| request_id.map(str::to_owned))
    }

    /// Validate a SAMLResponse against the requests this browser has pending, in one parse.
    ///
    /// `pending_request_ids` holds the ID of every AuthnRequest the host issued to this
    /// browser (its session) and has not yet seen answered; empty when there is none. The ID
    /// the response claims to answer (see [`Self::validate_response_with`]) is checked against
    /// the signed content if, and only if, it is one of them; otherwise the response is
    /// treated as unsolicited, so a claim of any other ID is refused with
    /// `in_response_to_mismatch`, and a response claiming none is accepted only with
    /// `allow_idp_initiated`. On success [`Identity::in_response_to`] names the request that
    /// was answered: the host marks it used, so that it is answered at most once.
    pub fn validate_response_pending(
        &self,
        input: impl AsRef<[u8]>,
        now: OffsetDateTime,
        pending_request_ids: &[impl AsRef<str>],
    ) -> Result<Identity, SamlError> {
        self.validate_response_with(input, now, |claimed| {
            claimed.filter(|id| pending_request_ids.iter().any(|p| p.as_ref() == *id)).map(str::to_owned)
        })
    }

    /// Validate a SAMLResponse, letting the host pick the pending request from the same parse.
    ///
    /// `pending` is called once, after the message is known to be a SAML 2.0 Response and
    /// before anything is verified, with the request ID the response claims to answer: the
    /// Response's `InResponseTo`, or when it has none the bearer `SubjectConfirmationData`'s
    /// (SAML core makes the former optional). It returns the ID of the pending AuthnRequest to
    /// check the response against — typically the claimed ID if the host issued it to this
    /// browser and it is unused — or `None` to treat the response as unsolicited. The claim
    /// itself is never trusted: the chosen ID is then compared with the signed content, as
    /// [`Self::validate_response`] does. For a host that keeps its pending IDs in a list,
    /// [`Self::validate_response_pending`] is this closure written once.
    pub fn validate_response_with<F>(
        &self,
        input: impl AsRef<[u8]>,
        now: OffsetDateTime,
        pending: F,
    ) -> Result<Identity, SamlError>
    where
        F: FnOnce(Option<&str>) -> Option<String>,
    {
        let s = self.settings();
        let xml = input::decode(input.as_ref(), s.max_response_bytes)?;
        let doc = parse_document(&xml, &s.xml_limits)?;
        let root = doc.root_element();
        structure::check_response_root(root)?;
        let request_id = pending(structure::claimed_in_response_to(root));
        let message = structure::check(&doc)?;
        // What the signature stage verifies or decrypts is kept here, where the views it
        // returns can borrow it.
        let mut texts = Texts::default();
        let mut documents = Documents::default();
        let (envelope, assertion) = signatures::verify(self, message, &mut texts, &mut documents)?;
        self.check_profile(envelope, assertion, now, request_id.as_deref())
    }

    /// The `InResponseTo` a response claims to answer, read without any verification: the
    /// Response's, or when it has none the bearer `SubjectConfirmationData`'s.
    ///
    /// Deprecated: it was the way for a host with several outstanding request IDs to pick the
    /// one to pass to [`Self::validate_response`], but that decodes and parses the untrusted
    /// message twice. Use [`Self::validate_response_pending`] or
    /// [`Self::validate_response_with`], which read the claim from the parse validation uses.
    /// Kept, working, for hosts written against it.
    #[deprecated(note = "parses the untrusted response a second time; use validate_response_pending")]
    pub fn in_response_to_hint(&self, input: impl AsRef<[u8]>) -> Option<String> {
        let s = self.settings();
        let xml = input::decode(input.as_ref(), s.max_response_bytes).ok()?;
        let doc = parse_document(&xml, &s.xml_limits).ok()?;
        let root = doc.root_element();
        structure::check_response_root(root).ok()?;
        structure::claimed_in_response_to(root).map(str::to_owned)
    }

    /// Verify the enveloped signature on the root element of `xml` (a signed Assertion or
    /// Response on its own) with the configured IdP certificates, and return the verified
    /// canonical XML — what the signature covers. No profile check is made: this is for
    /// diagnostics and tests, never a substitute for [`Self::validate_response`].
    pub fn verify_signed_element(&self, xml: &str) -> Result<String, SamlError> {
        let s = self.settings();
        let xml = input::decode(xml.as_bytes(), s.max_response_bytes)?;
        let doc = parse_document(&xml, &s.xml_limits)?;
        structure::check_unique_ids(&doc)?;
        let root = doc.root_element();
        let sig = signature_of(root)?
            .ok_or_else(|| SamlError::new(ErrorCode::SignatureMissing, "the element is not signed"))?;
        canonical_text(super::dsig::verify_enveloped(root, sig, self.idp_certificates(), s.allow_sha1)?)
    }

    /// The profile stages over the trusted assertion, then the identity from what they read.
    fn check_profile(
        &self,
        envelope: Envelope<'_, '_>,
        assertion: Trusted<'_, '_>,
        now: OffsetDateTime,
        request_id: Option<&str>,
    ) -> Result<Identity, SamlError> {
        let s = self.settings();
        let skew = s.clock_skew();
        let assertion_id = assertion::assertion_id(assertion)?;
        let issuer = issuer::check(envelope, assertion, &s.idp_entity_id)?;
        destination::check(envelope, &s.acs_url)?;
        in_response_to::check(envelope, request_id, s.allow_idp_initiated)?;
        let subject = subject::check(assertion, &s.acs_url, now, skew, request_id)?;
        let conditions_until = conditions::check(assertion, &s.sp_entity_id, now, skew)?;
        let session_index = authn::check(assertion, now, skew)?;
        let (attributes, friendly) = attributes::read(assertion)?;
        let mut identity = Identity {
            name_id: subject.name_id,
            name_id_format: subject.name_id_format,
            session_index,
            email: None,
            given_name: None,
            family_name: None,
            display_name: None,
            object_id: None,
            tenant_id: None,
            issuer,
            assertion_id,
            // Checked against the Response and the bearer confirmation that passed.
            in_response_to: request_id.map(str::to_owned),
            not_on_or_after: conditions_until.map_or(subject.until, |c| c.min(subject.until)),
            attributes,
        };
        apply_mapping(&mut identity, &friendly, &s.attribute_map);
        Ok(identity)
    }
}

/// What the stages' unit tests share: small documents, a test SP and a signer.
#[cfg(test)]
mod fixture {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use time::OffsetDateTime;

    use crate::saml::SamlSettings;
    use crate::saml::datetime::parse_datetime;
    use crate::saml::xml::c14n::{C14nOptions, canonicalize};
    use crate::saml::xml::{Document, NS_DSIG, Node, XmlLimits, parse_document};

    /// The `samlp` prefix declaration.
    pub(super) const PROTOCOL_NS: &str = r#"xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol""#;
    /// The `saml` prefix declaration.
    pub(super) const ASSERTION_NS: &str = r#"xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion""#;
    /// The test SP's ACS URL.
    pub(super) const ACS: &str = "https://sp.example/acs";
    /// The test SP's entity ID.
    pub(super) const SP: &str = "https://sp.example/";
    /// The test IdP's entity ID.
    pub(super) const IDP: &str = "https://idp.example/";

    /// `xml` parsed with the default limits. The text is leaked (a few hundred bytes a test)
    /// so that a test may parse a temporary string.
    pub(super) fn doc(xml: &str) -> Document<'static> {
        parse_document(Box::leak(xml.to_owned().into_boxed_str()), &XmlLimits::default()).unwrap()
    }

    /// `<saml:Assertion>` around `body`.
    pub(super) fn assertion(body: &str) -> String {
        format!(r#"<saml:Assertion {ASSERTION_NS} Version="2.0" ID="a1">{body}</saml:Assertion>"#)
    }

    /// An RFC 3339 instant.
    pub(super) fn at(text: &str) -> OffsetDateTime {
        parse_datetime(text, "test").unwrap()
    }

    /// A file of `tests/data/saml`.
    pub(super) fn read(name: &str) -> String {
        std::fs::read_to_string(format!("{}/tests/data/saml/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    /// Settings of an SP trusting `idp-cert.pem`.
    pub(super) fn settings() -> SamlSettings {
        SamlSettings::new(SP, ACS, IDP, vec![read("idp-cert.pem")])
    }

    fn canonical(node: Node<'_, '_>, exclude: Option<Node<'_, '_>>) -> Vec<u8> {
        let options = C14nOptions { with_comments: false, inclusive_prefixes: &[], exclude: exclude.map(|n| n.id()) };
        let mut out = Vec::new();
        canonicalize(node, &options, &mut out).unwrap();
        out
    }

    /// `xml` with the element whose ID is `id` signed by `idp-key.pem` (RSA-SHA256, enveloped,
    /// exclusive c14n), the Signature after its Issuer or else first, as IdPs place it.
    pub(super) fn sign(xml: &str, id: &str) -> String {
        const EXC: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
        let parsed = doc(xml);
        let element = parsed.descendants().find(|n| n.attribute("ID") == Some(id)).unwrap();
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &canonical(element, None));
        let at = match element.children().find(Node::is_element) {
            Some(first) if first.tag_name().name() == "Issuer" => first.range().end,
            _ => element.range().start + xml[element.range().start..].find('>').unwrap() + 1,
        };
        let signature = format!(
            r##"<ds:Signature xmlns:ds="{NS_DSIG}"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="{EXC}"/><ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/><ds:Reference URI="#{id}"><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/><ds:Transform Algorithm="{EXC}"/></ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue>{}</ds:DigestValue></ds:Reference></ds:SignedInfo><ds:SignatureValue>SIGNATURE-VALUE-HERE</ds:SignatureValue></ds:Signature>"##,
            STANDARD.encode(digest.as_ref())
        );
        let unsigned = format!("{}{signature}{}", &xml[..at], &xml[at..]);
        let with_signature = doc(&unsigned);
        let signed_info = with_signature
            .descendants()
            .find(|n| {
                n.tag_name().name() == "SignedInfo"
                    && n.parent().and_then(|s| s.parent()).and_then(|p| p.attribute("ID")) == Some(id)
            })
            .unwrap();
        let pem = read("idp-key.pem");
        let der = crate::saml::service_provider::pem_block(&pem, "PRIVATE KEY").unwrap();
        let key = aws_lc_rs::signature::RsaKeyPair::from_pkcs8(&der).unwrap();
        let mut value = vec![0; key.public_modulus_len()];
        let rng = aws_lc_rs::rand::SystemRandom::new();
        key.sign(&aws_lc_rs::signature::RSA_PKCS1_SHA256, &rng, &canonical(signed_info, None), &mut value).unwrap();
        unsigned.replacen("SIGNATURE-VALUE-HERE", &STANDARD.encode(value), 1)
    }
}

#[cfg(test)]
mod tests {
    use super::fixture::{ACS, ASSERTION_NS, IDP, PROTOCOL_NS, SP, at, settings, sign};
    use super::*;

    /// A response that passes every stage, the assertion signed, as Entra sends by default.
    fn entra_like() -> String {
        let assertion = format!(
            r#"<saml:Assertion Version="2.0" ID="a1" IssueInstant="2026-01-01T10:00:00Z"><saml:Issuer>{IDP}</saml:Issuer><saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">ada@example.com</saml:NameID><saml:SubjectConfirmation Method="{BEARER}"><saml:SubjectConfirmationData InResponseTo="req-1" NotOnOrAfter="2026-01-01T10:05:00Z" Recipient="{ACS}"/></saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore="2026-01-01T09:55:00Z" NotOnOrAfter="2026-01-01T11:00:00Z"><saml:AudienceRestriction><saml:Audience>{SP}</saml:Audience></saml:AudienceRestriction></saml:Conditions><saml:AuthnStatement AuthnInstant="2026-01-01T10:00:00Z" SessionIndex="s1"/><saml:AttributeStatement><saml:Attribute Name="http://schemas.microsoft.com/identity/claims/displayname"><saml:AttributeValue>Ada</saml:AttributeValue></saml:Attribute></saml:AttributeStatement></saml:Assertion>"#
        );
        let response = format!(
            r#"<samlp:Response {PROTOCOL_NS} {ASSERTION_NS} Version="2.0" ID="r1" Destination="{ACS}" InResponseTo="req-1"><saml:Issuer>{IDP}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>{assertion}</samlp:Response>"#
        );
        sign(&response, "a1")
    }

    #[test]
    fn the_stages_together_give_the_identity() {
        let sp = ServiceProvider::new(settings()).unwrap();
        let identity = sp.validate_response(entra_like(), at("2026-01-01T10:01:00Z"), Some("req-1")).unwrap();
        assert_eq!(identity.name_id, "ada@example.com");
        assert_eq!(identity.email.as_deref(), Some("ada@example.com"));
        assert_eq!(identity.display_name.as_deref(), Some("Ada"));
        assert_eq!((identity.issuer.as_str(), identity.assertion_id.as_str()), (IDP, "a1"));
        assert_eq!(identity.session_index.as_deref(), Some("s1"));
        assert_eq!(identity.in_response_to.as_deref(), Some("req-1"));
        // The earlier of the bearer's and the Conditions' ends.
        assert_eq!(identity.not_on_or_after, at("2026-01-01T10:05:00Z"));
    }

    #[test]
    fn the_pending_closure_sees_the_claim_and_an_unknown_claim_is_unsolicited() {
        let sp = ServiceProvider::new(settings()).unwrap();
        let now = at("2026-01-01T10:01:00Z");
        let mut seen = None;
        let identity = sp
            .validate_response_with(entra_like(), now, |claimed| {
                seen = claimed.map(str::to_owned);
                seen.clone()
            })
            .unwrap();
        assert_eq!((seen.as_deref(), identity.in_response_to.as_deref()), (Some("req-1"), Some("req-1")));
        let err = sp.validate_response_pending(entra_like(), now, &["req-2"]).unwrap_err();
        assert_eq!(err.code().as_str(), "in_response_to_mismatch");
    }

    #[test]
    fn the_signed_element_is_returned_as_its_canonical_bytes() {
        let sp = ServiceProvider::new(settings()).unwrap();
        let signed = sign(
            &format!(r#"<saml:Assertion {ASSERTION_NS} ID="a1"><saml:Issuer>{IDP}</saml:Issuer></saml:Assertion>"#),
            "a1",
        );
        let canonical = sp.verify_signed_element(&signed).unwrap();
        assert_eq!(
            canonical,
            format!(
                r#"<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="a1"><saml:Issuer>{IDP}</saml:Issuer></saml:Assertion>"#
            )
        );
        assert_eq!(
            sp.verify_signed_element(&signed.replace("ID=\"a1\">", "ID=\"a1\" x=\"1\">")).unwrap_err().code().as_str(),
            "signature_invalid"
        );
    }
}
