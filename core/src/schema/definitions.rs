//! The attribute tables. Only what round-trips through a stored user (the model's
//! `UserRecord`, one layer up) is listed: `password` (SSO users have none; accepted and
//! discarded) and a User's `groups` (read-only; membership is kept in the Group's `members`)
//! are deliberately absent.

use super::{
    AttrType, AttributeDef, CORE_GROUP_URN, CORE_USER_URN, ENTERPRISE_USER_URN, Mutability, ResourceType, Returned,
    SchemaDef, Uniqueness,
};

const fn string(name: &'static str, description: &'static str) -> AttributeDef {
    AttributeDef::string(name, description)
}

const fn exact(name: &'static str, description: &'static str) -> AttributeDef {
    AttributeDef { case_exact: true, ..AttributeDef::string(name, description) }
}

const fn typed(name: &'static str, ty: AttrType, description: &'static str) -> AttributeDef {
    AttributeDef { ty, ..AttributeDef::string(name, description) }
}

const fn reference(name: &'static str, types: &'static [&'static str], description: &'static str) -> AttributeDef {
    AttributeDef { ty: AttrType::Reference, reference_types: types, ..AttributeDef::string(name, description) }
}

const fn kind(canonical: &'static [&'static str]) -> AttributeDef {
    AttributeDef {
        canonical_values: canonical,
        ..AttributeDef::string("type", "A label indicating the attribute's function.")
    }
}

const fn complex(name: &'static str, subs: &'static [AttributeDef], description: &'static str) -> AttributeDef {
    AttributeDef { ty: AttrType::Complex, sub_attributes: subs, ..AttributeDef::string(name, description) }
}

const fn multi(name: &'static str, subs: &'static [AttributeDef], description: &'static str) -> AttributeDef {
    AttributeDef { multi_valued: true, ..complex(name, subs, description) }
}

const DISPLAY: AttributeDef = string("display", "A human-readable name, primarily used for display purposes.");
const PRIMARY: AttributeDef =
    typed("primary", AttrType::Boolean, "Whether this is the primary value of the attribute; at most one is.");

const NAME: &[AttributeDef] = &[
    string("formatted", "The full name, formatted for display."),
    string("familyName", "The family name of the User, or last name."),
    string("givenName", "The given name of the User, or first name."),
    string("middleName", "The middle name(s) of the User."),
    string("honorificPrefix", "The honorific prefix(es) of the User, or title."),
    string("honorificSuffix", "The honorific suffix(es) of the User, or suffix."),
];

const EMAILS: &[AttributeDef] =
    &[string("value", "Email address for the User."), DISPLAY, kind(&["work", "home", "other"]), PRIMARY];

const PHONE_NUMBERS: &[AttributeDef] = &[
    string("value", "Phone number of the User."),
    DISPLAY,
    kind(&["work", "home", "mobile", "fax", "pager", "other"]),
    PRIMARY,
];

const IMS: &[AttributeDef] = &[
    string("value", "Instant messaging address for the User."),
    DISPLAY,
    kind(&["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"]),
    PRIMARY,
];

const PHOTOS: &[AttributeDef] = &[
    reference("value", &["external"], "URL of a photo of the User."),
    DISPLAY,
    kind(&["photo", "thumbnail"]),
    PRIMARY,
];

const ADDRESSES: &[AttributeDef] = &[
    string("formatted", "The full mailing address, formatted for display."),
    string("streetAddress", "The full street address component."),
    string("locality", "The city or locality component."),
    string("region", "The state or region component."),
    string("postalCode", "The zip code or postal code component."),
    string("country", "The country name component."),
    kind(&["work", "home", "other"]),
    PRIMARY,
];

const LABELLED: &[AttributeDef] = &[string("value", "The value."), DISPLAY, kind(&[]), PRIMARY];

const CERTIFICATES: &[AttributeDef] =
    &[typed("value", AttrType::Binary, "The value of an X.509 certificate."), DISPLAY, kind(&[]), PRIMARY];

/// Top-level attributes of `urn:ietf:params:scim:schemas:core:2.0:User`.
pub static CORE_USER_ATTRIBUTES: &[AttributeDef] = &[
    AttributeDef {
        required: true,
        uniqueness: Uniqueness::Server,
        ..string(
            "userName",
            "Unique identifier for the User, typically used by the user to directly authenticate to the service provider.",
        )
    },
    complex("name", NAME, "The components of the user's real name."),
    string("displayName", "The name of the User, suitable for display to end-users."),
    string("nickName", "The casual way to address the user in real life."),
    reference(
        "profileUrl",
        &["external"],
        "A fully qualified URL pointing to a page representing the User's online profile.",
    ),
    string("title", "The user's title, such as \"Vice President\"."),
    string("userType", "Used to identify the relationship between the organization and the user."),
    string("preferredLanguage", "Indicates the User's preferred written or spoken language."),
    string("locale", "Used to indicate the User's default location for purposes of localizing items."),
    string("timezone", "The User's time zone in the 'Olson' time zone database format."),
    typed("active", AttrType::Boolean, "A Boolean value indicating the User's administrative status."),
    multi("emails", EMAILS, "Email addresses for the user."),
    multi("phoneNumbers", PHONE_NUMBERS, "Phone numbers for the User."),
    multi("ims", IMS, "Instant messaging addresses for the User."),
    multi("photos", PHOTOS, "URLs of photos of the User."),
    multi("addresses", ADDRESSES, "A physical mailing address for this User."),
    multi("entitlements", LABELLED, "A list of entitlements for the User that represent a thing the User has."),
    multi("roles", LABELLED, "A list of roles for the User that collectively represent who the User is."),
    multi("x509Certificates", CERTIFICATES, "A list of certificates issued to the User."),
];

const MANAGER: &[AttributeDef] = &[
    string("value", "The id of the SCIM resource representing the User's manager."),
    reference("$ref", &["User"], "The URI of the SCIM resource representing the User's manager."),
];

/// Attributes of `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`.
pub static ENTERPRISE_USER_ATTRIBUTES: &[AttributeDef] = &[
    string("employeeNumber", "Numeric or alphanumeric identifier assigned to a person."),
    string("costCenter", "Identifies the name of a cost center."),
    string("organization", "Identifies the name of an organization."),
    string("division", "Identifies the name of a division."),
    string("department", "Identifies the name of a department."),
    complex("manager", MANAGER, "The User's manager."),
];

const META: &[AttributeDef] = &[
    AttributeDef { mutability: Mutability::ReadOnly, ..exact("resourceType", "The name of the resource type.") },
    AttributeDef {
        mutability: Mutability::ReadOnly,
        ..typed("created", AttrType::DateTime, "When the resource was added.")
    },
    AttributeDef {
        mutability: Mutability::ReadOnly,
        ..typed("lastModified", AttrType::DateTime, "When the resource was last changed.")
    },
    AttributeDef {
        mutability: Mutability::ReadOnly,
        case_exact: true,
        ..reference("location", &["uri"], "The URI of the resource.")
    },
    AttributeDef { mutability: Mutability::ReadOnly, ..exact("version", "The version (ETag) of the resource.") },
];

/// Attributes common to every resource (RFC 7643 §3.1): not advertised in a schema, but
/// filterable and, for `externalId`, writable.
pub static COMMON_ATTRIBUTES: &[AttributeDef] = &[
    AttributeDef {
        mutability: Mutability::ReadOnly,
        returned: Returned::Always,
        uniqueness: Uniqueness::Server,
        ..exact("id", "Unique identifier for the resource, assigned by the service provider.")
    },
    exact("externalId", "An identifier for the resource as defined by the provisioning client."),
    AttributeDef { mutability: Mutability::ReadOnly, ..complex("meta", META, "Resource metadata.") },
    AttributeDef {
        multi_valued: true,
        mutability: Mutability::ReadOnly,
        returned: Returned::Always,
        ..reference("schemas", &["uri"], "The schemas the resource uses.")
    },
];

/// The User resource's schemas: the core schema first, then its extension.
pub static USER_SCHEMAS: &[SchemaDef] = &[
    SchemaDef {
        id: CORE_USER_URN,
        name: "User",
        description: "User Account",
        attributes: CORE_USER_ATTRIBUTES,
        is_extension: false,
    },
    SchemaDef {
        id: ENTERPRISE_USER_URN,
        name: "EnterpriseUser",
        description: "Enterprise User",
        attributes: ENTERPRISE_USER_ATTRIBUTES,
        is_extension: true,
    },
];

const MEMBERS: &[AttributeDef] = &[
    string("value", "Identifier of the member of this Group."),
    reference("$ref", &["User", "Group"], "The URI of the member resource."),
    AttributeDef { canonical_values: &["User", "Group"], ..string("type", "The type of the member.") },
    DISPLAY,
];

/// Attributes of `urn:ietf:params:scim:schemas:core:2.0:Group`.
pub static GROUP_ATTRIBUTES: &[AttributeDef] = &[
    AttributeDef {
        required: true,
        uniqueness: Uniqueness::Server,
        ..string("displayName", "A human-readable name for the Group.")
    },
    AttributeDef { identity: Some("value"), ..multi("members", MEMBERS, "A list of members of the Group.") },
];

/// The Group resource's schemas.
pub static GROUP_SCHEMAS: &[SchemaDef] = &[SchemaDef {
    id: CORE_GROUP_URN,
    name: "Group",
    description: "Group",
    attributes: GROUP_ATTRIBUTES,
    is_extension: false,
}];

/// The User resource type.
pub static USER: ResourceType = ResourceType {
    name: "User",
    endpoint: "/Users",
    description: "User Account",
    schemas: USER_SCHEMAS,
    key_attribute: "userName",
    discarded: &["password", "groups"],
};

/// The Group resource type.
pub static GROUP: ResourceType = ResourceType {
    name: "Group",
    endpoint: "/Groups",
    description: "Group",
    schemas: GROUP_SCHEMAS,
    key_attribute: "displayName",
    discarded: &[],
};

#[cfg(test)]
mod tests {
    use super::super::find;
    use super::*;

    #[test]
    fn names_are_unique_within_each_level() {
        fn check(level: &[AttributeDef], path: &str) {
            for (i, a) in level.iter().enumerate() {
                assert!(
                    !level[..i].iter().any(|b| b.name.eq_ignore_ascii_case(a.name)),
                    "{path}{} defined twice",
                    a.name
                );
                assert_eq!(a.is_complex(), !a.sub_attributes.is_empty(), "{path}{}", a.name);
                check(a.sub_attributes, &format!("{path}{}.", a.name));
            }
        }
        check(CORE_USER_ATTRIBUTES, "");
        check(ENTERPRISE_USER_ATTRIBUTES, "enterprise:");
        check(COMMON_ATTRIBUTES, "common:");
        check(GROUP_ATTRIBUTES, "group:");
    }

    #[test]
    fn lookups_ignore_case() {
        assert_eq!(find(CORE_USER_ATTRIBUTES, "USERNAME").unwrap().name, "userName");
        assert_eq!(find(CORE_USER_ATTRIBUTES, "name").unwrap().sub("FAMILYNAME").unwrap().name, "familyName");
        assert!(find(CORE_USER_ATTRIBUTES, "password").is_none());
        assert!(find(CORE_USER_ATTRIBUTES, "groups").is_none());
    }
}
