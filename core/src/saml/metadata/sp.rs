//! Our own service-provider metadata, for the admin to upload to their IdP (Entra: Enterprise
//! application → Single sign-on → "Upload metadata file", which fills Identifier and Reply URL).

use super::{BINDING_HTTP_POST, PROTOCOL_SAML2, escape_attr, escape_text};
use crate::saml::certificate::Certificate;
use crate::saml::error::SamlError;
use crate::saml::xml::{NS_DSIG, NS_METADATA};
use crate::saml::{SamlSettings, ServiceProvider};

impl ServiceProvider {
    /// SAML 2.0 metadata describing this service provider: an `EntityDescriptor` (entityID =
    /// `sp_entity_id`) with one `SPSSODescriptor` that
    /// - states `AuthnRequestsSigned` = `sign_authn_requests` and `WantAssertionsSigned="true"`
    ///   (we never accept an unsigned assertion);
    /// - publishes `sp_certificate`, when configured, as the signing key and — only when
    ///   decryption keys are configured, so an IdP never encrypts to a key we cannot use — as the
    ///   encryption key;
    /// - lists `name_id_format` when configured;
    /// - names `acs_url` as the HTTP-POST AssertionConsumerService, index 0, default.
    ///
    /// Every value is XML-escaped. The document is unsigned: the admin carries it to the IdP.
    pub fn sp_metadata(&self) -> String {
        render(self.settings(), self.sp_certificate(), !self.decryption_keys().is_empty())
    }
}

/// SP metadata for settings whose IdP is not configured yet — the usual order with Entra,
/// where the admin first uploads our metadata, then downloads theirs. Only our own
/// certificate is read; IdP fields are not needed.
pub fn sp_metadata_for(settings: &SamlSettings) -> Result<String, SamlError> {
    let certificate = match &settings.sp_certificate {
        Some(text) => Certificate::parse_all(text)?.into_iter().next(),
        None => None,
    };
    Ok(render(settings, certificate.as_ref(), !settings.sp_decryption_keys.is_empty()))
}

fn render(settings: &SamlSettings, sp_certificate: Option<&Certificate>, can_decrypt: bool) -> String {
    {
        let mut xml = String::with_capacity(4096);
        xml.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        xml.push_str(&format!(
            "<md:EntityDescriptor xmlns:md=\"{NS_METADATA}\" xmlns:ds=\"{NS_DSIG}\" entityID=\"{}\">\n",
            escape_attr(&settings.sp_entity_id)
        ));
        xml.push_str(&format!(
            "  <md:SPSSODescriptor AuthnRequestsSigned=\"{}\" WantAssertionsSigned=\"true\" \
             protocolSupportEnumeration=\"{PROTOCOL_SAML2}\">\n",
            settings.sign_authn_requests
        ));
        if let Some(cert) = sp_certificate {
            let mut uses = vec!["signing"];
            if can_decrypt {
                uses.push("encryption");
            }
            for usage in uses {
                xml.push_str(&format!(
                    "    <md:KeyDescriptor use=\"{usage}\">\n      <ds:KeyInfo>\n        <ds:X509Data>\n          \
                     <ds:X509Certificate>{}</ds:X509Certificate>\n        </ds:X509Data>\n      </ds:KeyInfo>\n",
                    cert.to_base64()
                ));
                if usage == "encryption" {
                    // What the decryptor accepts, GCM first, so an IdP that reads this picks it.
                    for algorithm in ENCRYPTION_METHODS {
                        xml.push_str(&format!("      <md:EncryptionMethod Algorithm=\"{algorithm}\"/>\n"));
                    }
                }
                xml.push_str("    </md:KeyDescriptor>\n");
            }
        }
        if let Some(format) = &settings.name_id_format {
            xml.push_str(&format!("    <md:NameIDFormat>{}</md:NameIDFormat>\n", escape_text(format)));
        }
        xml.push_str(&format!(
            "    <md:AssertionConsumerService Binding=\"{BINDING_HTTP_POST}\" Location=\"{}\" index=\"0\" \
             isDefault=\"true\"/>\n",
            escape_attr(&settings.acs_url)
        ));
        xml.push_str("  </md:SPSSODescriptor>\n</md:EntityDescriptor>\n");
        xml
    }
}

/// The data and key-transport algorithms encrypted assertions may use (see `encrypted.rs`).
const ENCRYPTION_METHODS: [&str; 6] = [
    "http://www.w3.org/2009/xmlenc11#aes256-gcm",
    "http://www.w3.org/2009/xmlenc11#aes128-gcm",
    "http://www.w3.org/2001/04/xmlenc#aes256-cbc",
    "http://www.w3.org/2001/04/xmlenc#aes128-cbc",
    "http://www.w3.org/2009/xmlenc11#rsa-oaep",
    "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p",
];

#[cfg(test)]
mod tests {
    use crate::saml::xml::{Node, XmlLimits, parse_document};

    use crate::saml::certificate::Certificate;
    use crate::saml::metadata::IdpMetadata;
    use crate::saml::xml::{NS_DSIG, NS_METADATA, children_named, elements};
    use crate::saml::{SamlSettings, ServiceProvider};

    const SP_CERT: &str = include_str!("../../../tests/data/metadata/sp.crt.pem");
    const SP_KEY: &str = include_str!("../../../tests/data/metadata/sp.key.pem");
    const OKTA: &str = include_str!("../../../tests/data/metadata/okta.xml");

    fn settings(sp_entity_id: &str, acs_url: &str) -> SamlSettings {
        IdpMetadata::parse(OKTA).unwrap().to_settings(sp_entity_id, acs_url)
    }

    fn key_descriptors<'a, 'i>(sp: Node<'a, 'i>) -> Vec<(String, String)> {
        children_named(sp, NS_METADATA, "KeyDescriptor")
            .map(|kd| {
                let cert = kd
                    .descendants()
                    .find(|n| n.tag_name().name() == "X509Certificate" && n.tag_name().namespace() == Some(NS_DSIG))
                    .and_then(|n| n.text())
                    .unwrap()
                    .to_owned();
                (kd.attribute("use").unwrap().to_owned(), cert)
            })
            .collect()
    }

    #[test]
    fn round_trips_every_value() {
        // Values full of markup characters prove the escaping: they must come back unchanged.
        let entity = "https://app.example/saml?tenant=\"a\"&x=<y>'z'";
        let acs = "https://app.example/saml/acs?a=1&b=\"2\"";
        let format = "urn:example:<fmt>&\"x\"";
        let mut s = settings(entity, acs);
        s.sp_certificate = Some(SP_CERT.to_owned());
        s.sp_signing_key = Some(SP_KEY.to_owned());
        s.sp_decryption_keys = vec![SP_KEY.to_owned()];
        s.sign_authn_requests = true;
        s.name_id_format = Some(format.to_owned());
        let sp = ServiceProvider::new(s).unwrap();
        let xml = sp.sp_metadata();

        let doc = parse_document(&xml, &XmlLimits::default()).unwrap();
        let root = doc.root_element();
        assert_eq!((root.tag_name().namespace(), root.tag_name().name()), (Some(NS_METADATA), "EntityDescriptor"));
        assert_eq!(root.attribute("entityID"), Some(entity));
        let descriptors: Vec<Node<'_, '_>> = elements(root).collect();
        assert_eq!(descriptors.len(), 1);
        let d = descriptors[0];
        assert_eq!((d.tag_name().namespace(), d.tag_name().name()), (Some(NS_METADATA), "SPSSODescriptor"));
        assert_eq!(d.attribute("protocolSupportEnumeration"), Some("urn:oasis:names:tc:SAML:2.0:protocol"));
        assert_eq!(d.attribute("AuthnRequestsSigned"), Some("true"));
        assert_eq!(d.attribute("WantAssertionsSigned"), Some("true"));

        let cert_b64 = Certificate::parse_all(SP_CERT).unwrap()[0].to_base64();
        assert_eq!(key_descriptors(d), [("signing".to_owned(), cert_b64.clone()), ("encryption".to_owned(), cert_b64)]);
        let methods: Vec<Vec<&str>> = children_named(d, NS_METADATA, "KeyDescriptor")
            .map(|k| {
                children_named(k, NS_METADATA, "EncryptionMethod").filter_map(|m| m.attribute("Algorithm")).collect()
            })
            .collect();
        assert_eq!(methods[0], Vec::<&str>::new(), "signing keys advertise no encryption methods");
        assert_eq!(methods[1], super::ENCRYPTION_METHODS, "the encryption key advertises what we decrypt, GCM first");

        let formats: Vec<&str> = children_named(d, NS_METADATA, "NameIDFormat").map(|n| n.text().unwrap()).collect();
        assert_eq!(formats, [format]);
        let acs_nodes: Vec<Node<'_, '_>> = children_named(d, NS_METADATA, "AssertionConsumerService").collect();
        assert_eq!(acs_nodes.len(), 1);
        assert_eq!(acs_nodes[0].attribute("Binding"), Some("urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"));
        assert_eq!(acs_nodes[0].attribute("Location"), Some(acs));
        assert_eq!(acs_nodes[0].attribute("index"), Some("0"));
        assert_eq!(acs_nodes[0].attribute("isDefault"), Some("true"));
        // Schema order: KeyDescriptor*, NameIDFormat*, AssertionConsumerService+.
        let order: Vec<&str> = elements(d).map(|n| n.tag_name().name()).collect();
        assert_eq!(order, ["KeyDescriptor", "KeyDescriptor", "NameIDFormat", "AssertionConsumerService"]);
    }

    #[test]
    fn minimal_sp_publishes_no_keys_or_formats() {
        let sp = ServiceProvider::new(settings("https://app.example/saml", "https://app.example/acs")).unwrap();
        let xml = sp.sp_metadata();
        let doc = parse_document(&xml, &XmlLimits::default()).unwrap();
        let d = elements(doc.root_element()).next().unwrap();
        assert_eq!(d.attribute("AuthnRequestsSigned"), Some("false"));
        assert_eq!(d.attribute("WantAssertionsSigned"), Some("true"));
        let order: Vec<&str> = elements(d).map(|n| n.tag_name().name()).collect();
        assert_eq!(order, ["AssertionConsumerService"]);
    }

    #[test]
    fn metadata_without_an_idp_matches_the_full_provider() {
        let mut settings = SamlSettings::new("https://sp.example/", "https://sp.example/acs", "", vec![]);
        settings.sp_certificate = Some(SP_CERT.to_owned());
        let early = super::sp_metadata_for(&settings).unwrap();
        settings.idp_entity_id = "https://idp.example/".into();
        settings.idp_certificates = vec![SP_CERT.to_owned()];
        assert_eq!(early, ServiceProvider::new(settings).unwrap().sp_metadata());
    }

    #[test]
    fn encryption_key_only_with_decryption_keys() {
        let mut s = settings("https://app.example/saml", "https://app.example/acs");
        s.sp_certificate = Some(SP_CERT.to_owned());
        let xml = ServiceProvider::new(s).unwrap().sp_metadata();
        let doc = parse_document(&xml, &XmlLimits::default()).unwrap();
        let d = elements(doc.root_element()).next().unwrap();
        let uses: Vec<String> = key_descriptors(d).into_iter().map(|(u, _)| u).collect();
        assert_eq!(uses, ["signing"]);
    }

    #[test]
    fn our_metadata_is_not_taken_for_an_idp() {
        let sp = ServiceProvider::new(settings("https://app.example/saml", "https://app.example/acs")).unwrap();
        let err = IdpMetadata::parse(&sp.sp_metadata()).unwrap_err();
        assert!(err.message().contains("our own SP metadata"), "{err}");
    }
}
