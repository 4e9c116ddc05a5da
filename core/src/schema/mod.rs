//! Attribute definitions (RFC 7643 §7): what the service provider advertises in `/Schemas`,
//! and what input normalisation, filters, PATCH paths and projections resolve names against.
//! One table drives all of them, so nothing can be advertised that does not round-trip.

mod definitions;

pub use definitions::{
    COMMON_ATTRIBUTES, CORE_USER_ATTRIBUTES, ENTERPRISE_USER_ATTRIBUTES, GROUP, GROUP_ATTRIBUTES, GROUP_SCHEMAS, USER,
    USER_SCHEMAS,
};

/// The core User schema URN.
pub const CORE_USER_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// The core Group schema URN.
pub const CORE_GROUP_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// The enterprise User extension URN.
pub const ENTERPRISE_USER_URN: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/// ListResponse message URN.
pub const LIST_RESPONSE_URN: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
/// Error message URN.
pub const ERROR_URN: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
/// PatchOp message URN.
pub const PATCH_OP_URN: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// SearchRequest message URN.
pub const SEARCH_REQUEST_URN: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
/// ServiceProviderConfig schema URN.
pub const SERVICE_PROVIDER_CONFIG_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
/// ResourceType schema URN.
pub const RESOURCE_TYPE_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
/// Schema schema URN.
pub const SCHEMA_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";

/// An attribute's data type (RFC 7643 §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrType {
    /// A Unicode string.
    String,
    /// `true` or `false`.
    Boolean,
    /// A real number.
    Decimal,
    /// A whole number.
    Integer,
    /// An xsd:dateTime (RFC 3339) string, compared chronologically.
    DateTime,
    /// Base64 binary in a string.
    Binary,
    /// A URI.
    Reference,
    /// An object of sub-attributes.
    Complex,
}

impl AttrType {
    /// The name used in `/Schemas`.
    pub const fn as_str(self) -> &'static str {
        match self {
            AttrType::String => "string",
            AttrType::Boolean => "boolean",
            AttrType::Decimal => "decimal",
            AttrType::Integer => "integer",
            AttrType::DateTime => "dateTime",
            AttrType::Binary => "binary",
            AttrType::Reference => "reference",
            AttrType::Complex => "complex",
        }
    }

    /// Whether values of this type are JSON strings.
    pub const fn is_textual(self) -> bool {
        matches!(self, AttrType::String | AttrType::DateTime | AttrType::Binary | AttrType::Reference)
    }
}

/// Who may change an attribute (RFC 7643 §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mutability {
    /// Set by the service provider only.
    ReadOnly,
    /// Set and changed by clients.
    ReadWrite,
    /// Set once by a client.
    Immutable,
    /// Written, never returned.
    WriteOnly,
}

impl Mutability {
    /// The name used in `/Schemas`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Mutability::ReadOnly => "readOnly",
            Mutability::ReadWrite => "readWrite",
            Mutability::Immutable => "immutable",
            Mutability::WriteOnly => "writeOnly",
        }
    }
}

/// When an attribute is returned (RFC 7643 §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Returned {
    /// In every response, whatever `attributes`/`excludedAttributes` say.
    Always,
    /// Never.
    Never,
    /// Unless excluded.
    Default,
    /// Only when asked for.
    Request,
}

impl Returned {
    /// The name used in `/Schemas`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Returned::Always => "always",
            Returned::Never => "never",
            Returned::Default => "default",
            Returned::Request => "request",
        }
    }
}

/// Uniqueness of an attribute's values (RFC 7643 §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Uniqueness {
    /// No uniqueness.
    None,
    /// Unique within the service provider (here: within a workspace).
    Server,
    /// Globally unique.
    Global,
}

impl Uniqueness {
    /// The name used in `/Schemas`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Uniqueness::None => "none",
            Uniqueness::Server => "server",
            Uniqueness::Global => "global",
        }
    }
}

/// One attribute or sub-attribute definition.
#[derive(Debug, PartialEq, Eq)]
pub struct AttributeDef {
    /// Canonical name (names compare case-insensitively).
    pub name: &'static str,
    /// Data type.
    pub ty: AttrType,
    /// Whether the value is a JSON array.
    pub multi_valued: bool,
    /// Human description for `/Schemas`.
    pub description: &'static str,
    /// Whether the attribute must be present.
    pub required: bool,
    /// Whether string comparison is case-sensitive.
    pub case_exact: bool,
    /// Who may change it.
    pub mutability: Mutability,
    /// When it is returned.
    pub returned: Returned,
    /// Uniqueness.
    pub uniqueness: Uniqueness,
    /// Suggested values (not enforced).
    pub canonical_values: &'static [&'static str],
    /// For references: what they point to.
    pub reference_types: &'static [&'static str],
    /// Sub-attributes of a complex attribute.
    pub sub_attributes: &'static [AttributeDef],
    /// For a multi-valued complex attribute whose values are identified by one sub-attribute
    /// (a Group's `members` by `value`): adding a value with the same identity merges.
    pub identity: Option<&'static str>,
}

impl AttributeDef {
    /// A single-valued, optional, case-insensitive, read-write string attribute: the RFC
    /// defaults, which the tables override field by field.
    pub const fn string(name: &'static str, description: &'static str) -> Self {
        AttributeDef {
            name,
            ty: AttrType::String,
            multi_valued: false,
            description,
            required: false,
            case_exact: false,
            mutability: Mutability::ReadWrite,
            returned: Returned::Default,
            uniqueness: Uniqueness::None,
            canonical_values: &[],
            reference_types: &[],
            sub_attributes: &[],
            identity: None,
        }
    }

    /// The sub-attribute called `name` (case-insensitively).
    pub fn sub(&self, name: &str) -> Option<&'static AttributeDef> {
        find(self.sub_attributes, name)
    }

    /// Whether this is a complex attribute.
    pub fn is_complex(&self) -> bool {
        self.ty == AttrType::Complex
    }
}

/// The definition called `name` in `attrs`, compared case-insensitively.
pub fn find(attrs: &'static [AttributeDef], name: &str) -> Option<&'static AttributeDef> {
    attrs.iter().find(|a| a.name.eq_ignore_ascii_case(name))
}

/// One resource or extension schema.
#[derive(Debug, PartialEq, Eq)]
pub struct SchemaDef {
    /// The schema URN.
    pub id: &'static str,
    /// Human name.
    pub name: &'static str,
    /// Human description.
    pub description: &'static str,
    /// Top-level attributes.
    pub attributes: &'static [AttributeDef],
    /// Whether the attributes live under the URN key (an extension) or at the top level.
    pub is_extension: bool,
}

/// A resource type (RFC 7643 §6): its endpoint and schemas, core schema first.
#[derive(Debug, PartialEq, Eq)]
pub struct ResourceType {
    /// Name and id (`User`, `Group`).
    pub name: &'static str,
    /// The endpoint below the SCIM base (`/Users`).
    pub endpoint: &'static str,
    /// Human description (`User Account`).
    pub description: &'static str,
    /// The core schema, then its extensions.
    pub schemas: &'static [SchemaDef],
    /// The attribute every resource must carry, unique per workspace (case-insensitively):
    /// `userName`, `displayName`.
    pub key_attribute: &'static str,
    /// Attributes accepted and dropped wherever they appear (User: `password`, `groups`).
    pub discarded: &'static [&'static str],
}

impl ResourceType {
    /// The core schema.
    pub fn core(&self) -> &'static SchemaDef {
        &self.schemas[0]
    }

    /// This type's schema whose URN is `urn` (case-insensitively).
    pub fn schema(&self, urn: &str) -> Option<&'static SchemaDef> {
        self.schemas.iter().find(|s| s.id.eq_ignore_ascii_case(urn))
    }

    /// The extension schemas.
    pub fn extensions(&self) -> impl Iterator<Item = &'static SchemaDef> {
        self.schemas.iter().filter(|s| s.is_extension)
    }

    /// Whether `name` is accepted and dropped.
    pub fn discards(&self, name: &str) -> bool {
        self.discarded.iter().any(|d| d.eq_ignore_ascii_case(name))
    }
}

/// The schema whose URN is `urn` (case-insensitively), of any resource type.
pub fn schema_by_urn(urn: &str) -> Option<&'static SchemaDef> {
    USER_SCHEMAS.iter().chain(GROUP_SCHEMAS).find(|s| s.id.eq_ignore_ascii_case(urn))
}
