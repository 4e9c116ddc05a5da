//! XML-DSig verification of an enveloped signature, in the order that survived attack in the
//! Go and Node ecosystems:
//!
//! 1. the Signature has exactly the shape a SAML signature has (one SignedInfo, one
//!    SignatureValue, an optional KeyInfo that is never trusted);
//! 2. SignatureValue is verified over the canonical SignedInfo with the configured IdP keys
//!    only;
//! 3. the Reference, transforms and DigestValue are read back from those verified canonical
//!    bytes — never from the document — and must be exactly one `#ID` reference to the
//!    Signature's parent with the enveloped-signature and exclusive-c14n transforms;
//! 4. the parent minus the Signature is canonicalized, hashed and compared in constant time.
//!
//! Nothing is ever fetched or opened: no URI is dereferenced but the parent's own `#ID`, and
//! no transform runs but the two allowed ones.

use super::xml::Node;
use aws_lc_rs::constant_time::verify_slices_are_equal;

use super::algorithms::{DigestAlgorithm, SignatureAlgorithm};
use super::certificate::{Certificate, decode_base64, verify_with_any};
use super::error::{SamlError, excerpt};
use super::xml::c14n::{C14nOptions, canonicalize_bounded};
use super::xml::{NS_DSIG, NS_EXC_C14N, XmlLimits, elements, is, parse_document, text};
use crate::error::ErrorCode;

const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
const EXC_C14N_COMMENTS: &str = "http://www.w3.org/2001/10/xml-exc-c14n#WithComments";
const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";

/// What a verified signature vouches for. Its field is private and [`verify_enveloped`] is
/// its only constructor, so holding one means these bytes passed the checks above.
#[derive(Debug)]
pub(crate) struct Verified {
    /// The canonical bytes of the signed element without its Signature: exactly what the
    /// digest covered, and the only bytes identity may be read from.
    canonical: Vec<u8>,
}

impl Verified {
    /// The verified canonical bytes.
    pub(crate) fn into_canonical(self) -> Vec<u8> {
        self.canonical
    }
}

fn unsupported(message: impl Into<String>) -> SamlError {
    SamlError::new(ErrorCode::SignatureUnsupported, message)
}

fn invalid(message: impl Into<String>) -> SamlError {
    SamlError::new(ErrorCode::SignatureInvalid, message)
}

/// The element children of `node`, refusing any non-whitespace text between them.
fn element_children<'a, 'i>(node: Node<'a, 'i>, what: &str) -> Result<Vec<Node<'a, 'i>>, SamlError> {
    for child in node.children() {
        if child.is_text() && !child.text().unwrap_or("").trim().is_empty() {
            return Err(unsupported(format!("<{what}> holds text outside its elements")));
        }
    }
    Ok(elements(node).collect())
}

/// The most distinct prefixes an InclusiveNamespaces PrefixList may name. Real IdPs name two
/// or three (`xs`, `xsi`, `#default`); the bound keeps the list's cost per element constant.
pub(crate) const MAX_PREFIX_LIST: usize = 32;

/// Whether `token` is a PrefixList token: `#default` or an NCName (no colon, no white space,
/// not starting with a digit, `-` or `.`).
fn is_prefix_token(token: &str) -> bool {
    if token == "#default" {
        return true;
    }
    let mut chars = token.chars();
    let first_ok = chars.next().is_some_and(|c| c == '_' || c.is_alphabetic());
    first_ok && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '\u{B7}'))
}

/// The `ec:InclusiveNamespaces PrefixList` below a c14n method or transform, if any: its
/// tokens checked, repeats dropped, at most [`MAX_PREFIX_LIST`]. Any other child, any other
/// attribute, a malformed token or too many are refused — before anything is canonicalized.
fn prefix_list(method: Node<'_, '_>) -> Result<Vec<String>, SamlError> {
    let children = element_children(method, "Transform")?;
    let list = match children.as_slice() {
        [] => return Ok(Vec::new()),
        [ns] if is(ns, NS_EXC_C14N, "InclusiveNamespaces") && elements(*ns).next().is_none() => ns,
        _ => return Err(unsupported("a canonicalization method may only carry an empty ec:InclusiveNamespaces")),
    };
    if list.attributes().any(|a| a.name() != "PrefixList" || a.namespace().is_some()) {
        return Err(unsupported("ec:InclusiveNamespaces may only carry PrefixList"));
    }
    let mut tokens: Vec<String> = Vec::new();
    for token in list.attribute("PrefixList").unwrap_or("").split_ascii_whitespace() {
        if !is_prefix_token(token) {
            return Err(unsupported(format!("the PrefixList token \"{}\" is not a prefix", excerpt(token))));
        }
        if !tokens.iter().any(|t| t == token) {
            if tokens.len() == MAX_PREFIX_LIST {
                return Err(unsupported(format!("the PrefixList names more than {MAX_PREFIX_LIST} prefixes")));
            }
            tokens.push(token.to_owned());
        }
    }
    Ok(tokens)
}

fn c14n(
    node: Node<'_, '_>,
    with_comments: bool,
    prefixes: &[String],
    exclude: Option<Node<'_, '_>>,
) -> Result<Vec<u8>, SamlError> {
    let prefixes: Vec<&str> = prefixes.iter().map(String::as_str).collect();
    let options = C14nOptions { with_comments, inclusive_prefixes: &prefixes, exclude: exclude.map(|n| n.id()) };
    let markup = node.range().len();
    let max_output = markup.saturating_mul(MAX_C14N_GROWTH).saturating_add(4096);
    let mut out = Vec::with_capacity(markup);
    let complete = canonicalize_bounded(node, &options, &mut out, max_output)
        .map_err(|e| invalid(format!("{e}; the signature cannot be checked")))?;
    if !complete {
        return Err(SamlError::new(
            ErrorCode::XmlLimitExceeded,
            format!(
                "the canonical form of <{}> would pass {max_output} bytes, more than {MAX_C14N_GROWTH} times its {markup} bytes of markup",
                excerpt(node.tag_name().name())
            ),
        ));
    }
    Ok(out)
}

/// How many times its own markup (plus 4 KiB of slack for small elements such as SignedInfo)
/// an element's canonical form may be; canonicalization stops at that bound. Exclusive c14n
/// repeats a namespace declaration on every element that uses it when no ancestor in the output
/// does: `xsi` on each typed AttributeValue (SimpleSAMLphp) roughly doubles a response, while a
/// long URI declared once over thousands of tiny elements would multiply it forty-fold, and the
/// digest and the re-parse of the verified bytes would pay for every copy.
pub(crate) const MAX_C14N_GROWTH: usize = 4;

/// Verify `signature`, a direct child of `parent`, against `certificates`.
pub(crate) fn verify_enveloped(
    parent: Node<'_, '_>,
    signature: Node<'_, '_>,
    certificates: &[Certificate],
    allow_sha1: bool,
) -> Result<Verified, SamlError> {
    let what = parent.tag_name().name();
    let parent_id = parent
        .attribute("ID")
        .ok_or_else(|| unsupported(format!("the signed <{what}> has no ID attribute to reference")))?;

    // 1. Shape.
    let parts = element_children(signature, "Signature")?;
    let (signed_info, signature_value, key_info) = match parts.as_slice() {
        [si, sv] => (*si, *sv, None),
        [si, sv, ki] => (*si, *sv, Some(*ki)),
        _ => {
            return Err(unsupported(
                "a Signature holds SignedInfo, SignatureValue and optionally KeyInfo, nothing else",
            ));
        }
    };
    if !is(&signed_info, NS_DSIG, "SignedInfo")
        || !is(&signature_value, NS_DSIG, "SignatureValue")
        || key_info.is_some_and(|k| !is(&k, NS_DSIG, "KeyInfo"))
    {
        return Err(unsupported("a Signature holds SignedInfo, SignatureValue and optionally KeyInfo, in that order"));
    }
    let info = element_children(signed_info, "SignedInfo")?;
    let [c14n_method, signature_method, reference] = info.as_slice() else {
        return Err(unsupported(
            "SignedInfo must hold CanonicalizationMethod, SignatureMethod and exactly one Reference",
        ));
    };
    if !is(c14n_method, NS_DSIG, "CanonicalizationMethod")
        || !is(signature_method, NS_DSIG, "SignatureMethod")
        || !is(reference, NS_DSIG, "Reference")
    {
        return Err(unsupported("SignedInfo must hold CanonicalizationMethod, SignatureMethod and one Reference"));
    }
    let with_comments = match c14n_method.attribute("Algorithm") {
        Some(EXC_C14N) => false,
        Some(EXC_C14N_COMMENTS) => true,
        other => {
            return Err(unsupported(format!(
                "CanonicalizationMethod \"{}\" is not allowed; only exclusive c14n is",
                other.unwrap_or("")
            )));
        }
    };
    let info_prefixes = prefix_list(*c14n_method)?;
    if elements(*signature_method).next().is_some() {
        return Err(unsupported("SignatureMethod may not carry parameters (HMACOutputLength and the like)"));
    }
    let algorithm = SignatureAlgorithm::from_uri(signature_method.attribute("Algorithm").unwrap_or(""), allow_sha1)?;
    // The Reference must already have its one allowed shape here, unverified: nothing of a
    // SignedInfo that could never be accepted is canonicalized (a Reference of thousands of
    // children, a PrefixList of thousands of tokens). It is read again, and only then trusted,
    // from the verified bytes.
    read_reference(signed_info, parent_id, allow_sha1)?;

    // 2. SignatureValue over the canonical SignedInfo, with configured keys only.
    let value = decode_base64(&text(signature_value)?).map_err(|_| invalid("SignatureValue is not base64"))?;
    if value.is_empty() {
        return Err(invalid("SignatureValue is empty"));
    }
    let signed_bytes = c14n(signed_info, with_comments, &info_prefixes, None)?;
    if !verify_with_any(certificates, algorithm, &signed_bytes, &value)? {
        return Err(invalid(format!(
            "the signature on <{what}> does not verify with any of the {} configured IdP certificate(s){}",
            certificates.len(),
            key_info_hint(key_info, certificates)
        )));
    }

    // 3. Everything else comes from the verified canonical SignedInfo.
    let signed_text = std::str::from_utf8(&signed_bytes).map_err(|_| invalid("canonical SignedInfo is not UTF-8"))?;
    let signed_doc = parse_document(signed_text, &XmlLimits::default())?;
    let (digest_algorithm, expected, prefixes) = read_reference(signed_doc.root_element(), parent_id, allow_sha1)?;

    // 4. The digest of the parent without this Signature.
    let canonical = c14n(parent, false, &prefixes, Some(signature))?;
    let actual = digest_algorithm.digest(&canonical);
    if verify_slices_are_equal(actual.as_ref(), &expected).is_err() {
        return Err(invalid(format!("the digest of <{what}> does not match: its content was changed after signing")));
    }
    Ok(Verified { canonical })
}

/// From a SignedInfo element: the digest algorithm, the expected digest and the exc-c14n
/// PrefixList, after checking the reference and transforms. Run on the document's SignedInfo as
/// a shape check, then on the verified canonical SignedInfo for the values that are used.
fn read_reference(
    signed_info: Node<'_, '_>,
    parent_id: &str,
    allow_sha1: bool,
) -> Result<(DigestAlgorithm, Vec<u8>, Vec<String>), SamlError> {
    let reference = elements(signed_info)
        .find(|n| is(n, NS_DSIG, "Reference"))
        .ok_or_else(|| unsupported("the SignedInfo holds no Reference"))?;
    let uri = reference.attribute("URI").unwrap_or("");
    if uri.strip_prefix('#') != Some(parent_id) {
        return Err(unsupported(format!(
            "the Reference URI is \"{}\"; it must be \"#{}\", the ID of the element the Signature is in",
            excerpt(uri),
            excerpt(parent_id)
        )));
    }
    let parts = element_children(reference, "Reference")?;
    let [transforms, digest_method, digest_value] = parts.as_slice() else {
        return Err(unsupported("a Reference holds Transforms, DigestMethod and DigestValue"));
    };
    if !is(transforms, NS_DSIG, "Transforms")
        || !is(digest_method, NS_DSIG, "DigestMethod")
        || !is(digest_value, NS_DSIG, "DigestValue")
    {
        return Err(unsupported("a Reference holds Transforms, DigestMethod and DigestValue, in that order"));
    }
    let list = element_children(*transforms, "Transforms")?;
    let prefixes = match list.as_slice() {
        [enveloped, exc]
            if is(enveloped, NS_DSIG, "Transform")
                && is(exc, NS_DSIG, "Transform")
                && enveloped.attribute("Algorithm") == Some(ENVELOPED)
                && elements(*enveloped).next().is_none()
                && matches!(exc.attribute("Algorithm"), Some(EXC_C14N | EXC_C14N_COMMENTS)) =>
        {
            prefix_list(*exc)?
        }
        _ => {
            let names: Vec<String> =
                list.iter().take(4).map(|t| excerpt(t.attribute("Algorithm").unwrap_or("?")).into_owned()).collect();
            let more = if list.len() > 4 { format!(" and {} more", list.len() - 4) } else { String::new() };
            return Err(unsupported(format!(
                "the transforms must be exactly enveloped-signature then exclusive c14n, not [{}]{more}",
                names.join(", ")
            )));
        }
    };
    if elements(*digest_method).next().is_some() {
        return Err(unsupported("DigestMethod may not carry parameters"));
    }
    let algorithm = DigestAlgorithm::from_uri(digest_method.attribute("Algorithm").unwrap_or(""), allow_sha1)?;
    let expected = decode_base64(&text(*digest_value)?).map_err(|_| invalid("DigestValue is not base64"))?;
    Ok((algorithm, expected, prefixes))
}

/// When the signature fails, say which certificate the IdP used if KeyInfo names one we do
/// not trust: the usual cause is an IdP certificate rollover. (KeyInfo is only ever a hint.)
fn key_info_hint(key_info: Option<Node<'_, '_>>, certificates: &[Certificate]) -> String {
    let Some(cert_node) = key_info.and_then(|k| k.descendants().find(|n| is(n, NS_DSIG, "X509Certificate"))) else {
        return String::new();
    };
    let Ok(presented) = text(cert_node).map_err(|_| ()).and_then(|t| Certificate::parse_all(&t).map_err(|_| ())) else {
        return String::new();
    };
    match presented.first() {
        Some(p) if !certificates.iter().any(|c| c.der() == p.der()) => format!(
            "; the message names certificate \"{}\" (SHA-256 {}), which is not configured — if the IdP rolled its \
             certificate over, import its new metadata",
            p.subject(),
            p.sha256_fingerprint()
        ),
        _ => String::new(),
    }
}
