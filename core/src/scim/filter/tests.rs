use serde_json::{Value, json};
use time::OffsetDateTime;
use time::macros::datetime;

use super::*;
use crate::model::{UserRecord, UserState};
use crate::query::{Filter, FilterError, SortSpec};
use crate::schema::ENTERPRISE_USER_URN;

fn strict(text: &str) -> Result<Filter, FilterError> {
    parse_filter(text, FilterLimits::default(), FilterOptions { lenient: false })
}

fn lenient(text: &str) -> Result<Filter, FilterError> {
    parse_filter(text, FilterLimits::default(), FilterOptions { lenient: true })
}

fn user(doc: Value) -> UserRecord {
    let mut u = UserRecord::for_test("w", "2819c223-7f76-453a-919d-413861904646", doc);
    u.version = 3;
    u.created = datetime!(2026-01-02 03:04:05.678 UTC);
    u.last_modified = datetime!(2026-02-01 00:00:00 UTC);
    u
}

fn bjensen() -> UserRecord {
    user(json!({
        "userName": "BJensen@Example.com",
        "externalId": "bjensen",
        "name": {"givenName": "Barbara", "familyName": "Jensen"},
        "title": "Tour Guide",
        "nickName": "",
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": true},
            {"value": "babs@jensen.org", "type": "home"}
        ],
        "phoneNumbers": [{"value": "555-555-8377", "type": "work"}],
        ENTERPRISE_USER_URN: {"department": "Tour Operations", "manager": {"value": "26118915"}}
    }))
}

fn check(text: &str) -> bool {
    strict(text).unwrap_or_else(|e| panic!("{text}: {e}")).matches(&bjensen())
}

#[test]
fn rfc_examples_parse_and_evaluate() {
    let yes = [
        r#"userName eq "bjensen@example.com""#,
        r#"USERNAME EQ "BJENSEN@EXAMPLE.COM""#,
        r#"name.familyName co "ens""#,
        r#"userName sw "BJ""#,
        r#"userName ew ".COM""#,
        "title pr",
        r#"title pr and userType eq null"#,
        r#"meta.lastModified gt "2026-01-31T23:59:59Z""#,
        r#"meta.lastModified ge "2026-02-01T00:00:00Z""#,
        r#"meta.created lt "2026-01-02T03:04:06Z""#,
        r#"meta.created le "2026-01-02T03:04:05.678Z""#,
        r#"meta.resourceType eq "User""#,
        r#"meta.version eq "W/\"3\"""#,
        r#"title pr and (emails co "example.com" or emails.value co "example.org")"#,
        r#"userType ne "Employee" and not (emails co "example.com.invalid")"#,
        r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
        r#"emails[type eq "work"].value eq "BJensen@example.com""#,
        r#"emails.type eq "home""#,
        r#"emails pr"#,
        r#"phoneNumbers[type eq "work"]"#,
        r#"externalId eq "bjensen""#,
        r#"id eq "2819c223-7f76-453a-919d-413861904646""#,
        r#"active eq true"#,
        r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "tour operations""#,
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915""#,
        r#"urn:ietf:params:scim:schemas:core:2.0:User:name.givenName eq "barbara""#,
        r#"userName gt "a" and userName lt "c""#,
        r#"nickName eq null"#,
        r#"displayName ne "x""#,
    ];
    for text in yes {
        assert!(check(text), "should match: {text}");
    }
    let no = [
        r#"userName eq "bjensen""#,
        r#"externalId eq "BJENSEN""#,
        r#"emails[type eq "home"].value eq "bjensen@example.com""#,
        r#"emails[type eq "work" and value co "jensen.org"]"#,
        "nickName pr",
        "displayName pr",
        r#"title ne "tour guide""#,
        r#"not (title pr)"#,
        r#"active eq false"#,
        r#"meta.lastModified gt "2026-02-01T00:00:00Z""#,
        r#"meta.created gt "2026-01-02T03:04:05.678Z""#,
        r#"id eq "2819C223-7F76-453A-919D-413861904646""#,
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "sales""#,
        r#"meta.location pr"#,
        r#"title eq null"#,
    ];
    for text in no {
        assert!(!check(text), "should not match: {text}");
    }
}

#[test]
fn precedence_is_or_then_and_then_not() {
    // a or b and c == a or (b and c)
    let f = strict(r#"title pr or userName eq "x" and nickName pr"#).unwrap();
    assert!(matches!(&f, Filter::Or { filters } if filters.len() == 2));
    assert!(f.matches(&bjensen()));
    let f = strict(r#"(title pr or userName eq "x") and nickName pr"#).unwrap();
    assert!(!f.matches(&bjensen()));
    let f = strict(r#"not (title pr) or title pr"#).unwrap();
    assert!(f.matches(&bjensen()));
}

#[test]
fn entra_work_email_filter_reads_as_one_value_path() {
    let f = strict(r#"emails[type eq "work"].value eq "bjensen@example.com""#).unwrap();
    let Filter::ValuePath { attr, filter } = &f else { panic!("{f:?}") };
    assert_eq!(attr.to_string(), "emails");
    assert!(matches!(&**filter, Filter::And { filters } if filters.len() == 2));
    assert_eq!(f.to_string(), r#"emails[type eq "work" and value eq "bjensen@example.com"]"#);
    // The older documented form is not valid.
    assert!(strict(r#"emails[type eq "work"] eq "x""#).is_err());
}

#[test]
fn complex_multi_valued_attribute_compares_its_value() {
    let f = strict(r#"emails co "jensen.org""#).unwrap();
    assert_eq!(f.to_string(), r#"emails.value co "jensen.org""#);
    assert!(f.matches(&bjensen()));
    assert!(matches!(strict(r#"name eq "x""#), Err(FilterError::Type(_))));
    assert!(matches!(strict(r#"addresses eq "x""#), Err(FilterError::Type(_))));
}

#[test]
fn display_round_trips() {
    for text in [
        r#"userName eq "a\"b""#,
        r#"title pr and (userName sw "x" or not (active eq false))"#,
        r#"emails[type eq "work" and (value co "a" or value ew "b")]"#,
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "1""#,
        r#"meta.lastModified gt "2026-01-01T00:00:00Z""#,
        r#"userName eq null"#,
    ] {
        let f = strict(text).unwrap();
        let again = strict(&f.to_string()).unwrap();
        assert_eq!(f, again, "{text} -> {f}");
    }
}

#[test]
fn type_rules_refuse_meaningless_comparisons() {
    for text in [
        "active gt true",
        "active co \"t\"",
        r#"active eq "yes""#,
        r#"meta.created gt "yesterday""#,
        r#"meta.created co "2026""#,
        r#"x509Certificates.value gt "AA==""#,
        "userName gt null",
        "userName eq 12",
        r#"emails[value eq "x"].nope eq "y""#,
    ] {
        assert!(strict(text).is_err(), "{text} accepted");
    }
}

#[test]
fn syntax_errors_are_reported_with_position() {
    for text in [
        "",
        "userName",
        "userName eq",
        r#"userName xx "a""#,
        r#"userName eq "a" and"#,
        r#"(userName eq "a""#,
        r#"userName eq "a")"#,
        r#"not userName eq "a""#,
        r#"emails[type eq "work""#,
        r#"emails[type[value eq "x"] eq "y"]"#,
        r#"userName eq bjensen"#,
        r#"userName eq "a" userName eq "b""#,
        r#"nope eq "a""#,
        r#"urn:acme:User:x eq "a""#,
        "userName eq TRUE",
    ] {
        assert!(strict(text).is_err(), "{text:?} accepted");
    }
    let err = strict(r#"userName zz "a""#).unwrap_err();
    assert_eq!(err.to_string(), "invalid filter at byte 9: unknown operator \"zz\"");
}

#[test]
fn lenient_mode_takes_unquoted_values_and_string_booleans() {
    let f = lenient("userName sw B").unwrap();
    assert!(f.matches(&bjensen()));
    let f =
        lenient("name.FamilyName eq Jensen and (emails.Value co example.com or emails.Value co example.org)").unwrap();
    assert!(f.matches(&bjensen()));
    let f = lenient("meta.Created gt 2015-10-10T14:38:21.8617979-07:00").unwrap();
    assert!(f.matches(&bjensen()));
    let f = lenient(r#"active eq "True""#).unwrap();
    assert!(f.matches(&bjensen()));
    assert!(lenient("active eq TRUE").unwrap().matches(&bjensen()));
    assert!(lenient("userName eq 12").is_ok());
}

#[test]
fn ne_and_null_follow_presence() {
    assert!(check(r#"userType ne "x""#), "absent attribute is not equal");
    assert!(!check(r#"userType ne null"#));
    assert!(check(r#"title ne null"#));
    assert!(check(r#"emails.type ne "other""#));
    assert!(!check(r#"emails.type ne "home""#), "ne means no value equals");
}

#[test]
fn case_rules_follow_case_exact() {
    // userName, emails, title are case-insensitive; id and externalId are case-exact.
    assert!(check(r#"title eq "TOUR GUIDE""#));
    assert!(check(r#"emails.value eq "BJENSEN@EXAMPLE.COM""#));
    assert!(!check(r#"externalId eq "BJensen""#));
    // Non-ASCII folding agrees with user_name_key.
    let u = user(json!({"userName": "ÉMILE@x.org"}));
    assert!(strict(r#"userName eq "émile@X.ORG""#).unwrap().matches(&u));
    assert!(strict(r#"userName sw "ÉM""#).unwrap().matches(&u));
}

#[test]
fn archived_users_report_active_false() {
    let mut u = bjensen();
    u.state = UserState::Archived;
    assert!(strict("active eq false").unwrap().matches(&u));
    assert!(!strict("active eq true").unwrap().matches(&u));
}

#[test]
fn limits_are_enforced() {
    let limits = FilterLimits { max_len: 40, max_depth: 3 };
    let opts = FilterOptions::default();
    let long = format!(r#"userName eq "{}""#, "a".repeat(40));
    assert_eq!(parse_filter(&long, limits, opts), Err(FilterError::TooLong { len: long.len(), limit: 40 }));
    assert!(parse_filter("((title pr))", limits, opts).is_ok());
    assert_eq!(parse_filter("(((title pr)))", limits, opts), Err(FilterError::TooDeep { limit: 3 }));
    assert_eq!(parse_filter("not(not(not(title pr)))", limits, opts), Err(FilterError::TooDeep { limit: 3 }));
    // A hostile nest far beyond the stack is refused by the depth check.
    let deep = format!("{}title pr{}", "(".repeat(100_000), ")".repeat(100_000));
    let big = FilterLimits { max_len: 1 << 20, max_depth: 16 };
    assert_eq!(parse_filter(&deep, big, opts), Err(FilterError::TooDeep { limit: 16 }));
    let f = parse_filter(r#"emails[type eq "work"] and ((title pr))"#, big, opts).unwrap();
    assert_eq!(f.depth(), 3);
}

#[test]
fn index_hints_find_indexed_equalities() {
    let hint = |t: &str| strict(t).unwrap().index_hint().map(|h| format!("{h:?}"));
    assert_eq!(hint(r#"userName eq "A""#).as_deref(), Some(r#"UserName("A")"#));
    assert_eq!(hint(r#"title pr and externalId eq "e""#).as_deref(), Some(r#"ExternalId("e")"#));
    assert_eq!(hint(r#"id eq "1""#).as_deref(), Some(r#"Id("1")"#));
    assert_eq!(hint(r#"userName eq "a" or title pr"#), None);
    assert_eq!(hint(r#"not (userName eq "a")"#), None);
    assert_eq!(hint(r#"userName ne "a""#), None);
    assert_eq!(hint(r#"userName eq null"#), None);
}

#[test]
fn ast_serialises_for_stores() {
    let f = strict(r#"userName eq "a" and emails[type eq "work"]"#).unwrap();
    assert_eq!(
        serde_json::to_value(&f).unwrap(),
        json!({"op": "and", "filters": [
            {"op": "compare", "attr": "userName", "compare": "eq", "value": "a"},
            {"op": "value_path", "attr": "emails", "filter":
                {"op": "compare", "attr": "emails.type", "compare": "eq", "value": "work"}}
        ]})
    );
}

#[test]
fn patch_paths_parse() {
    let p = |t: &str| parse_patch_path(t, FilterLimits::default(), FilterOptions { lenient: true });
    let PatchPath::Attr { attr, filter: None, sub: Some(sub) } = p("name.givenName").unwrap() else { panic!() };
    assert_eq!((attr.to_string().as_str(), sub.name), ("name", "givenName"));
    let PatchPath::Attr { attr, filter: Some(f), sub: Some(sub) } = p(r#"emails[type eq "work"].value"#).unwrap()
    else {
        panic!()
    };
    assert_eq!((attr.to_string().as_str(), sub.name), ("emails", "value"));
    assert!(f.matches_value(&json!({"type": "WORK"})));
    assert!(matches!(p(ENTERPRISE_USER_URN).unwrap(), PatchPath::Extension(_)));
    let PatchPath::Attr { attr, filter: Some(_), sub: None } =
        p(&format!("{ENTERPRISE_USER_URN}:manager[value eq \"x\"]")).unwrap()
    else {
        panic!()
    };
    assert_eq!(attr.attr.name, "manager");
    for bad in [
        "",
        "nope",
        r#"userName[value eq "x"]"#,
        r#"emails[type eq "x"].nope"#,
        "emails]",
        r#"emails[type eq "x"] extra"#,
    ] {
        assert!(p(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn sort_orders_values_and_puts_missing_last() {
    let mk = |name: &str, title: Option<&str>, email: &str| {
        let mut doc =
            json!({"userName": name, "emails": [{"value": "z@x", "type": "home"}, {"value": email, "primary": true}]});
        if let Some(t) = title {
            doc["title"] = json!(t);
        }
        user(doc)
    };
    let mut users = vec![mk("b", None, "a@x"), mk("C", Some("x"), "c@x"), mk("a", Some("y"), "b@x")];
    let names = |users: &[UserRecord]| users.iter().map(|u| u.user_name.clone()).collect::<Vec<_>>();
    SortSpec::parse("userName", None).unwrap().sort(&mut users);
    assert_eq!(names(&users), ["a", "b", "C"]);
    SortSpec::parse("title", Some("ascending")).unwrap().sort(&mut users);
    assert_eq!(names(&users), ["C", "a", "b"]);
    SortSpec::parse("title", Some("DESCENDING")).unwrap().sort(&mut users);
    assert_eq!(names(&users), ["b", "a", "C"]);
    SortSpec::parse("emails", None).unwrap().sort(&mut users);
    assert_eq!(names(&users), ["b", "a", "C"], "primary email decides");
    SortSpec::parse("meta.created", None).unwrap().sort(&mut users);
    assert!(SortSpec::parse("name", None).is_err());
    assert!(SortSpec::parse("userName", Some("sideways")).is_err());
    assert!(SortSpec::parse("nope", None).is_err());
}

#[test]
fn time_values_with_offsets_compare_as_instants() {
    let mut u = bjensen();
    u.created =
        OffsetDateTime::parse("2015-10-10T21:38:21.8617979Z", &time::format_description::well_known::Rfc3339).unwrap();
    assert!(strict(r#"meta.created eq "2015-10-10T14:38:21.8617979-07:00""#).unwrap().matches(&u));
}
