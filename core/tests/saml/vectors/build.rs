//! What every family of SAML vectors is built from: the case and file types as they are written
//! to JSON, and the few response pieces several families splice into (the Signature element,
//! the Status, a forged identity). Signing and the response template live in `saml_support`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};

use crate::saml_support::*;

/// The `now` of every file unless a case says otherwise: five seconds after the IssueInstant.
pub(super) const NOW_TEXT: &str = "2026-03-04T12:00:05Z";
/// The identity forged responses claim.
pub(super) const EVIL_NAME: &str = "admin@corp.example";

/// One case of a vector file.
pub(super) struct Case {
    pub(super) name: String,
    pub(super) response: Option<String>,
    pub(super) response_file: Option<String>,
    pub(super) operation: Option<&'static str>,
    pub(super) now: Option<String>,
    pub(super) request_id: Option<Option<String>>,
    pub(super) pending_request_ids: Option<Vec<String>>,
    pub(super) settings: Option<Value>,
    pub(super) expect: Value,
    pub(super) deterministic: bool,
}

impl Case {
    /// A case validating `response` (the exact input bytes) with the file's defaults.
    pub(super) fn new(name: &str, response: String, expect: Value) -> Case {
        Case {
            name: name.to_owned(),
            response: Some(response),
            response_file: None,
            operation: None,
            now: None,
            request_id: None,
            pending_request_ids: None,
            settings: None,
            expect,
            deterministic: true,
        }
    }

    /// `xml`, as a form value, accepted as the baseline identity.
    pub(super) fn ok(name: &str, xml: &str) -> Case {
        Case::new(name, form_value(xml), json!({"ok": true, "identity": {"name_id": "jdoe@contoso.com"}}))
    }

    /// `xml`, as a form value, refused with `code`.
    pub(super) fn err(name: &str, xml: &str, code: &str) -> Case {
        Case::new(name, form_value(xml), json!({"ok": false, "error": code}))
    }

    /// The response as raw XML instead of a base64 form value (large cases stay readable).
    pub(super) fn raw(mut self) -> Case {
        self.response = self.response.map(|b| String::from_utf8(STANDARD.decode(b).unwrap()).unwrap());
        self
    }

    pub(super) fn now(mut self, now: &str) -> Case {
        self.now = Some(now.to_owned());
        self
    }

    /// Validate with no request outstanding (`request_id` null).
    pub(super) fn unsolicited(mut self) -> Case {
        self.request_id = Some(None);
        self
    }

    /// Validate through the list form, with these requests pending (`request_id` unused).
    pub(super) fn pending(mut self, ids: &[&str]) -> Case {
        self.pending_request_ids = Some(ids.iter().map(|id| (*id).to_owned()).collect());
        self
    }

    /// Settings members replacing the file's for this case.
    pub(super) fn settings(mut self, patch: Value) -> Case {
        self.settings = Some(patch);
        self
    }

    /// Accepted, with these identity facts (an absent member compares as null).
    pub(super) fn identity(mut self, facts: Value) -> Case {
        self.expect = json!({"ok": true, "identity": facts});
        self
    }

    /// Signed or encrypted with randomness: compared for freshness without the response bytes.
    pub(super) fn random(mut self) -> Case {
        self.deterministic = false;
        self
    }

    fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("name".into(), json!(self.name));
        let optional = [
            ("operation", self.operation.map(|op| json!(op))),
            ("now", self.now.as_ref().map(|now| json!(now))),
            ("request_id", self.request_id.as_ref().map(|rid| json!(rid))),
            ("pending_request_ids", self.pending_request_ids.as_ref().map(|ids| json!(ids))),
            ("settings", self.settings.clone()),
            ("response", self.response.as_ref().map(|r| json!(r))),
            ("response_file", self.response_file.as_ref().map(|f| json!(f))),
            ("deterministic", (!self.deterministic).then_some(json!(false))),
        ];
        for (key, value) in optional {
            if let Some(value) = value {
                m.insert(key.into(), value);
            }
        }
        m.insert("expect".into(), self.expect.clone());
        Value::Object(m)
    }
}

/// One `tests/vectors/saml/NAME.json`.
pub(super) struct VectorFile {
    pub(super) name: &'static str,
    pub(super) description: &'static str,
    pub(super) settings: Value,
    pub(super) cases: Vec<Case>,
    /// Members beyond the common ones (`kind`, `users`, `idp_certificates_from`…).
    pub(super) extra: Map<String, Value>,
}

impl VectorFile {
    pub(super) fn new(name: &'static str, description: &'static str, settings: Value, cases: Vec<Case>) -> Self {
        VectorFile { name, description, settings, cases, extra: Map::new() }
    }

    /// The file with one more top-level member (written after `settings`, in call order).
    pub(super) fn with(mut self, key: &str, value: Value) -> Self {
        self.extra.insert(key.into(), value);
        self
    }

    pub(super) fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("description".into(), json!(self.description));
        m.insert("now".into(), json!(NOW_TEXT));
        m.insert("request_id".into(), json!(REQUEST_ID));
        m.insert("settings".into(), self.settings.clone());
        for (k, v) in &self.extra {
            m.insert(k.clone(), v.clone());
        }
        m.insert("cases".into(), Value::Array(self.cases.iter().map(Case::to_json).collect()));
        Value::Object(m)
    }
}

/// The usual test SP's settings, trusting `idp`, as the JSON every binding reads.
pub(super) fn base_settings(idp: &TestKey) -> Value {
    serde_json::to_value(settings(idp)).unwrap()
}

/// The Signature element (our signer writes `ds:`-prefixed signatures).
pub(super) fn signature_of(xml: &str) -> &str {
    let start = xml.find("<ds:Signature").expect("a signature");
    let end = xml[start..].find("</ds:Signature>").expect("closed") + start + "</ds:Signature>".len();
    &xml[start..end]
}

/// The attacker's assertion: another ID, the identity `EVIL_NAME`.
pub(super) fn evil_spec() -> Spec {
    Spec { assertion_id: "_evil-assertion".into(), name_id: EVIL_NAME.into(), ..Spec::default() }
}

/// The Status every baseline Response carries (a landmark to splice before).
pub(super) fn status_xml() -> &'static str {
    r#"<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>"#
}

/// `xml` with `inner` in a `samlp:Extensions` before its Status: outside anything signed.
pub(super) fn in_extensions(xml: &str, inner: &str) -> String {
    xml.replacen(status_xml(), &format!("<samlp:Extensions>{inner}</samlp:Extensions>{}", status_xml()), 1)
}

/// The baseline with one change made by `tweak`, in Entra's default shape signed by `idp`.
pub(super) fn tweaked(idp: &TestKey, tweak: impl FnOnce(&mut Spec)) -> String {
    let mut spec = Spec::default();
    tweak(&mut spec);
    spec.signed(idp)
}

/// The text of the first `open` element, up to the next tag (a DigestValue, a SignatureValue).
pub(super) fn text_of<'a>(xml: &'a str, open: &str) -> &'a str {
    let start = xml.find(open).expect("the element") + open.len();
    &xml[start..start + xml[start..].find('<').expect("a following tag")]
}

/// `xml` with everything between the first `open` and the first `close` replaced by `content`.
pub(super) fn with_content(xml: &str, open: &str, close: &str, content: &str) -> String {
    let start = xml.find(open).expect("the start tag") + open.len();
    let end = xml.find(close).expect("the end tag");
    format!("{}{content}{}", &xml[..start], &xml[end..])
}

/// `xml` without the first element that starts with `open` and ends with `close`.
pub(super) fn without_element(xml: &str, open: &str, close: &str) -> String {
    let start = xml.find(open).expect("the start tag");
    let end = xml.find(close).expect("the end tag") + close.len();
    format!("{}{}", &xml[..start], &xml[end..])
}
