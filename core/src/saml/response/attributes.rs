//! Stage: attributes. Every Attribute of every AttributeStatement, by Name, values in order
//! (`xsi:nil` values skipped), and the FriendlyName → Name pairs the attribute map may use.

use super::signatures::Trusted;
use super::structure::required;
use crate::saml::error::SamlError;
use crate::saml::identity::FriendlyNames;
use crate::saml::settings::Attributes;
use crate::saml::xml::{NS_ASSERTION, Node, children_named};

const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// Read the attributes of the trusted assertion.
pub(super) fn read(assertion: Trusted<'_, '_>) -> Result<(Attributes, FriendlyNames), SamlError> {
    let mut attributes = Attributes::new();
    let mut friendly = FriendlyNames::new();
    for statement in children_named(assertion.node(), NS_ASSERTION, "AttributeStatement") {
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

/// An AttributeValue as text: its text nodes in document order, those of child elements
/// included. A value carrying an element — eduPersonTargetedID as a `saml:NameID`, the
/// MACE-Dir encoding Shibboleth and InCommon send — reads as that element's text; markup,
/// attributes and comments are dropped.
fn text_content(value: Node<'_, '_>) -> String {
    value.descendants().filter(Node::is_text).filter_map(|t| t.text()).collect()
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{assertion, doc};
    use super::super::signatures::trusted;
    use super::*;

    fn run(body: &str) -> Result<(Attributes, FriendlyNames), SamlError> {
        let parsed = doc(&assertion(body));
        read(trusted(&parsed))
    }

    #[test]
    fn attributes_gather_by_name_across_statements() {
        let body = r#"<saml:AttributeStatement><saml:Attribute Name="groups" FriendlyName="g"><saml:AttributeValue>a</saml:AttributeValue><saml:AttributeValue>b</saml:AttributeValue></saml:Attribute></saml:AttributeStatement><saml:AttributeStatement><saml:Attribute Name="groups"><saml:AttributeValue>c</saml:AttributeValue></saml:Attribute><saml:Attribute Name="empty"/></saml:AttributeStatement>"#;
        let (attributes, friendly) = run(body).unwrap();
        assert_eq!(attributes["groups"], ["a", "b", "c"]);
        assert!(attributes["empty"].is_empty());
        assert_eq!(friendly, [("g".to_owned(), "groups".to_owned())]);
    }

    #[test]
    fn nil_values_are_skipped_and_element_values_read_as_their_text() {
        let body = r#"<saml:AttributeStatement xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><saml:Attribute Name="n"><saml:AttributeValue xsi:nil="true"/><saml:AttributeValue xsi:nil="false">kept</saml:AttributeValue><saml:AttributeValue><saml:NameID Format="f">tid-<!-- c -->1</saml:NameID></saml:AttributeValue></saml:Attribute></saml:AttributeStatement>"#;
        let (attributes, _) = run(body).unwrap();
        assert_eq!(attributes["n"], ["kept", "tid-1"]);
    }

    #[test]
    fn an_attribute_needs_a_name() {
        let body = r#"<saml:AttributeStatement><saml:Attribute/></saml:AttributeStatement>"#;
        assert_eq!(run(body).unwrap_err().message(), "<Attribute> has no Name attribute");
    }
}
