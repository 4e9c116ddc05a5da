//! Forged, unauthenticated input never makes the verifier fetch a URL or open a file: every
//! external reference a hostile response can carry points at a listener here, and the
//! listener never sees a connection. (samael + xmlsec made outbound HTTP requests, read local
//! files and crashed on `file:///dev/zero` for such input when we measured it beside ours.)

use std::net::TcpListener;
use std::time::{Duration, Instant};

use crate::saml_support::*;
use sso_scim_core::saml::ServiceProvider;

#[test]
fn no_reference_transform_key_or_dtd_is_ever_resolved() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let idp = TestKey::load("idp");
    let attacker = TestKey::load("attacker");
    let b = Spec::default();
    let with = |key: &TestKey, opts: SignOptions| b.signed_with(key, &opts);
    let hostile = vec![
        with(&attacker, SignOptions { reference_uri: Some(format!("{url}/remote-ref")), ..Default::default() }),
        with(&idp, SignOptions { reference_uri: Some(format!("{url}/remote-ref")), ..Default::default() }),
        with(&idp, SignOptions { reference_uri: Some("file:///etc/hostname".into()), ..Default::default() }),
        with(&idp, SignOptions { reference_uri: Some("file:///dev/zero".into()), ..Default::default() }),
        with(
            &idp,
            SignOptions {
                transforms: Some(format!(
                    r#"<ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xslt-19991116"><xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform" version="1.0"><xsl:import href="{url}/x.xsl"/><xsl:template match="/"><xsl:copy-of select="document('{url}/doc')"/></xsl:template></xsl:stylesheet></ds:Transform>"#
                )),
                ..Default::default()
            },
        ),
        with(
            &idp,
            SignOptions {
                transforms: Some(
                    r#"<ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116"><ds:XPath>count(//. | //@* | //namespace::*)</ds:XPath></ds:Transform>"#
                        .into(),
                ),
                ..Default::default()
            },
        ),
        with(
            &attacker,
            SignOptions {
                key_info_extra: format!(
                    r#"<ds:RetrievalMethod URI="{url}/key" Type="http://www.w3.org/2000/09/xmldsig#X509Data"/><dsig11:KeyInfoReference xmlns:dsig11="http://www.w3.org/2009/xmldsig11#" URI="{url}/keyref"/>"#
                ),
                ..Default::default()
            },
        ),
        format!("<!DOCTYPE samlp:Response SYSTEM \"{url}/x.dtd\">{}", b.signed(&idp)),
        format!("<!DOCTYPE samlp:Response [<!ENTITY x SYSTEM \"{url}/e\">]>{}", b.signed(&idp).replacen("jdoe@contoso.com</NameID>", "&x;</NameID>", 1)),
        b.signed(&idp).replacen(
            "<samlp:Status>",
            &format!(r#"<samlp:Extensions><xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="{url}/inc"/></samlp:Extensions><samlp:Status>"#),
            1,
        ),
        b.response_with(&encrypt(&b.assertion(), &TestKey::load("sp"), false).replacen(
            "<xenc:CipherData><xenc:CipherValue>",
            &format!(r#"<xenc:CipherData><xenc:CipherReference URI="{url}/cipher"/><xenc:CipherValue>"#),
            1,
        )),
    ];
    let mut settings = settings(&idp);
    settings.sp_decryption_keys = vec![TestKey::load("sp").key_pem];
    settings.allow_idp_initiated = true;
    let sp = ServiceProvider::new(settings).unwrap();
    let started = Instant::now();
    for (i, xml) in hostile.iter().enumerate() {
        let result = sp.validate_response(xml, NOW, Some(REQUEST_ID));
        // Some of these are harmless to accept (an inert xi:include, junk in KeyInfo of a
        // genuine signature); what matters is that nothing was fetched or read.
        if i < 7 {
            assert!(result.is_err(), "hostile input {i} was accepted");
        }
    }
    assert!(started.elapsed() < Duration::from_secs(5), "no input may burn CPU: {:?}", started.elapsed());
    match listener.accept() {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        Ok((_, peer)) => panic!("the verifier connected out ({peer})"),
        Err(e) => panic!("{e}"),
    }
}
