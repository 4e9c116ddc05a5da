//! SAML 2.0 metadata: importing an identity provider's metadata ([`IdpMetadata`]) and publishing
//! our own service-provider metadata ([`ServiceProvider::sp_metadata`](crate::saml::ServiceProvider::sp_metadata)).
//!
//! Metadata is read from text the admin hands over (a file upload or a pasted document); this
//! module never fetches anything from the network. Metadata signatures are **not** verified: the
//! document is trusted because the admin fetched it over TLS from their IdP (Entra:
//! `https://login.microsoftonline.com/<tenant>/FederationMetadata/2007-06/FederationMetadata.xml`)
//! and gave it to us, exactly as python3-saml and samael treat it.

mod import;
mod sp;

pub use import::{Endpoint, IdpMetadata, MAX_METADATA_BYTES, METADATA_LIMITS};
pub use sp::sp_metadata_for;

/// The HTTP-Redirect binding (SAML bindings §3.4).
pub const BINDING_HTTP_REDIRECT: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";
/// The HTTP-POST binding (SAML bindings §3.5).
pub const BINDING_HTTP_POST: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";
/// The SAML 2.0 protocol URI, as `protocolSupportEnumeration` lists it.
pub const PROTOCOL_SAML2: &str = "urn:oasis:names:tc:SAML:2.0:protocol";

/// Escape `value` for a double-quoted XML attribute. Tab, line feed and carriage return become
/// character references so attribute-value normalization cannot turn them into spaces. Characters
/// XML 1.0 cannot carry at all (C0 controls, lone surrogates cannot occur in `str`, U+FFFE/U+FFFF)
/// become U+FFFD: a configured value holding one is unusable anyway, and the output stays
/// well-formed instead of failing at the IdP.
pub(crate) fn escape_attr(value: &str) -> String {
    escape(value, true)
}

/// Escape `value` for XML element content (same replacement rule as [`escape_attr`]).
pub(crate) fn escape_text(value: &str) -> String {
    escape(value, false)
}

fn escape(value: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(value.len() + 8);
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\'' if attribute => out.push_str("&apos;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\n' if attribute => out.push_str("&#10;"),
            // A raw CR is turned into LF by every XML parser, in text as well.
            '\r' => out.push_str("&#13;"),
            '\t' | '\n' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_survives_a_parser() {
        let nasty = "a&b<c>d\"e'f\tg\nh\ri\u{1}j\u{FFFF}k";
        let xml = format!("<r a=\"{}\">{}</r>", escape_attr(nasty), escape_text(nasty));
        let doc = crate::saml::xml::parse_document(&xml, &crate::saml::xml::XmlLimits::default()).unwrap();
        let expected = "a&b<c>d\"e'f\tg\nh\ri\u{FFFD}j\u{FFFD}k";
        assert_eq!(doc.root_element().attribute("a"), Some(expected));
        assert_eq!(doc.root_element().text(), Some(expected));
    }
}
