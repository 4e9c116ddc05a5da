//! Adversarial SAMLResponses of a chosen size, shared by the instruction-count test
//! (`core/tests/saml_cost.rs`) and the benchmark (`core/benches/saml.rs`).
//!
//! Each attack comes in two forms: `refused`, the attack as found (the pre-checks stop it), and
//! `admitted`, the largest form of the same shape that every pre-check lets through, placed in
//! the signed assertion's `Advice` so it is parsed, canonicalized, digested, re-parsed from the
//! verified bytes and accepted. The second keeps a pre-check from hiding a quadratic core: the
//! work behind the checks must be linear too. Included by `#[path]`, after `saml_support`.
#![allow(dead_code)]

use crate::saml_support::*;

/// One adversarial input.
pub struct Bomb {
    /// `<attack>/<refused|admitted>`.
    pub name: String,
    /// The raw XML of the SAMLResponse.
    pub xml: String,
    /// Whether validation accepts it (the admitted forms) or refuses it.
    pub accepted: bool,
}

/// A genuine response with `content` in an `<Advice>` of its signed assertion, `advice_ns`
/// declared on the Advice.
fn in_signed_advice(idp: &TestKey, advice_ns: &str, content: &str) -> String {
    Spec::default().signed_edited(idp, |assertion| {
        assertion.replacen("</Conditions>", &format!("</Conditions><Advice{advice_ns}>{content}</Advice>"), 1)
    })
}

/// A genuine response with `content` in `samlp:Extensions` (unsigned, refused by a pre-check).
fn in_extensions(idp: &TestKey, content: &str) -> String {
    let status =
        r#"<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>"#;
    Spec::default().signed(idp).replacen(status, &format!("<samlp:Extensions>{content}</samlp:Extensions>{status}"), 1)
}

/// `unit` repeated until it fills `budget` bytes (at least once).
fn fill(unit: &str, budget: usize) -> String {
    unit.repeat((budget / unit.len()).max(1))
}

/// The PrefixList bomb as found: thousands of tokens on SignedInfo's CanonicalizationMethod,
/// thousands of empty children in the Reference, unused namespaces on the Signature.
fn prefix_list_refused(idp: &TestKey, budget: usize) -> String {
    let xml = Spec::default().signed(idp);
    let tokens = fill("p ", budget / 2);
    let children = fill("<ds:X/>", budget / 2);
    // As many unused namespaces as the in-scope limit lets reach the signature checks.
    let unused: String = (0..12).map(|i| format!(" xmlns:u{i}=\"urn:u{i}\"")).collect();
    xml.replacen(
        "<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>",
        &format!(
            "<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"><ec:InclusiveNamespaces xmlns:ec=\"http://www.w3.org/2001/10/xml-exc-c14n#\" PrefixList=\"{tokens}\"/></ds:CanonicalizationMethod>"
        ),
        1,
    )
    .replacen("<ds:DigestValue>", &format!("{children}<ds:DigestValue>"), 1)
    .replacen("<ds:Signature xmlns:ds=", &format!("<ds:Signature{unused} xmlns:ds="), 1)
}

/// The most a PrefixList may carry (32 distinct prefixes, 12 of them bound on the Signature,
/// as many as the in-scope limit leaves room for) and a SignedInfo padded with white space to
/// the budget: canonicalized before the RSA check fails.
fn prefix_list_admitted(idp: &TestKey, budget: usize) -> String {
    let xml = Spec::default().signed(idp);
    let tokens: String = (0..32).map(|i| format!("p{i} ")).collect();
    let bound: String = (0..12).map(|i| format!(" xmlns:p{i}=\"urn:p{i}\"")).collect();
    let padding = " ".repeat(budget);
    xml.replacen(
        "<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>",
        &format!(
            "<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"><ec:InclusiveNamespaces xmlns:ec=\"http://www.w3.org/2001/10/xml-exc-c14n#\" PrefixList=\"{tokens}\"/></ds:CanonicalizationMethod>{padding}"
        ),
        1,
    )
    .replacen("<ds:Signature xmlns:ds=", &format!("<ds:Signature{bound} xmlns:ds="), 1)
}

/// A genuine signed response whose assertion carries one more attribute with as many values
/// as fit the budget.
fn many_values(idp: &TestKey, budget: usize) -> String {
    let values = fill("<AttributeValue>group-000000</AttributeValue>", budget);
    Spec::default().signed_edited(idp, |assertion| {
        assertion.replacen(
            "</AttributeStatement>",
            &format!("<Attribute Name=\"g\">{values}</Attribute></AttributeStatement>"),
            1,
        )
    })
}

/// Every adversarial shape with `budget` bytes of hostile content in a genuine response
/// (≈6 KB more in all).
pub fn bombs(idp: &TestKey, budget: usize) -> Vec<Bomb> {
    // The longest URI, and the most attributes, the limits admit.
    let long_uri = format!("urn:{}", "u".repeat(252));
    let prefixed_attrs: String =
        (0..24).map(|i| if i < 8 { format!(" x:a{i}=\"\"") } else { format!(" a{i}=\"\"") }).collect();
    let plain_attrs: String = (0..24).map(|i| format!(" a{i}=\"v\"")).collect();
    let bindings: String = (0..12).map(|i| format!(" xmlns:p{i}=\"urn:p{i}\"")).collect();
    // Names long enough that the chains fill the budget within the node limit.
    let chain = format!("{}{}", "<x:nested-element-name>".repeat(40), "</x:nested-element-name>".repeat(40));
    let refused = |name: &str, xml: String| Bomb { name: format!("{name}/refused"), xml, accepted: false };
    let admitted = |name: &str, xml: String| Bomb { name: format!("{name}/admitted"), xml, accepted: true };
    vec![
        refused("prefix_list", prefix_list_refused(idp, budget)),
        Bomb { name: "prefix_list/admitted".into(), xml: prefix_list_admitted(idp, budget), accepted: false },
        refused(
            "attribute",
            in_extensions(
                idp,
                &format!("<x:y xmlns:x=\"{long_uri}\"{}/>", fill(" x:a=\"\"", budget.saturating_sub(300))),
            ),
        ),
        admitted(
            "attribute",
            in_signed_advice(
                idp,
                &format!(" xmlns:x=\"{long_uri}\""),
                &fill(&format!("<x:y{prefixed_attrs}/>"), budget),
            ),
        ),
        refused(
            "namespace",
            in_extensions(idp, &(0..budget / 28).map(|i| format!("<x:e xmlns:x=\"urn:{i}\"/>")).collect::<String>()),
        ),
        admitted("namespace", in_signed_advice(idp, &bindings, &fill("<p0:e xmlns:p1=\"urn:p1\"/>", budget))),
        refused(
            "depth",
            in_extensions(
                idp,
                &format!("{}{}", "<x:d xmlns:x=\"urn:x\">".repeat(budget / 30), "</x:d>".repeat(budget / 30)),
            ),
        ),
        admitted("depth", in_signed_advice(idp, " xmlns:x=\"urn:x\"", &fill(&chain, budget))),
        refused(
            "attributes",
            in_extensions(
                idp,
                &format!("<y{}/>", (0..budget / 12).map(|i| format!(" a{i}=\"v\"")).collect::<String>()),
            ),
        ),
        admitted("attributes", in_signed_advice(idp, "", &fill(&format!("<y{plain_attrs}/>"), budget))),
        admitted("attribute_values", many_values(idp, budget)),
        // A long URI declared once over thousands of tiny elements: exclusive c14n would repeat
        // it on each; refused by the canonical-growth bound after the (linear) c14n.
        refused(
            "c14n_growth",
            in_signed_advice(idp, &format!(" xmlns:x=\"{long_uri}\""), &fill("<x:a/>", budget.min(19_000 * 6))),
        ),
    ]
}
