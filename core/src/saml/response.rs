//! Validating a `samlp:Response` for the Web Browser SSO profile (SAML 2.0 profiles §4.1.4):
//! structure, status, signatures and what they cover, then the profile checks and the
//! identity — all read from verified canonical bytes.

use std::collections::HashSet;

use super::xml::{Document, Node};
use time::{Duration, OffsetDateTime};

use super::datetime::parse_datetime;
use super::dsig::verify_enveloped;
use super::encrypted::decrypt_assertion;
use super::error::{SamlError, excerpt, malformed};
use super::identity::{FriendlyNames, Identity, apply_mapping};
use super::input;
use super::settings::{Attributes, ServiceProvider};
use super::xml::lex;
use super::xml::{
    NS_ASSERTION, NS_DSIG, NS_PROTOCOL, children_named, elements, is, parse_document, single_child, text,
};
use crate::error::ErrorCode;

const SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";
const BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
const ENTITY_FORMAT: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:entity";

fn required<'a>(node: Node<'a, '_>, name: &str) -> Result<&'a str, SamlError> {
    node.attribute(name).ok_or_else(|| malformed(format!("<{}> has no {name} attribute", node.tag_name().name())))
}

fn time_attr(node: Node<'_, '_>, name: &str) -> Result<Option<OffsetDateTime>, SamlError> {
    let field = format!("{}/@{name}", node.tag_name().name());
    node.attribute(name).map(|t| parse_datetime(t, &field)).transpose()
}

/// Every `ID` attribute is unique in the document (X7, X8, X36).
fn check_unique_ids(doc: &Document<'_>) -> Result<(), SamlError> {
    let mut seen = HashSet::new();
    for node in doc.descendants().filter(Node::is_element) {
        if let Some(id) = node.attribute("ID") {
            if id.is_empty() || id.chars().any(char::is_whitespace) {
                return Err(malformed(format!(
                    "<{}> has an ID that is empty or holds whitespace",
                    node.tag_name().name()
                )));
            }
            if !seen.insert(id) {
                return Err(SamlError::new(ErrorCode::DuplicateId, format!("the ID \"{id}\" appears more than once")));
            }
        }
    }
    Ok(())
}

/// The Signature that is a direct child of `node`, if any; more than one is refused.
fn signature_of<'a, 'i>(node: Node<'a, 'i>) -> Result<Option<Node<'a, 'i>>, SamlError> {
    let mut sigs = children_named(node, NS_DSIG, "Signature");
    let first = sigs.next();
    if sigs.next().is_some() {
        return Err(SamlError::new(
            ErrorCode::SignatureUnsupported,
            format!("<{}> holds more than one Signature", node.tag_name().name()),
        ));
    }
    Ok(first)
}

/// The one Assertion or EncryptedAssertion that is a direct child of the Response; an
/// Assertion anywhere else (Extensions, Advice, Signature/Object, a wrapper) is refused.
fn the_assertion<'a, 'i>(response: Node<'a, 'i>) -> Result<Node<'a, 'i>, SamlError> {
    let direct: Vec<Node<'a, 'i>> = elements(response)
        .filter(|n| is(n, NS_ASSERTION, "Assertion") || is(n, NS_ASSERTION, "EncryptedAssertion"))
        .collect();
    let everywhere = response
        .descendants()
        .filter(|n| is(n, NS_ASSERTION, "Assertion") || is(n, NS_ASSERTION, "EncryptedAssertion"))
        .count();
    match direct.as_slice() {
        [one] if everywhere == 1 => Ok(*one),
        [_] => Err(SamlError::new(ErrorCode::AssertionCount, "an Assertion is nested somewhere it may not be")),
        [] => Err(SamlError::new(ErrorCode::AssertionCount, "the Response holds no Assertion")),
        _ => Err(SamlError::new(
            ErrorCode::AssertionCount,
            format!("the Response holds {} assertions; exactly one is allowed", direct.len()),
        )),
    }
}

/// Status must be Success; otherwise both status levels and the message (Entra puts its
/// `AADSTS…` error there) go into the error.
fn check_status(response: Node<'_, '_>) -> Result<(), SamlError> {
    let status =
        single_child(response, NS_PROTOCOL, "Status")?.ok_or_else(|| malformed("the Response has no Status"))?;
    let code =
        single_child(status, NS_PROTOCOL, "StatusCode")?.ok_or_else(|| malformed("the Status has no StatusCode"))?;
    let top = required(code, "Value")?;
    if top == SUCCESS {
        return Ok(());
    }
    let second = single_child(code, NS_PROTOCOL, "StatusCode")?.and_then(|c| c.attribute("Value"));
    let message = single_child(status, NS_PROTOCOL, "StatusMessage")?.map(text).transpose()?;
    let mut detail = format!("the IdP did not sign the user in: status {top}");
    if let Some(second) = second {
        detail.push_str(&format!(" / {second}"));
    }
    if let Some(message) = message.filter(|m| !m.trim().is_empty()) {
        detail.push_str(&format!(": {}", message.trim()));
    }
    Err(SamlError::new(ErrorCode::StatusNotSuccess, detail))
}

/// The root must be a SAML 2.0 `samlp:Response`.
fn check_response_root(root: Node<'_, '_>) -> Result<(), SamlError> {
    if !is(&root, NS_PROTOCOL, "Response") {
        return Err(malformed(format!(
            "the message is {{{}}}{}, not a samlp:Response",
            excerpt(root.tag_name().namespace().unwrap_or("")),
            excerpt(root.tag_name().name())
        )));
    }
    if root.attribute("Version") != Some("2.0") {
        return Err(malformed("the Response Version is not \"2.0\""));
    }
    Ok(())
}

/// The request ID an unverified Response claims to answer: its `InResponseTo`, or else that of
/// the first bearer `SubjectConfirmationData` of a plain assertion that is a direct child.
fn claimed_in_response_to<'a>(root: Node<'a, '_>) -> Option<&'a str> {
    if let Some(id) = root.attribute("InResponseTo") {
        return Some(id);
    }
    children_named(root, NS_ASSERTION, "Assertion")
        .flat_map(|a| children_named(a, NS_ASSERTION, "Subject"))
        .flat_map(|subject| children_named(subject, NS_ASSERTION, "SubjectConfirmation"))
        .filter(|c| c.attribute("Method") == Some(BEARER))
        .flat_map(|c| children_named(c, NS_ASSERTION, "SubjectConfirmationData"))
        .find_map(|data| data.attribute("InResponseTo"))
}

/// A `ds:Signature` may stand only where SAML puts one: as a direct child of the Response
/// (`response`) or of its assertion. One anywhere else — inside `Status`, `Extensions`, an
/// `Advice`, another Signature's `Object` — is never what a conformant IdP sends, so it is a
/// forgery attempt or a broken IdP, and the response is refused rather than the signature
/// ignored.
fn check_signature_places(
    doc: &Document<'_>,
    response: Node<'_, '_>,
    assertion: Node<'_, '_>,
) -> Result<(), SamlError> {
    for signature in doc.descendants().filter(|n| is(n, NS_DSIG, "Signature")) {
        let parent = signature.parent();
        if parent != Some(response) && parent != Some(assertion) {
            let place = parent.map_or("", |p| p.tag_name().name());
            return Err(SamlError::new(
                ErrorCode::SignatureUnsupported,
                format!(
                    "a Signature stands inside <{}>; signatures are only accepted directly in the Response or the Assertion",
                    excerpt(place)
                ),
            ));
        }
    }
    Ok(())
}

/// The one answer to every failure of an unauthenticated encrypted assertion.
fn opaque() -> SamlError {
    SamlError::new(ErrorCode::DecryptionFailed, super::encrypted::OPAQUE_MESSAGE)
}

fn parse_verified(bytes: &[u8]) -> Result<String, SamlError> {
    String::from_utf8(bytes.to_vec()).map_err(|_| malformed("verified canonical bytes are not UTF-8"))
}

impl ServiceProvider {
    /// Validate a SAMLResponse posted to the ACS (the base64 form value or raw XML) at `now`.
    /// `request_id` is the ID of the AuthnRequest this browser was sent with (SP-initiated);
    /// `None` for an unsolicited, IdP-initiated response, accepted only with
    /// `allow_idp_initiated`. Replay protection is the login decision's job
    /// ([`crate::login`]), which remembers `assertion_id`.
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
        check_response_root(root)?;
        let request_id = pending(claimed_in_response_to(root));
        let request_id = request_id.as_deref();
        check_unique_ids(&doc)?;
        let assertion = the_assertion(root)?;
        let plain_assertion = if is(&assertion, NS_ASSERTION, "Assertion") { assertion } else { root };
        check_signature_places(&doc, root, plain_assertion)?;
        check_status(root)?;

        // The Response signature, if any, is verified first (before any decryption).
        let certs = self.idp_certificates();
        let verified_response = match signature_of(root)? {
            Some(sig) => Some(verify_enveloped(root, sig, certs, s.allow_sha1)?),
            None if s.require_signed_response => {
                return Err(SamlError::new(
                    ErrorCode::SignatureMissing,
                    "the Response is not signed, and require_signed_response is set (Entra: \"Sign SAML response and assertion\")",
                ));
            }
            None => None,
        };
        let response_signed = verified_response.is_some();
        // When the Response signature is what covers the assertion, everything is read from
        // the verified canonical Response. When the assertion carries its own signature, the
        // Response fields are read from the root element itself — the very node whose
        // canonical form was just verified — and the assertion from its own signed bytes.
        let assertion_signed = is(&assertion, NS_ASSERTION, "Assertion") && signature_of(assertion)?.is_some();
        let response_text = match &verified_response {
            Some(v) if !assertion_signed => Some(parse_verified(&v.canonical)?),
            _ => None,
        };
        let response_doc = response_text.as_deref().map(|t| parse_document(t, &s.xml_limits)).transpose()?;
        let response = response_doc.as_ref().map_or(root, Document::root_element);
        let covered = if response_doc.is_some() { the_assertion(response)? } else { assertion };

        // The assertion: plain or encrypted; its own signature, or the Response's. Without a
        // verified Response signature over the ciphertext, every failure up to a verified
        // signature inside the decrypted assertion looks the same, so nothing can serve as a
        // decryption (padding or parsing) oracle.
        let encrypted = is(&covered, NS_ASSERTION, "EncryptedAssertion");
        let hide = |e: SamlError| if encrypted && !response_signed { opaque() } else { e };
        let decrypted;
        let decrypted_doc;
        let plain = if encrypted {
            decrypted = input::normalize_line_ends(decrypt_assertion(covered, self.decryption_keys()).map_err(hide)?);
            decrypted_doc = parse_document(&decrypted, &s.xml_limits).map_err(hide)?;
            check_unique_ids(&decrypted_doc).map_err(hide)?;
            let a = decrypted_doc.root_element();
            if !is(&a, NS_ASSERTION, "Assertion") {
                return Err(hide(malformed("the decrypted content is not an Assertion")));
            }
            check_signature_places(&decrypted_doc, a, a).map_err(hide)?;
            a
        } else {
            covered
        };
        let assertion_text = match signature_of(plain).map_err(hide)? {
            Some(sig) => {
                Some(parse_verified(&verify_enveloped(plain, sig, certs, s.allow_sha1).map_err(hide)?.canonical)?)
            }
            None if response_signed => None,
            None => {
                return Err(hide(SamlError::new(
                    ErrorCode::SignatureMissing,
                    "no signature covers the assertion (Entra: Signing Option \"Sign SAML assertion\")",
                )));
            }
        };
        let assertion_doc = assertion_text.as_deref().map(|t| parse_document(t, &s.xml_limits)).transpose()?;
        let trusted = assertion_doc.as_ref().map_or(plain, Document::root_element);
        self.check_profile(response, trusted, now, request_id, response_signed)
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
        check_response_root(root).ok()?;
        claimed_in_response_to(root).map(str::to_owned)
    }

    /// Verify the enveloped signature on the root element of `xml` (a signed Assertion or
    /// Response on its own) with the configured IdP certificates, and return the verified
    /// canonical XML — what the signature covers. No profile check is made: this is for
    /// diagnostics and tests, never a substitute for [`Self::validate_response`].
    pub fn verify_signed_element(&self, xml: &str) -> Result<String, SamlError> {
        let s = self.settings();
        let xml = input::decode(xml.as_bytes(), s.max_response_bytes)?;
        let doc = parse_document(&xml, &s.xml_limits)?;
        check_unique_ids(&doc)?;
        let root = doc.root_element();
        let sig = signature_of(root)?
            .ok_or_else(|| SamlError::new(ErrorCode::SignatureMissing, "the element is not signed"))?;
        parse_verified(&verify_enveloped(root, sig, self.idp_certificates(), s.allow_sha1)?.canonical)
    }

    fn check_profile(
        &self,
        response: Node<'_, '_>,
        assertion: Node<'_, '_>,
        now: OffsetDateTime,
        request_id: Option<&str>,
        response_signed: bool,
    ) -> Result<Identity, SamlError> {
        let s = self.settings();
        let skew = s.clock_skew();
        if assertion.attribute("Version") != Some("2.0") {
            return Err(malformed("the Assertion Version is not \"2.0\""));
        }
        let assertion_id = required(assertion, "ID")?.to_owned();

        // Issuer: the assertion's is required; the Response's, when present, must agree.
        let issuer_node = single_child(assertion, NS_ASSERTION, "Issuer")?
            .ok_or_else(|| SamlError::new(ErrorCode::IssuerMismatch, "the Assertion has no Issuer"))?;
        if issuer_node.attribute("Format").is_some_and(|f| f != ENTITY_FORMAT) {
            return Err(SamlError::new(
                ErrorCode::IssuerMismatch,
                "the Assertion Issuer Format is not the entity format",
            ));
        }
        let issuer_text = text(issuer_node)?;
        let issuer = lex::trim(&issuer_text).to_owned();
        if issuer != s.idp_entity_id {
            return Err(SamlError::mismatch(ErrorCode::IssuerMismatch, "Assertion Issuer", &s.idp_entity_id, &issuer));
        }
        if let Some(node) = single_child(response, NS_ASSERTION, "Issuer")? {
            let r = text(node)?;
            if lex::trim(&r) != s.idp_entity_id {
                return Err(SamlError::mismatch(ErrorCode::IssuerMismatch, "Response Issuer", &s.idp_entity_id, &r));
            }
        }

        // Destination: exact; required when the Response is signed.
        match response.attribute("Destination") {
            Some(d) if lex::trim(d) != s.acs_url => {
                return Err(SamlError::mismatch(ErrorCode::DestinationMismatch, "Response Destination", &s.acs_url, d));
            }
            None if response_signed => {
                return Err(SamlError::new(ErrorCode::DestinationMismatch, "the signed Response has no Destination"));
            }
            _ => {}
        }

        // InResponseTo: the request we sent, or none at all for an unsolicited response. The
        // Response attribute is optional (SAML core §3.2.2); without it the signed bearer
        // confirmation, checked below, must name the request.
        let response_irt = response.attribute("InResponseTo");
        match (request_id, response_irt) {
            (Some(want), Some(got)) if want == got => {}
            (Some(_), None) => {}
            (Some(want), Some(got)) => {
                return Err(SamlError::mismatch(ErrorCode::InResponseToMismatch, "Response InResponseTo", want, got));
            }
            (None, Some(got)) => {
                return Err(SamlError::new(
                    ErrorCode::InResponseToMismatch,
                    format!(
                        "the Response answers request \"{}\", which this SP does not know (expired, or another browser)",
                        excerpt(got)
                    ),
                ));
            }
            (None, None) if !s.allow_idp_initiated => {
                return Err(SamlError::new(
                    ErrorCode::UnsolicitedResponse,
                    "an IdP-initiated (unsolicited) response, and allow_idp_initiated is off for this workspace; sign in from the app's login page or enable IdP-initiated sign-in",
                ));
            }
            (None, None) => {}
        }

        // Subject: NameID and a bearer confirmation that passes every check.
        let subject = single_child(assertion, NS_ASSERTION, "Subject")?
            .ok_or_else(|| SamlError::new(ErrorCode::NameIdMissing, "the Assertion has no Subject"))?;
        let name_id_node = single_child(subject, NS_ASSERTION, "NameID")?.ok_or_else(|| {
            SamlError::new(ErrorCode::NameIdMissing, "the Subject has no NameID (EncryptedID is not supported)")
        })?;
        let name_id = lex::trim(&text(name_id_node)?).to_owned();
        if name_id.is_empty() {
            return Err(SamlError::new(ErrorCode::NameIdMissing, "the NameID is empty or blank"));
        }
        let confirmation_until = self.check_bearer(subject, now, skew, request_id)?;

        // Conditions: the time window and our audience in every AudienceRestriction.
        let conditions = single_child(assertion, NS_ASSERTION, "Conditions")?
            .ok_or_else(|| malformed("the Assertion has no Conditions"))?;
        let not_before = time_attr(conditions, "NotBefore")?;
        let conditions_until = time_attr(conditions, "NotOnOrAfter")?;
        check_window("Conditions", not_before, conditions_until, now, skew)?;
        let mut restrictions = 0;
        for child in elements(conditions) {
            match (child.tag_name().namespace(), child.tag_name().name()) {
                (Some(NS_ASSERTION), "AudienceRestriction") => {
                    restrictions += 1;
                    let audiences: Vec<String> =
                        children_named(child, NS_ASSERTION, "Audience").map(text).collect::<Result<_, _>>()?;
                    if !audiences.iter().any(|a| lex::trim(a) == s.sp_entity_id) {
                        return Err(SamlError::mismatch(
                            ErrorCode::AudienceMismatch,
                            "Audience",
                            &s.sp_entity_id,
                            &audiences.join(", "),
                        ));
                    }
                }
                // One-time use is what the replay cache enforces; proxying is not ours to judge.
                (Some(NS_ASSERTION), "OneTimeUse" | "ProxyRestriction") => {}
                (_, other) => return Err(malformed(format!("the condition <{other}> is not understood"))),
            }
        }
        if restrictions == 0 {
            return Err(SamlError::new(
                ErrorCode::AudienceMismatch,
                format!("the Conditions hold no AudienceRestriction; expected one naming \"{}\"", s.sp_entity_id),
            ));
        }

        // AuthnStatement: at least one (SAML profiles §4.1.4.2: a bearer assertion for Web SSO
        // says how the user authenticated); the session index, and the session's own end if
        // the IdP set one.
        if children_named(assertion, NS_ASSERTION, "AuthnStatement").next().is_none() {
            return Err(malformed(
                "the Assertion has no AuthnStatement; the Web SSO profile requires one (SAML profiles §4.1.4.2)",
            ));
        }
        let mut session_index = None;
        for statement in children_named(assertion, NS_ASSERTION, "AuthnStatement") {
            if session_index.is_none() {
                session_index = statement.attribute("SessionIndex").map(str::to_owned);
            }
            if let Some(end) = time_attr(statement, "SessionNotOnOrAfter")?
                && has_passed(end, now, skew)
            {
                return Err(SamlError::new(ErrorCode::Expired, "AuthnStatement SessionNotOnOrAfter has passed"));
            }
        }

        let (attributes, friendly) = read_attributes(assertion)?;
        let not_on_or_after = match conditions_until {
            Some(c) => c.min(confirmation_until),
            None => confirmation_until,
        };
        let mut identity = Identity {
            name_id,
            name_id_format: name_id_node.attribute("Format").map(str::to_owned),
            session_index,
            email: None,
            given_name: None,
            family_name: None,
            display_name: None,
            object_id: None,
            tenant_id: None,
            issuer,
            assertion_id,
            // Checked above against the Response and the bearer confirmation that passed.
            in_response_to: request_id.map(str::to_owned),
            not_on_or_after,
            attributes,
        };
        apply_mapping(&mut identity, &friendly, &s.attribute_map);
        Ok(identity)
    }

    /// The first bearer SubjectConfirmation whose data passes; its NotOnOrAfter. When none
    /// passes, the error of the first candidate explains why.
    fn check_bearer(
        &self,
        subject: Node<'_, '_>,
        now: OffsetDateTime,
        skew: Duration,
        request_id: Option<&str>,
    ) -> Result<OffsetDateTime, SamlError> {
        let s = self.settings();
        let mut first_error = None;
        for confirmation in children_named(subject, NS_ASSERTION, "SubjectConfirmation") {
            if confirmation.attribute("Method") != Some(BEARER) {
                continue;
            }
            let Some(data) = single_child(confirmation, NS_ASSERTION, "SubjectConfirmationData")? else { continue };
            let check = || -> Result<OffsetDateTime, SamlError> {
                let recipient = data.attribute("Recipient").unwrap_or("");
                if lex::trim(recipient) != s.acs_url {
                    return Err(SamlError::mismatch(
                        ErrorCode::RecipientMismatch,
                        "SubjectConfirmationData Recipient",
                        &s.acs_url,
                        recipient,
                    ));
                }
                let until = time_attr(data, "NotOnOrAfter")?
                    .ok_or_else(|| malformed("the bearer SubjectConfirmationData has no NotOnOrAfter"))?;
                check_window("SubjectConfirmationData", time_attr(data, "NotBefore")?, Some(until), now, skew)?;
                match (request_id, data.attribute("InResponseTo")) {
                    (Some(want), Some(got)) if want == got => {}
                    (None, None) => {}
                    (want, got) => {
                        return Err(SamlError::mismatch(
                            ErrorCode::InResponseToMismatch,
                            "SubjectConfirmationData InResponseTo",
                            want.unwrap_or(""),
                            got.unwrap_or(""),
                        ));
                    }
                }
                Ok(until)
            };
            match check() {
                Ok(until) => return Ok(until),
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        Err(first_error.unwrap_or_else(|| {
            SamlError::new(
                ErrorCode::SubjectConfirmationMissing,
                "the Subject has no bearer SubjectConfirmation with SubjectConfirmationData (Recipient, NotOnOrAfter)",
            )
        }))
    }
}

/// Whether `now` is at or past `end + skew`. Checked arithmetic: an end so late that adding
/// the skew leaves the calendar has not passed (no date or setting can make this panic).
fn has_passed(end: OffsetDateTime, now: OffsetDateTime, skew: Duration) -> bool {
    end.checked_add(skew).is_some_and(|latest| now >= latest)
}

/// `not_before - skew <= now < not_on_or_after + skew`, in checked arithmetic (a bound that
/// the skew pushes off the calendar does not bind).
fn check_window(
    what: &str,
    not_before: Option<OffsetDateTime>,
    not_on_or_after: Option<OffsetDateTime>,
    now: OffsetDateTime,
    skew: Duration,
) -> Result<(), SamlError> {
    let show = |t: OffsetDateTime| super::datetime::format_datetime(t);
    if let Some(nb) = not_before
        && nb.checked_sub(skew).is_some_and(|earliest| now < earliest)
    {
        return Err(SamlError::new(
            ErrorCode::NotYetValid,
            format!(
                "{what} NotBefore is {}, later than now ({}) plus the clock skew; check the clocks",
                show(nb),
                show(now)
            ),
        ));
    }
    if let Some(end) = not_on_or_after
        && has_passed(end, now, skew)
    {
        return Err(SamlError::new(
            ErrorCode::Expired,
            format!("{what} NotOnOrAfter was {}; it is now {}", show(end), show(now)),
        ));
    }
    Ok(())
}

/// An AttributeValue as text: its text nodes in document order, those of child elements
/// included. A value carrying an element — eduPersonTargetedID as a `saml:NameID`, the
/// MACE-Dir encoding Shibboleth and InCommon send — reads as that element's text; markup,
/// attributes and comments are dropped. (Read from signed bytes like every other value.)
fn text_content(value: Node<'_, '_>) -> String {
    value.descendants().filter(Node::is_text).filter_map(|t| t.text()).collect()
}

/// Every Attribute by Name (values in order, xsi:nil values skipped), and FriendlyName → Name.
fn read_attributes(assertion: Node<'_, '_>) -> Result<(Attributes, FriendlyNames), SamlError> {
    const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";
    let mut attributes = Attributes::new();
    let mut friendly = FriendlyNames::new();
    for statement in children_named(assertion, NS_ASSERTION, "AttributeStatement") {
        for attribute in children_named(statement, NS_ASSERTION, "Attribute") {
            let name = required(attribute, "Name")?.to_owned();
            if let Some(f) = attribute.attribute("FriendlyName") {
                friendly.push((f.to_owned(), name.clone()));
            }
            let values = attributes.entry(name).or_default();
            for value in children_named(attribute, NS_ASSERTION, "AttributeValue") {
                if value.attribute((XSI, "nil")).is_some_and(|n| n == "true" || n == "1") {
                    continue;
                }
                values.push(text_content(value));
            }
        }
    }
    Ok((attributes, friendly))
}
