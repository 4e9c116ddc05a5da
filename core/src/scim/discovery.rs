//! `/ServiceProviderConfig`, `/ResourceTypes` and `/Schemas` (RFC 7643 §5–7, RFC 7644 §4),
//! rendered from the same attribute tables that drive input handling.

use serde_json::{Map, Value, json};

use super::config::ScimConfig;
use crate::schema::{
    AttrType, AttributeDef, GROUP, LIST_RESPONSE_URN, RESOURCE_TYPE_URN, ResourceType, SCHEMA_URN,
    SERVICE_PROVIDER_CONFIG_URN, SchemaDef, USER,
};

/// The discovery documents of one handler, rendered once at construction.
#[derive(Debug, Clone)]
pub(crate) struct Discovery {
    pub service_provider_config: Vec<u8>,
    pub resource_types: Vec<u8>,
    pub resource_type_by_name: Vec<(&'static str, Vec<u8>)>,
    pub schemas: Vec<u8>,
    pub schema_by_urn: Vec<(&'static str, Vec<u8>)>,
}

impl Discovery {
    pub fn new(config: &ScimConfig) -> Self {
        let base = config.base();
        let spc = json!({
            "schemas": [SERVICE_PROVIDER_CONFIG_URN],
            "patch": {"supported": true},
            "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
            "filter": {"supported": true, "maxResults": config.limits.max_results},
            "changePassword": {"supported": false},
            "sort": {"supported": true},
            "etag": {"supported": true},
            "authenticationSchemes": [{
                "type": "oauthbearertoken",
                "name": "OAuth Bearer Token",
                "description": "A bearer token issued by the service provider for one workspace (Entra ID: \"Secret Token\").",
                "specUri": "https://www.rfc-editor.org/info/rfc6750",
                "primary": true
            }],
            "meta": {"resourceType": "ServiceProviderConfig", "location": format!("{base}/ServiceProviderConfig")}
        });
        // Users first: clients (Microsoft's test collection among them) read Resources[0].
        let types: Vec<&'static ResourceType> = if config.groups { vec![&USER, &GROUP] } else { vec![&USER] };
        let type_docs: Vec<Value> = types.iter().map(|rt| resource_type_json(rt, base)).collect();
        let schema_docs: Vec<(&'static str, Value)> =
            types.iter().flat_map(|rt| rt.schemas.iter()).map(|s| (s.id, schema_json(s, base))).collect();
        Discovery {
            service_provider_config: spc.to_string().into_bytes(),
            resource_types: list(type_docs.clone()),
            resource_type_by_name: types
                .iter()
                .zip(type_docs)
                .map(|(rt, v)| (rt.name, v.to_string().into_bytes()))
                .collect(),
            schemas: list(schema_docs.iter().map(|(_, v)| v.clone()).collect()),
            schema_by_urn: schema_docs.into_iter().map(|(id, v)| (id, v.to_string().into_bytes())).collect(),
        }
    }

    /// The resource type called `name` (case-insensitively).
    pub fn resource_type(&self, name: &str) -> Option<&[u8]> {
        self.resource_type_by_name.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, b)| b.as_slice())
    }

    /// The schema document for `urn` (compared case-insensitively).
    pub fn schema(&self, urn: &str) -> Option<&[u8]> {
        self.schema_by_urn.iter().find(|(id, _)| id.eq_ignore_ascii_case(urn)).map(|(_, body)| body.as_slice())
    }
}

fn resource_type_json(rt: &ResourceType, base: &str) -> Value {
    let mut doc = json!({
        "schemas": [RESOURCE_TYPE_URN],
        "id": rt.name,
        "name": rt.name,
        "endpoint": rt.endpoint,
        "description": rt.description,
        "schema": rt.core().id,
        "meta": {"resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/{}", rt.name)}
    });
    let extensions: Vec<Value> = rt.extensions().map(|s| json!({"schema": s.id, "required": false})).collect();
    if !extensions.is_empty() {
        doc["schemaExtensions"] = Value::Array(extensions);
    }
    doc
}

fn list(resources: Vec<Value>) -> Vec<u8> {
    json!({
        "schemas": [LIST_RESPONSE_URN],
        "totalResults": resources.len(),
        "startIndex": 1,
        "itemsPerPage": resources.len(),
        "Resources": resources
    })
    .to_string()
    .into_bytes()
}

fn schema_json(schema: &SchemaDef, base: &str) -> Value {
    json!({
        "schemas": [SCHEMA_URN],
        "id": schema.id,
        "name": schema.name,
        "description": schema.description,
        "attributes": schema.attributes.iter().map(attribute_json).collect::<Vec<_>>(),
        "meta": {"resourceType": "Schema", "location": format!("{base}/Schemas/{}", schema.id)}
    })
}

/// One attribute in `/Schemas` form: camelCase values, no nulls, sub-attributes nested.
fn attribute_json(a: &AttributeDef) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), a.name.into());
    m.insert("type".into(), a.ty.as_str().into());
    m.insert("multiValued".into(), a.multi_valued.into());
    m.insert("description".into(), a.description.into());
    m.insert("required".into(), a.required.into());
    if !a.canonical_values.is_empty() {
        m.insert("canonicalValues".into(), a.canonical_values.into());
    }
    m.insert("caseExact".into(), a.case_exact.into());
    m.insert("mutability".into(), a.mutability.as_str().into());
    m.insert("returned".into(), a.returned.as_str().into());
    m.insert("uniqueness".into(), a.uniqueness.as_str().into());
    if a.ty == AttrType::Reference {
        m.insert("referenceTypes".into(), a.reference_types.into());
    }
    if a.ty == AttrType::Complex {
        m.insert("subAttributes".into(), a.sub_attributes.iter().map(attribute_json).collect::<Vec<_>>().into());
    }
    Value::Object(m)
}
