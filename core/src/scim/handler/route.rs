//! Which endpoint a request path names, and which methods it allows.

use percent_encoding::percent_decode_str;

/// A SCIM endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Route {
    Users,
    User(String),
    UsersSearch,
    Groups,
    Group(String),
    GroupsSearch,
    RootSearch,
    ServiceProviderConfig,
    ResourceTypes,
    ResourceType(String),
    Schemas,
    Schema(String),
    /// An RFC endpoint this service provider does not offer (Groups, Bulk, Me): 501.
    Unsupported(&'static str),
    NotFound,
}

impl Route {
    /// Resolve a base-relative path. Resource segments match case-insensitively (Microsoft's
    /// test collection asks for `/users`) and a trailing slash is ignored.
    pub fn parse(path: &str, lenient: bool) -> Route {
        let trimmed = path.trim_matches('/');
        let segments: Option<Vec<String>> =
            trimmed.split('/').map(|s| percent_decode_str(s).decode_utf8().ok().map(|c| c.into_owned())).collect();
        let Some(segments) = segments else { return Route::NotFound };
        let is = |s: &str, name: &str| s.eq_ignore_ascii_case(name);
        match segments.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
            [u] if is(u, "Users") => Route::Users,
            [u, s] if is(u, "Users") && *s == ".search" => Route::UsersSearch,
            [u, id] if is(u, "Users") && !id.is_empty() => Route::User((*id).to_owned()),
            [s] if *s == ".search" => Route::RootSearch,
            [s] if is(s, "ServiceProviderConfig") => Route::ServiceProviderConfig,
            [s] if lenient && is(s, "serviceConfiguration") => Route::ServiceProviderConfig,
            [r] if is(r, "ResourceTypes") => Route::ResourceTypes,
            [r, id] if is(r, "ResourceTypes") => Route::ResourceType((*id).to_owned()),
            [s] if is(s, "Schemas") => Route::Schemas,
            [s, id] if is(s, "Schemas") => Route::Schema((*id).to_owned()),
            [g] if is(g, "Groups") => Route::Groups,
            [g, s] if is(g, "Groups") && *s == ".search" => Route::GroupsSearch,
            [g, id] if is(g, "Groups") && !id.is_empty() => Route::Group((*id).to_owned()),
            [b, ..] if is(b, "Bulk") => Route::Unsupported("Bulk"),
            [m, ..] if is(m, "Me") => Route::Unsupported("/Me"),
            _ => Route::NotFound,
        }
    }

    /// The methods the endpoint answers (empty: any method gets the endpoint's own answer).
    pub fn allowed(&self) -> &'static [&'static str] {
        match self {
            Route::Users | Route::Groups => &["GET", "POST"],
            Route::User(_) | Route::Group(_) => &["GET", "PUT", "PATCH", "DELETE"],
            Route::UsersSearch | Route::GroupsSearch | Route::RootSearch => &["POST"],
            Route::ServiceProviderConfig
            | Route::ResourceTypes
            | Route::ResourceType(_)
            | Route::Schemas
            | Route::Schema(_) => &["GET"],
            Route::Unsupported(_) | Route::NotFound => &[],
        }
    }

    /// Discovery endpoints may be read without a token (see `authenticate_discovery`).
    pub fn is_discovery(&self) -> bool {
        matches!(
            self,
            Route::ServiceProviderConfig
                | Route::ResourceTypes
                | Route::ResourceType(_)
                | Route::Schemas
                | Route::Schema(_)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        let r = |p: &str| Route::parse(p, true);
        assert_eq!(r("/Users"), Route::Users);
        assert_eq!(r("/users/"), Route::Users);
        assert_eq!(r("Users"), Route::Users);
        assert_eq!(r("/Users/abc"), Route::User("abc".into()));
        assert_eq!(r("/Users/a%20b"), Route::User("a b".into()));
        assert_eq!(r("/Users/.search"), Route::UsersSearch);
        assert_eq!(r("/.search"), Route::RootSearch);
        assert_eq!(r("/serviceConfiguration"), Route::ServiceProviderConfig);
        assert_eq!(Route::parse("/serviceConfiguration", false), Route::NotFound);
        assert_eq!(
            r("/Schemas/urn%3Aietf%3Aparams%3Ascim%3Aschemas%3Acore%3A2.0%3AUser"),
            Route::Schema("urn:ietf:params:scim:schemas:core:2.0:User".into())
        );
        assert_eq!(r("/Groups/1"), Route::Group("1".into()));
        assert_eq!(r("/groups/"), Route::Groups);
        assert_eq!(r("/Groups/.search"), Route::GroupsSearch);
        assert_eq!(r("/Groups/1/x"), Route::NotFound);
        assert_eq!(r("/Bulk"), Route::Unsupported("Bulk"));
        assert_eq!(r("/Users/a/b"), Route::NotFound);
        assert_eq!(r("/"), Route::NotFound);
        assert_eq!(r("/Users/%ff"), Route::NotFound);
        assert_eq!(r("/Nope"), Route::NotFound);
    }
}
