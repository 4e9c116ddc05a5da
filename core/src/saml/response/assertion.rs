//! The trusted assertion's own Version and ID (the replay key), read once the signature stage
//! has vouched for it.

use super::signatures::Trusted;
use super::structure::required;
use crate::saml::error::{SamlError, malformed};

/// The trusted assertion's Version (2.0) and its ID, the replay key.
pub(super) fn assertion_id(assertion: Trusted<'_, '_>) -> Result<String, SamlError> {
    let node = assertion.node();
    if node.attribute("Version") != Some("2.0") {
        return Err(malformed("the Assertion Version is not \"2.0\""));
    }
    Ok(required(node, "ID")?.to_owned())
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{ASSERTION_NS, doc};
    use super::super::signatures::trusted;
    use super::*;

    #[test]
    fn the_assertion_is_version_2_and_has_an_id() {
        let good = doc(&format!(r#"<saml:Assertion {ASSERTION_NS} Version="2.0" ID="a1"/>"#));
        assert_eq!(assertion_id(trusted(&good)).unwrap(), "a1");
        let old = doc(&format!(r#"<saml:Assertion {ASSERTION_NS} Version="1.1" ID="a1"/>"#));
        assert_eq!(assertion_id(trusted(&old)).unwrap_err().message(), "the Assertion Version is not \"2.0\"");
        let no_id = doc(&format!(r#"<saml:Assertion {ASSERTION_NS} Version="2.0"/>"#));
        assert_eq!(assertion_id(trusted(&no_id)).unwrap_err().message(), "<Assertion> has no ID attribute");
    }
}
