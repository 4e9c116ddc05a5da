// The wire shapes that have no serde type of their own in the core, declared in Rust syntax for
// the generator (tools/wire-types/src/source.rs) to read with `syn`. This file is never
// compiled: every type it names that is not declared here is the core's, found by name
// wherever it lives in core/src, so the core's modules can move without touching this file.
//
// Three kinds of shape live here:
// - answers the bridge builds with `json!` (core/src/bridge/json.rs, query.rs), whose runtime
//   output tests/conform.rs checks against these declarations;
// - the store protocol (`Store`, `GroupStore`): one method per `StoreMethod`, checked against
//   the core's method table (names, order, arity, optionality) when the files are generated;
// - what only one binding takes (`ScimRequest`, options objects), marked `#[binding(node)]`.
//
// Marker types the generator maps per binding: `Bytes` (a string or bytes), `Instant` (a
// Date or RFC 3339 string), `Unknown` (any host value), `Undefined` (JavaScript's),
// `Filled<T>` (T with every default filled in), `Stored<T>` (the stored record, or nothing for
// "stored as given"), `OneOrMany<T>`, `ErrorCode` (the core's stable codes).

/// A list query as `query_users` / `query_groups` receive it; `select_users` answers it for a
/// simple store.
pub struct StoreQuery {
    /// The canonical filter text, or null.
    pub filter: Option<String>,
    /// The same filter as a tree, for stores that translate it (e.g. to SQL).
    pub filter_ast: Option<Filter>,
    /// An equality on an indexed attribute that every match satisfies.
    pub index_hint: Option<IndexHint>,
    /// The sort order asked for, if any.
    pub sort: Option<Sort>,
    /// 1-based.
    pub start_index: u64,
    /// The most records to answer.
    pub count: u64,
}

/// An equality on an indexed attribute that every match of the query satisfies: the store may
/// look the candidates up by it (`userName` compares through `user_name_key`, `displayName`
/// through `display_name_key`).
pub struct IndexHint {
    /// The indexed attribute.
    pub attribute: IndexedAttribute,
    /// The value it equals.
    pub value: String,
}

/// The attributes an index hint names (SCIM's own names, never recased).
pub enum IndexedAttribute {
    /// The SCIM id.
    #[serde(rename = "id")]
    Id,
    /// A user's userName.
    #[serde(rename = "userName")]
    UserName,
    /// The externalId.
    #[serde(rename = "externalId")]
    ExternalId,
    /// A group's displayName.
    #[serde(rename = "displayName")]
    DisplayName,
}

/// A list query's sort order.
pub struct Sort {
    /// The attribute path, as SCIM names it (`name.familyName`).
    pub attribute: String,
    /// Descending rather than ascending.
    pub descending: bool,
}

/// The login decision.
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum LoginDecision {
    /// The user may sign in.
    Allowed {
        /// The user, as the store keeps it.
        user: UserRecord,
    },
    /// The sign-in is refused.
    Refused {
        /// Why, as a stable code.
        code: RefusalCode,
        /// What happened and what to do.
        message: String,
    },
}

/// The codes a login decision refuses with.
#[serde(rename_all = "snake_case")]
pub enum RefusalCode {
    /// The assertion was seen before.
    Replayed,
    /// No user matches the identity.
    UnknownUser,
    /// The user is archived or deprovisioned.
    UserArchived,
    /// The store answered with a user of another workspace.
    WrongWorkspace,
}

/// An AuthnRequest ready for either binding.
pub struct AuthnRequest {
    /// Keep it: the response must carry it as InResponseTo.
    pub id: String,
    /// The IssueInstant, RFC 3339.
    pub issue_instant: String,
    /// The IdP's single sign-on URL the request is addressed to.
    pub destination: String,
    /// The RelayState sent along, if any.
    pub relay_state: Option<String>,
    /// The request XML.
    pub xml: String,
    /// HTTP-Redirect: answer the browser with a 302 to it.
    pub redirect_url: String,
    /// HTTP-POST: a complete auto-submitting HTML page.
    pub post_form_html: String,
}

/// A certificate's facts, for an admin screen.
pub struct Certificate {
    /// The subject, as text.
    pub subject: String,
    /// Valid from, RFC 3339.
    pub not_before: String,
    /// Valid until, RFC 3339.
    pub not_after: String,
    /// The key's algorithm.
    pub key_type: KeyType,
    /// RSA modulus length, or EC curve size (256, 384, 521).
    pub key_bits: u32,
    /// SHA-256 of the DER, lower-case hex.
    pub sha256_fingerprint: String,
    /// The certificate, PEM.
    pub pem: String,
}

/// A certificate key's algorithm.
#[serde(rename_all = "lowercase")]
pub enum KeyType {
    /// RSA.
    Rsa,
    /// Elliptic curve (P-256, P-384, P-521).
    Ec,
}

/// A SAML endpoint from metadata.
pub struct Endpoint {
    /// The binding URN (HTTP-Redirect, HTTP-POST, …).
    pub binding: String,
    /// Where requests go.
    pub location: String,
    /// Where responses go, when it differs.
    pub response_location: Option<String>,
}

/// What imported IdP metadata says.
pub struct IdpMetadata {
    /// The IdP's entity ID.
    pub entity_id: String,
    /// The HTTP-Redirect single sign-on URL, if offered.
    pub sso_url: Option<String>,
    /// The HTTP-Redirect single logout URL, if offered.
    pub slo_url: Option<String>,
    /// Every single sign-on endpoint.
    pub single_sign_on_services: Vec<Endpoint>,
    /// Every single logout endpoint.
    pub single_logout_services: Vec<Endpoint>,
    /// The NameID formats the IdP supports.
    pub name_id_formats: Vec<String>,
    /// The IdP's signing certificates.
    pub signing_certificates: Vec<Certificate>,
    /// Whether the IdP wants AuthnRequests signed.
    pub want_authn_requests_signed: bool,
    /// When the metadata stops being valid, RFC 3339.
    pub valid_until: Option<String>,
}

/// `import_metadata`'s answer: settings trusting the IdP, and what its metadata says.
pub struct ImportedMetadata {
    /// New settings trusting this IdP, every other setting at its default.
    pub settings: Filled<SamlSettings>,
    /// What the metadata says.
    pub metadata: IdpMetadata,
}

/// A new SCIM bearer token and the SHA-256 hash to store in its place.
#[binding(python)]
pub struct GeneratedToken {
    /// The secret: show it to the admin once, never store it.
    pub token: String,
    /// 64 lower-case hex digits: what the store keeps and `workspace_for_token` receives.
    pub hash: String,
}

/// The host's store. Every method may be plain or asynchronous (Node: return a Promise;
/// Python: `async def`, accepted by the `*_async` entry points only, which call every method
/// on the awaiting thread). Every call names the workspace resolved from the bearer token. To
/// signal a kind, fail with an error whose `code` is `conflict`, `version_mismatch`,
/// `not_found` or `unsupported`; any other failure is the store's own, handed back to the
/// caller unchanged.
pub trait Store {
    /// The workspace a SCIM token (by its hash) belongs to, or null for an unknown token.
    fn workspace_for_token(token_hash: String) -> Option<TokenGrant>;
    /// A user by id, or null.
    fn get_user(workspace_id: String, id: String) -> Option<UserRecord>;
    /// By `user_name_key(user_name)`; archived and deprovisioned users included.
    fn find_by_user_name(workspace_id: String, user_name_key: String) -> Option<UserRecord>;
    /// One page of users, deprovisioned ones left out; `select_users(query, all)` answers it
    /// for a simple store.
    fn query_users(workspace_id: String, query: StoreQuery) -> UserPage;
    /// Store a new user: the stored user, or nothing for "stored as given"; signal `conflict`
    /// on a taken userName key.
    fn insert_user(user: UserRecord) -> Stored<UserRecord>;
    /// Replace the user if its stored version is `expected_version`: signal
    /// `version_mismatch` otherwise, `not_found`, or `conflict`.
    fn update_user(user: UserRecord, expected_version: u64) -> Stored<UserRecord>;
    /// True the first time the key (issuer and assertion ID) is seen, false on a replay; keep
    /// it until `not_on_or_after`.
    fn remember_assertion(workspace_id: String, assertion_key: String, not_on_or_after: String) -> bool;
}

/// The six group methods, for a store that also serves `/Groups`: optional, and without them
/// `/Groups` answers 501.
pub trait GroupStore: Store {
    /// A group by id, or null.
    fn get_group(workspace_id: String, id: String) -> Option<GroupRecord>;
    /// By `display_name_key(display_name)`.
    fn find_group_by_display_name(workspace_id: String, display_name_key: String) -> Option<GroupRecord>;
    /// One page of groups; `select_groups(query, all)` answers it for a simple store.
    fn query_groups(workspace_id: String, query: StoreQuery) -> GroupPage;
    /// Store a new group (nothing: stored as given); signal `conflict` on a taken displayName.
    fn insert_group(group: GroupRecord) -> Stored<GroupRecord>;
    /// Replace the group if its stored version is `expected_version` (else signal
    /// `version_mismatch`, `not_found` or `conflict`).
    fn update_group(group: GroupRecord, expected_version: u64) -> Stored<GroupRecord>;
    /// Delete the group if its stored version is `expected_version`; the answer is ignored.
    fn delete_group(workspace_id: String, id: String, expected_version: u64) -> Unknown;
}

/// Options of `filter_to_sql`: the host's SQL dialect and the columns it keeps attributes in.
pub struct SqlOptions {
    /// The SQL written.
    pub dialect: SqlDialect,
    /// `"User"` (the default) or `"Group"`.
    #[serde(default)]
    pub resource: Option<String>,
    /// Attribute path (`userName`, `name.familyName`, `active`, `meta.lastModified`, an
    /// enterprise attribute by its URN) → the column holding it. Attributes without one make
    /// the translation a superset.
    #[serde(default)]
    pub columns: Option<BTreeMap<String, SqlColumn>>,
    /// The number of the first placeholder (default 1).
    #[serde(default)]
    pub first: Option<u64>,
    /// SQL ordering rows whose sort keys are equal, ascending (the host's insertion order).
    #[serde(default)]
    pub tiebreak: Option<String>,
}

/// A SQL dialect.
pub enum SqlDialect {
    /// SQLite: `?N` placeholders.
    #[serde(rename = "sqlite")]
    Sqlite,
    /// PostgreSQL: `$N` placeholders, text ordered `COLLATE "C"`.
    #[serde(rename = "postgres")]
    Postgres,
}

/// A column: its SQL alone (a key column that may be NULL), or described.
#[serde(untagged)]
pub enum SqlColumn {
    /// The SQL of a nullable key column.
    Key(String),
    /// The column described.
    Described(SqlColumnSpec),
}

/// A column described.
pub struct SqlColumnSpec {
    /// The column's SQL (`u.user_name_key`).
    pub column: String,
    /// What it holds (default `"key"`).
    #[serde(rename = "type", default)]
    pub kind: Option<SqlColumnType>,
    /// Whether it may be NULL (default true).
    #[serde(default)]
    pub nullable: Option<bool>,
}

/// What a column holds.
pub enum SqlColumnType {
    /// The key of the attribute's string value: `user_name_key(value)` for case-insensitive
    /// attributes (the core's one folding), the value itself for caseExact ones.
    #[serde(rename = "key")]
    Key,
    /// The dialect's boolean.
    #[serde(rename = "boolean")]
    Boolean,
    /// A dateTime as whole milliseconds since the Unix epoch.
    #[serde(rename = "epoch_ms")]
    EpochMs,
}

/// What `filter_to_sql` answers.
pub struct SqlTranslation {
    /// A condition on the host's row (`1 = 1` without a filter), placeholders numbered from
    /// `first`.
    #[serde(rename = "where")]
    pub condition: String,
    /// The parameters to bind, in placeholder order.
    pub params: Vec<SqlParam>,
    /// Whether the condition selects exactly the matches; when false it selects a superset,
    /// which the host passes to `select_users` / `select_groups` to re-check, sort and page.
    pub exact: bool,
    /// The `ORDER BY` terms, or null without a sort nor a tie-break.
    pub order: Option<String>,
    /// False when the sort attribute has no column: `order` then holds only the tie-break
    /// and the host sorts with `select_users` / `select_groups`.
    pub sorted: bool,
}

/// A bind parameter.
#[serde(untagged)]
pub enum SqlParam {
    /// Text.
    Text(String),
    /// A number.
    Number(f64),
}

/// Request headers: Node's `req.headers` shape, or `[name, value]` pairs.
#[binding(node)]
#[serde(untagged)]
pub enum RequestHeaders {
    /// By name.
    Map(BTreeMap<String, HeaderValue>),
    /// Pairs, repeated names kept.
    Pairs(Vec<(String, String)>),
}

/// One header's value as Node gives it.
#[binding(node)]
#[serde(untagged)]
pub enum HeaderValue {
    /// One value.
    One(String),
    /// Repeated header.
    Many(Vec<String>),
    /// A number (`content-length` set by hand).
    Number(f64),
    /// Left unset.
    Absent(Undefined),
}

/// One HTTP request as the web framework received it.
#[binding(node)]
pub struct ScimRequest {
    /// The HTTP method.
    pub method: String,
    /// Below the SCIM base (`/Users/2819c223…`); a `?query` left on it is split off.
    pub path: String,
    /// The raw query string, percent-encoded (with or without the leading `?`).
    #[serde(default)]
    pub query: Option<String>,
    /// The request headers.
    #[serde(default)]
    pub headers: Option<RequestHeaders>,
    /// The raw body: a string or bytes (never parsed JSON: use `express.raw()` or
    /// `express.text()`).
    #[serde(default)]
    pub body: Option<Bytes>,
}

/// The HTTP response to send back.
#[binding(node)]
pub struct ScimResponse {
    /// The HTTP status.
    pub status: u16,
    /// The response headers.
    pub headers: BTreeMap<String, String>,
    /// JSON text (SCIM is JSON), or `''` for 204/304.
    pub body: String,
    /// For error answers: the stable code (`uniqueness`, `invalid_filter`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<ErrorCode>,
    /// For error answers: the detail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
}

/// `validate` / `validateSync` options.
#[binding(node)]
#[serde(default)]
pub struct ValidateOptions {
    /// The id of the AuthnRequest this SP sent (omit or `null` for an unsolicited response), or
    /// every request id this browser has pending (from its session; possibly none): the id the
    /// response claims is checked only if it is one of them, else the response is unsolicited.
    /// `Identity.inResponseTo` names the request answered.
    pub request_id: Option<OneOrMany<String>>,
    /// The time to validate at (default: now).
    pub now: Option<Instant>,
}

/// `signIn` options.
#[binding(node)]
#[serde(default)]
pub struct SignInOptions {
    /// The id of the AuthnRequest this SP sent; omit or `null` for an unsolicited response. With
    /// several pending, call `validate` with all of them, then `decide`.
    pub request_id: Option<String>,
    /// The time to validate at (default: now).
    pub now: Option<Instant>,
}
