//! Stage 2, signatures: verify what is signed, decrypt what is encrypted, and hand the profile
//! checks the assertion as a [`Trusted`] view — the one type the later stages read identity
//! from, and one that only this stage can build.
//!
//! A `Trusted` node lies in bytes a verified signature covers: the canonical bytes of a verified
//! Response or Assertion (re-parsed, never the document as received), or an assertion decrypted
//! from ciphertext that lay in such bytes. Its field is private to this module and every place
//! that makes one is below, so "identity is read only from signed bytes" holds by construction:
//! a stage that takes a `Trusted` cannot be handed an unverified node.
//!
//! The order survives the attacks seen on other SAML stacks: the Response signature is checked
//! before anything is decrypted, and without one over the ciphertext every failure up to a
//! verified signature inside the decrypted assertion looks the same ([`Mask`]), so nothing can
//! serve as a decryption (padding or parsing) oracle.

use super::structure::{Message, check_signature_places, check_unique_ids, the_assertion};
use crate::error::ErrorCode;
use crate::saml::ServiceProvider;
use crate::saml::dsig::{Verified, verify_enveloped};
use crate::saml::encrypted::{OPAQUE_MESSAGE, decrypt_assertion};
use crate::saml::error::{SamlError, malformed};
use crate::saml::input::normalize_line_ends;
use crate::saml::xml::{Document, NS_ASSERTION, NS_DSIG, Node, children_named, is, parse_document};

/// A node of signed XML: see the module documentation for what makes it so.
#[derive(Debug, Clone, Copy)]
pub(super) struct Trusted<'a, 'i>(Node<'a, 'i>);

impl<'a, 'i> Trusted<'a, 'i> {
    /// The node, to read from.
    pub(super) fn node(self) -> Node<'a, 'i> {
        self.0
    }

    /// Trust `node` without a signature: only for the unit tests of the stages that read a
    /// `Trusted`, which test the checks, not the signature that precedes them.
    #[cfg(test)]
    pub(super) fn assume(node: Node<'a, 'i>) -> Self {
        Trusted(node)
    }
}

/// The root of `doc`, trusted without a signature: for the stages' unit tests (see
/// [`Trusted::assume`]). It lives here, not with the shared test fixture, so that the fixture
/// needs nothing from this stage and this stage's own tests can use the fixture.
#[cfg(test)]
pub(super) fn trusted<'a, 'i>(doc: &'a crate::saml::xml::Document<'i>) -> Trusted<'a, 'i> {
    Trusted::assume(doc.root_element())
}

/// The Response the profile checks read Destination, InResponseTo and the Response Issuer
/// from, and whether a verified signature covers it. Unlike the assertion it may be unsigned:
/// SAML lets an IdP sign the assertion alone.
#[derive(Debug, Clone, Copy)]
pub(super) struct Envelope<'a, 'i> {
    /// The Response element: in the verified canonical bytes when those were re-parsed, else
    /// the element as received (the very node whose canonical form was verified, if signed).
    pub(super) node: Node<'a, 'i>,
    /// Whether the Response signature was verified.
    pub(super) signed: bool,
}

/// Storage for the texts this stage verifies or decrypts, declared by the caller so that the
/// views returned borrow from it. Private fields: only this stage fills it.
#[derive(Debug, Default)]
pub(super) struct Texts {
    response: Option<String>,
    decrypted: Option<String>,
    assertion: Option<String>,
}

/// Storage for the parses of [`Texts`], likewise.
#[derive(Debug, Default)]
pub(super) struct Documents<'t> {
    response: Option<Document<'t>>,
    decrypted: Option<Document<'t>>,
    assertion: Option<Document<'t>>,
}

/// An assertion on its way through this stage: already covered by a verified signature, or
/// not yet.
#[derive(Debug, Clone, Copy)]
enum Candidate<'a, 'i> {
    Signed(Trusted<'a, 'i>),
    Unsigned(Node<'a, 'i>),
}

impl<'a, 'i> Candidate<'a, 'i> {
    fn node(self) -> Node<'a, 'i> {
        match self {
            Candidate::Signed(t) => t.0,
            Candidate::Unsigned(n) => n,
        }
    }
}

/// Whether every failure is reported as the one opaque decryption error: so when the
/// assertion is encrypted and no verified Response signature covers the ciphertext.
#[derive(Debug, Clone, Copy)]
struct Mask(bool);

impl Mask {
    fn apply(self, error: SamlError) -> SamlError {
        if self.0 { SamlError::new(ErrorCode::DecryptionFailed, OPAQUE_MESSAGE) } else { error }
    }
}

/// The Signature that is a direct child of `node`, if any; more than one is refused.
pub(super) fn signature_of<'a, 'i>(node: Node<'a, 'i>) -> Result<Option<Node<'a, 'i>>, SamlError> {
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

/// The verified canonical bytes as text.
pub(super) fn canonical_text(verified: Verified) -> Result<String, SamlError> {
    String::from_utf8(verified.into_canonical()).map_err(|_| malformed("verified canonical bytes are not UTF-8"))
}

/// Run the stage on a structurally checked message: the Response the profile reads, and its
/// assertion as trusted. `texts` and `documents` hold what the views borrow.
pub(super) fn verify<'a, 't>(
    sp: &ServiceProvider,
    message: Message<'a, 't>,
    texts: &'t mut Texts,
    documents: &'a mut Documents<'t>,
) -> Result<(Envelope<'a, 't>, Trusted<'a, 't>), SamlError> {
    let Texts { response: response_text, decrypted: decrypted_text, assertion: assertion_text } = texts;
    let Documents { response: response_doc, decrypted: decrypted_doc, assertion: assertion_doc } = documents;
    let (envelope, covered) = response_signature(sp, message, response_text, response_doc)?;
    let encrypted = is(&covered.node(), NS_ASSERTION, "EncryptedAssertion");
    let mask = Mask(encrypted && matches!(covered, Candidate::Unsigned(_)));
    let plain = if encrypted { decrypt(sp, covered, mask, decrypted_text, decrypted_doc)? } else { covered };
    let assertion = assertion_signature(sp, plain, mask, assertion_text, assertion_doc)?;
    Ok((envelope, assertion))
}

/// The Response signature, if any, verified first (before any decryption). When it is what
/// covers the assertion, the Response and the assertion are read from its verified canonical
/// bytes; when the assertion carries its own signature, the Response is read from the element
/// as received — the very node whose canonical form was just verified — and the assertion is
/// left to [`assertion_signature`].
fn response_signature<'a, 't>(
    sp: &ServiceProvider,
    message: Message<'a, 't>,
    text: &'t mut Option<String>,
    document: &'a mut Option<Document<'t>>,
) -> Result<(Envelope<'a, 't>, Candidate<'a, 't>), SamlError> {
    let s = sp.settings();
    let verified = match signature_of(message.response)? {
        Some(sig) => Some(verify_enveloped(message.response, sig, sp.idp_certificates(), s.allow_sha1)?),
        None if s.require_signed_response => {
            return Err(SamlError::new(
                ErrorCode::SignatureMissing,
                "the Response is not signed, and require_signed_response is set (Entra: \"Sign SAML response and assertion\")",
            ));
        }
        None => None,
    };
    let signed = verified.is_some();
    let assertion_signed =
        is(&message.assertion, NS_ASSERTION, "Assertion") && signature_of(message.assertion)?.is_some();
    match verified {
        Some(verified) if !assertion_signed => {
            let text = text.insert(canonical_text(verified)?);
            let response = document.insert(parse_document(text, &s.xml_limits)?).root_element();
            let covered = Trusted(the_assertion(response)?);
            Ok((Envelope { node: response, signed }, Candidate::Signed(covered)))
        }
        _ => Ok((Envelope { node: message.response, signed }, Candidate::Unsigned(message.assertion))),
    }
}

/// Decrypt an EncryptedAssertion and check its plaintext as the message was checked (unique
/// IDs, an Assertion root, signatures only in place). Plaintext decrypted from signed
/// ciphertext is as trusted as the ciphertext was.
fn decrypt<'a, 't>(
    sp: &ServiceProvider,
    encrypted: Candidate<'a, 't>,
    mask: Mask,
    text: &'t mut Option<String>,
    document: &'a mut Option<Document<'t>>,
) -> Result<Candidate<'a, 't>, SamlError> {
    let hide = |e| mask.apply(e);
    let plaintext = decrypt_assertion(encrypted.node(), sp.decryption_keys()).map_err(hide)?;
    let text = text.insert(normalize_line_ends(plaintext));
    let document = document.insert(parse_document(text, &sp.settings().xml_limits).map_err(hide)?);
    check_unique_ids(document).map_err(hide)?;
    let assertion = document.root_element();
    if !is(&assertion, NS_ASSERTION, "Assertion") {
        return Err(hide(malformed("the decrypted content is not an Assertion")));
    }
    check_signature_places(document, assertion, assertion).map_err(hide)?;
    Ok(match encrypted {
        Candidate::Signed(_) => Candidate::Signed(Trusted(assertion)),
        Candidate::Unsigned(_) => Candidate::Unsigned(assertion),
    })
}

/// The assertion's own signature, verified when present (even under a signed Response), and
/// the assertion re-read from its canonical bytes; without one, only a Response signature can
/// have covered it.
fn assertion_signature<'a, 't>(
    sp: &ServiceProvider,
    assertion: Candidate<'a, 't>,
    mask: Mask,
    text: &'t mut Option<String>,
    document: &'a mut Option<Document<'t>>,
) -> Result<Trusted<'a, 't>, SamlError> {
    let s = sp.settings();
    let hide = |e| mask.apply(e);
    match (signature_of(assertion.node()).map_err(hide)?, assertion) {
        (Some(sig), _) => {
            let verified =
                verify_enveloped(assertion.node(), sig, sp.idp_certificates(), s.allow_sha1).map_err(hide)?;
            let text = text.insert(canonical_text(verified)?);
            Ok(Trusted(document.insert(parse_document(text, &s.xml_limits)?).root_element()))
        }
        (None, Candidate::Signed(trusted)) => Ok(trusted),
        (None, Candidate::Unsigned(_)) => Err(hide(SamlError::new(
            ErrorCode::SignatureMissing,
            "no signature covers the assertion (Entra: Signing Option \"Sign SAML assertion\")",
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{ASSERTION_NS, IDP, PROTOCOL_NS, doc, read, settings, sign};
    use super::super::structure::check;
    use super::*;
    use crate::saml::SamlSettings;

    fn sp(settings: SamlSettings) -> ServiceProvider {
        ServiceProvider::new(settings).unwrap()
    }

    /// Where the stage's answer lies: whether the Response was signed, whether the envelope
    /// and the assertion are nodes of the document as received (rather than of bytes the
    /// stage verified), and the assertion's ID.
    #[derive(Debug, PartialEq)]
    struct Outcome {
        signed: bool,
        envelope_as_received: bool,
        assertion_as_received: bool,
        id: String,
    }

    fn run(sp: &ServiceProvider, xml: &str) -> Result<Outcome, SamlError> {
        let parsed = doc(xml);
        let message = check(&parsed)?;
        let mut texts = Texts::default();
        let mut documents = Documents::default();
        let (envelope, assertion) = verify(sp, message, &mut texts, &mut documents)?;
        Ok(Outcome {
            signed: envelope.signed,
            envelope_as_received: std::ptr::eq(envelope.node.document(), &parsed),
            assertion_as_received: std::ptr::eq(assertion.node().document(), &parsed),
            id: assertion.node().attribute("ID").unwrap_or("").to_owned(),
        })
    }

    fn response(assertion: &str) -> String {
        format!(
            r#"<samlp:Response {PROTOCOL_NS} {ASSERTION_NS} Version="2.0" ID="r1"><saml:Issuer>{IDP}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>{assertion}</samlp:Response>"#
        )
    }

    fn plain_assertion() -> String {
        format!(r#"<saml:Assertion ID="a1" Version="2.0"><saml:Issuer>{IDP}</saml:Issuer></saml:Assertion>"#)
    }

    #[test]
    fn a_signed_assertion_is_read_from_its_verified_bytes() {
        let xml = sign(&response(&plain_assertion()), "a1");
        let outcome = run(&sp(settings()), &xml).unwrap();
        let expected =
            Outcome { signed: false, envelope_as_received: true, assertion_as_received: false, id: "a1".into() };
        assert_eq!(outcome, expected);
        let issuer = format!(r#"Version="2.0"><saml:Issuer>{IDP}"#);
        let tampered = xml.replacen(&issuer, r#"Version="2.0"><saml:Issuer>https://evil.example/"#, 1);
        assert_ne!(tampered, xml);
        assert_eq!(run(&sp(settings()), &tampered).unwrap_err().code().as_str(), "signature_invalid");
    }

    #[test]
    fn a_signed_response_covers_its_assertion_and_both_are_read_from_its_verified_bytes() {
        let xml = sign(&response(&plain_assertion()), "r1");
        let outcome = run(&sp(settings()), &xml).unwrap();
        let expected =
            Outcome { signed: true, envelope_as_received: false, assertion_as_received: false, id: "a1".into() };
        assert_eq!(outcome, expected);
        let tampered = xml.replacen(r#"ID="a1""#, r#"ID="a2""#, 1);
        assert_eq!(run(&sp(settings()), &tampered).unwrap_err().code().as_str(), "signature_invalid");
    }

    #[test]
    fn when_both_are_signed_each_signature_is_checked() {
        let xml = sign(&sign(&response(&plain_assertion()), "a1"), "r1");
        let outcome = run(&sp(settings()), &xml).unwrap();
        let expected =
            Outcome { signed: true, envelope_as_received: true, assertion_as_received: false, id: "a1".into() };
        assert_eq!(outcome, expected);
        // A Response signature made by a key we do not trust fails, whatever covers the assertion.
        let other = SamlSettings { idp_certificates: vec![read("idp2-cert.pem")], ..settings() };
        assert_eq!(run(&sp(other), &xml).unwrap_err().code().as_str(), "signature_invalid");
    }

    #[test]
    fn an_unsigned_assertion_is_never_trusted() {
        let err = run(&sp(settings()), &response(&plain_assertion())).unwrap_err();
        assert_eq!(err.code().as_str(), "signature_missing");
        assert_eq!(err.message(), "no signature covers the assertion (Entra: Signing Option \"Sign SAML assertion\")");
    }

    #[test]
    fn a_required_response_signature_is_required() {
        let strict = sp(SamlSettings { require_signed_response: true, ..settings() });
        let err = run(&strict, &sign(&response(&plain_assertion()), "a1")).unwrap_err();
        assert_eq!(err.code().as_str(), "signature_missing");
        assert!(err.message().contains("require_signed_response"), "{err}");
    }

    #[test]
    fn two_signatures_on_one_element_are_refused() {
        let sig = r#"<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"/>"#;
        let xml = response(&format!(r#"<saml:Assertion ID="a1">{sig}{sig}</saml:Assertion>"#));
        assert_eq!(run(&sp(settings()), &xml).unwrap_err().message(), "<Assertion> holds more than one Signature");
    }

    #[test]
    fn an_unsigned_encrypted_assertion_fails_opaquely() {
        let xml = response("<saml:EncryptedAssertion><junk/></saml:EncryptedAssertion>");
        let err = run(&sp(settings()), &xml).unwrap_err();
        assert_eq!((err.code().as_str(), err.message()), ("decryption_failed", OPAQUE_MESSAGE));
    }

    /// `assertion` encrypted to `sp-cert.pem`: AES-256-GCM, the key wrapped with RSA-OAEP.
    fn encrypted(assertion: &str) -> String {
        use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
        use aws_lc_rs::rsa::{OAEP_SHA1_MGF1SHA1, OaepPublicEncryptingKey, PublicEncryptingKey};
        use base64::Engine;
        use base64::engine::general_purpose::STANDARD;
        use x509_cert::der::{Decode, Encode};
        let (aes_key, nonce) = ([7u8; 32], [9u8; 12]);
        let mut data = assertion.as_bytes().to_vec();
        let sealing = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &aes_key).unwrap());
        sealing.seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::empty(), &mut data).unwrap();
        let cipher = [nonce.as_slice(), &data].concat();
        let certificate = &crate::saml::certificate::Certificate::parse_all(&read("sp-cert.pem")).unwrap()[0];
        let spki = x509_cert::Certificate::from_der(certificate.der()).unwrap().tbs_certificate.subject_public_key_info;
        let public =
            OaepPublicEncryptingKey::new(PublicEncryptingKey::from_der(&spki.to_der().unwrap()).unwrap()).unwrap();
        let mut wrapped = vec![0; public.ciphertext_size()];
        let wrapped = public.encrypt(&OAEP_SHA1_MGF1SHA1, &aes_key, &mut wrapped, None).unwrap();
        format!(
            r#"<saml:EncryptedAssertion><xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#"><xenc:EncryptionMethod Algorithm="http://www.w3.org/2009/xmlenc11#aes256-gcm"/><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><xenc:EncryptedKey><xenc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"/><xenc:CipherData><xenc:CipherValue>{}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedKey></ds:KeyInfo><xenc:CipherData><xenc:CipherValue>{}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData></saml:EncryptedAssertion>"#,
            STANDARD.encode(wrapped),
            STANDARD.encode(cipher)
        )
    }

    fn decrypting() -> ServiceProvider {
        sp(SamlSettings { sp_decryption_keys: vec![read("sp-key.pem")], ..settings() })
    }

    fn standalone_assertion() -> String {
        format!(
            r#"<saml:Assertion {ASSERTION_NS} ID="a1" Version="2.0"><saml:Issuer>{IDP}</saml:Issuer></saml:Assertion>"#
        )
    }

    #[test]
    fn an_assertion_decrypted_from_signed_ciphertext_is_trusted() {
        let xml = sign(&response(&encrypted(&standalone_assertion())), "r1");
        let outcome = run(&decrypting(), &xml).unwrap();
        let expected =
            Outcome { signed: true, envelope_as_received: false, assertion_as_received: false, id: "a1".into() };
        assert_eq!(outcome, expected);
    }

    #[test]
    fn an_assertion_decrypted_from_unsigned_ciphertext_needs_its_own_signature() {
        let sp = decrypting();
        let unsigned = run(&sp, &response(&encrypted(&standalone_assertion()))).unwrap_err();
        assert_eq!((unsigned.code().as_str(), unsigned.message()), ("decryption_failed", OPAQUE_MESSAGE));
        let signed_inside = response(&encrypted(&sign(&standalone_assertion(), "a1")));
        assert_eq!(run(&sp, &signed_inside).unwrap().id, "a1");
    }

    #[test]
    fn the_mask_hides_only_when_set() {
        let error = SamlError::new(ErrorCode::SignatureInvalid, "why");
        assert_eq!(Mask(false).apply(error.clone()), error);
        assert_eq!(Mask(true).apply(error).message(), OPAQUE_MESSAGE);
    }
}
