use serde_json::{Value, json};

use super::*;
use crate::schema::{ENTERPRISE_USER_URN, USER};
use crate::scim::config::{Profile, ScimConfig};

const EXT: &str = ENTERPRISE_USER_URN;

fn config(profile: Profile) -> ScimConfig {
    ScimConfig { profile, ..ScimConfig::default() }
}

fn base() -> Value {
    json!({
        "userName": "jdoe@contoso.com",
        "name": {"givenName": "John", "familyName": "Doe"},
        "emails": [{"value": "jdoe@contoso.com", "type": "work", "primary": true}],
        EXT: {"department": "Sales"}
    })
}

/// Apply `ops` (the Operations array) to `doc` with `active: true`; the resulting document
/// with `active` folded back in, or the error code.
fn run_on(profile: Profile, doc: Value, ops: Value) -> Result<Value, String> {
    let cfg = config(profile);
    let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops});
    let ops = parse_patch(&USER, &body, &cfg).map_err(|e| format!("{}: {}", e.code(), e.detail()))?;
    let mut working = Working::new(&USER, doc.as_object().unwrap(), Some(true));
    apply(&ops, &mut working, &cfg).map_err(|e| format!("{}: {}", e.code(), e.detail()))?;
    let (mut doc, active) = working.finish().map_err(|e| e.code().to_string())?;
    doc.insert("active".into(), active.unwrap_or(true).into());
    Ok(Value::Object(doc))
}

fn entra(ops: Value) -> Value {
    run_on(Profile::Entra, base(), ops).unwrap_or_else(|e| panic!("{e}"))
}

fn strict(ops: Value) -> Result<Value, String> {
    run_on(Profile::Strict, base(), ops)
}

fn code(r: Result<Value, String>) -> String {
    let e = r.expect_err("expected an error");
    e.split(':').next().unwrap().to_owned()
}

#[test]
fn entra_disable_in_both_dialects() {
    assert_eq!(entra(json!([{"op": "Replace", "path": "active", "value": "False"}]))["active"], false);
    assert_eq!(entra(json!([{"op": "replace", "path": "active", "value": false}]))["active"], false);
    assert_eq!(strict(json!([{"op": "replace", "path": "active", "value": false}])).unwrap()["active"], false);
    assert_eq!(code(strict(json!([{"op": "Replace", "path": "active", "value": false}]))), "invalid_syntax");
    assert_eq!(code(strict(json!([{"op": "replace", "path": "active", "value": "False"}]))), "invalid_value");
}

#[test]
fn okta_pathless_deactivate() {
    assert_eq!(entra(json!([{"op": "replace", "value": {"active": false}}]))["active"], false);
    let v = entra(json!([{"op": "replace", "value": {"id": "ignored", "active": true, "password": "x"}}]));
    assert_eq!(v["active"], true);
    assert!(v.get("id").is_none() && v.get("password").is_none());
    assert_eq!(code(strict(json!([{"op": "replace", "value": {"id": "x"}}]))), "mutability");
}

#[test]
fn entra_pathless_replace_with_dotted_and_urn_keys() {
    let v = entra(json!([{"op": "replace", "value": {
        "displayName": "Bjfe",
        "name.givenName": "Kkom",
        "name.familyName": "Unua",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "Aklq",
        "emails[type eq \"work\"].value": "new@contoso.com"
    }}]));
    assert_eq!(v["displayName"], "Bjfe");
    assert_eq!(v["name"], json!({"givenName": "Kkom", "familyName": "Unua"}));
    assert_eq!(v[EXT], json!({"employeeNumber": "Aklq", "department": "Sales"}));
    assert_eq!(v["emails"], json!([{"value": "new@contoso.com", "type": "work", "primary": true}]));
}

#[test]
fn urn_path_with_dotted_version_resolves() {
    let v = entra(json!([{"op": "Add", "path": format!("{EXT}:department"), "value": "Retail"}]));
    assert_eq!(v[EXT]["department"], "Retail");
    let v = entra(json!([{"op": "add", "path": format!("{EXT}:manager.value"), "value": "m1"}]));
    assert_eq!(v[EXT]["manager"], json!({"value": "m1"}));
}

#[test]
fn value_path_creates_the_entry_it_names_in_entra_mode_only() {
    let v = entra(json!([
        {"op": "add", "path": "emails[type eq \"home\"].value", "value": "h@x.com"},
        {"op": "replace", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "555"},
        {"op": "add", "path": "addresses[type eq \"work\"].streetAddress", "value": "1 Main St"},
        {"op": "add", "path": "addresses[type eq \"work\"].locality", "value": "Springfield"}
    ]));
    assert_eq!(v["emails"][1], json!({"type": "home", "value": "h@x.com"}));
    assert_eq!(v["phoneNumbers"], json!([{"type": "mobile", "value": "555"}]));
    assert_eq!(v["addresses"], json!([{"type": "work", "streetAddress": "1 Main St", "locality": "Springfield"}]));
    assert_eq!(
        code(strict(json!([{"op": "replace", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "5"}]))),
        "no_target"
    );
    // A filter that is not a plain description creates nothing.
    let r = run_on(
        Profile::Entra,
        base(),
        json!([{"op": "replace", "path": "phoneNumbers[type co \"mob\"].value", "value": "5"}]),
    );
    assert_eq!(code(r), "no_target");
    // Clearing an entry that does not exist is a no-op, not a half-created entry.
    let v = entra(json!([{"op": "replace", "path": "phoneNumbers[type eq \"fax\"].value", "value": ""}]));
    assert!(v.get("phoneNumbers").is_none());
}

#[test]
fn primary_value_path_selects_and_creates() {
    let v = entra(json!([{"op": "replace", "value": {"emails[primary eq true].value": "p@x.com"}}]));
    assert_eq!(v["emails"], json!([{"value": "p@x.com", "type": "work", "primary": true}]));
    let doc = json!({"userName": "a"});
    let v = run_on(
        Profile::Entra,
        doc,
        json!([{"op": "replace", "path": "phoneNumbers[primary eq true].value", "value": "1"}]),
    )
    .unwrap();
    assert_eq!(v["phoneNumbers"], json!([{"primary": true, "value": "1"}]));
}

#[test]
fn manager_every_form() {
    let path = format!("{EXT}:manager");
    let v = entra(json!([{"op": "add", "path": path, "value": "m1"}]));
    assert_eq!(v[EXT]["manager"], json!({"value": "m1"}));
    let v = entra(json!([{"op": "replace", "path": path, "value": {"value": "m2"}}]));
    assert_eq!(v[EXT]["manager"], json!({"value": "m2"}));
    for cleared in [json!({"value": ""}), json!(""), Value::Null] {
        let doc = {
            let mut d = base();
            d[EXT]["manager"] = json!({"value": "m1"});
            d
        };
        let v = run_on(Profile::Entra, doc, json!([{"op": "replace", "path": path, "value": cleared}])).unwrap();
        assert!(v[EXT].get("manager").is_none(), "{cleared} should unassign");
        assert_eq!(v[EXT]["department"], "Sales");
    }
    let doc = {
        let mut d = base();
        d[EXT]["manager"] = json!({"value": "m1"});
        d
    };
    let v = run_on(Profile::Entra, doc.clone(), json!([{"op": "remove", "path": format!("{path}[value eq \"m1\"]")}]))
        .unwrap();
    assert!(v[EXT].get("manager").is_none());
    let v =
        run_on(Profile::Entra, doc, json!([{"op": "remove", "path": format!("{path}[value eq \"other\"]")}])).unwrap();
    assert_eq!(v[EXT]["manager"], json!({"value": "m1"}), "no match: nothing removed");
    assert_eq!(code(strict(json!([{"op": "add", "path": path, "value": "m1"}]))), "invalid_value");
}

#[test]
fn removing_the_last_extension_attribute_drops_the_extension() {
    let v = entra(json!([{"op": "remove", "path": format!("{EXT}:department")}]));
    assert!(v.get(EXT).is_none());
    let v = entra(json!([{"op": "remove", "path": EXT}]));
    assert!(v.get(EXT).is_none());
}

#[test]
fn add_to_multi_valued_appends_without_duplicates_and_moves_primary() {
    let v = entra(
        json!([{"op": "add", "path": "emails", "value": [{"value": "other@x.com", "type": "other", "primary": true}]}]),
    );
    assert_eq!(
        v["emails"],
        json!([
            {"value": "jdoe@contoso.com", "type": "work", "primary": false},
            {"value": "other@x.com", "type": "other", "primary": true}
        ]),
        "the new primary value takes primary from the old one"
    );
    let v = entra(json!([{"op": "add", "path": "emails", "value": [
        {"value": "n1@x", "primary": true}, {"value": "n2@x", "primary": true}]}]));
    let primaries: Vec<_> = v["emails"].as_array().unwrap().iter().filter(|e| e["primary"] == true).collect();
    assert_eq!(primaries, [&json!({"value": "n1@x", "primary": true})], "lenient: the first new primary wins");
    let before = base();
    let v = entra(json!([{"op": "add", "path": "emails", "value": before["emails"]}]));
    assert_eq!(v["emails"], before["emails"], "existing value not duplicated");
    assert_eq!(
        code(strict(json!([{"op": "add", "path": "emails", "value": [
            {"value": "a@x", "primary": true}, {"value": "b@x", "primary": true}]}]))),
        "invalid_value"
    );
}

#[test]
fn replace_semantics() {
    let v = entra(json!([{"op": "replace", "path": "name", "value": {"givenName": "Jane"}}]));
    assert_eq!(v["name"], json!({"givenName": "Jane", "familyName": "Doe"}), "other sub-attributes kept");
    let v = entra(json!([{"op": "replace", "path": "emails", "value": [{"value": "only@x"}]}]));
    assert_eq!(v["emails"], json!([{"value": "only@x"}]), "multi-valued replaced whole");
    let v = entra(
        json!([{"op": "replace", "path": "emails[type eq \"work\"]", "value": {"value": "w@x", "type": "work"}}]),
    );
    assert_eq!(v["emails"], json!([{"value": "w@x", "type": "work"}]));
    let v = entra(json!([{"op": "replace", "path": "name.familyName", "value": "Smith"}]));
    assert_eq!(v["name"]["familyName"], "Smith");
    let v = entra(json!([{"op": "replace", "path": "userName", "value": "new@contoso.com"}]));
    assert_eq!(v["userName"], "new@contoso.com");
}

#[test]
fn null_and_empty_string_unassign() {
    let v = entra(json!([{"op": "replace", "path": "name.givenName", "value": ""}]));
    assert_eq!(v["name"], json!({"familyName": "Doe"}));
    let v = entra(json!([{"op": "replace", "value": {"name.familyName": null, "name.givenName": null}}]));
    assert!(v.get("name").is_none(), "emptied complex attribute disappears");
    assert_eq!(
        code(run_on(Profile::Entra, base(), json!([{"op": "replace", "path": "userName", "value": ""}]))),
        "mutability"
    );
}

#[test]
fn remove_semantics() {
    assert_eq!(code(strict(json!([{"op": "remove"}]))), "no_target");
    assert_eq!(code(strict(json!([{"op": "remove", "path": "userName"}]))), "mutability");
    assert_eq!(code(strict(json!([{"op": "remove", "path": "active"}]))), "mutability");
    assert_eq!(code(strict(json!([{"op": "remove", "path": "id"}]))), "mutability");
    assert_eq!(
        code(strict(json!([{"op": "replace", "path": "meta.created", "value": "2020-01-01T00:00:00Z"}]))),
        "mutability"
    );
    let v = strict(json!([{"op": "remove", "path": "emails[type eq \"work\"]"}])).unwrap();
    assert!(v.get("emails").is_none());
    let v = strict(json!([{"op": "remove", "path": "emails[type eq \"home\"]"}])).unwrap();
    assert_eq!(v["emails"], base()["emails"], "no match: success, no change");
    let v = strict(json!([{"op": "remove", "path": "emails[type eq \"work\"].primary"}])).unwrap();
    assert_eq!(v["emails"], json!([{"value": "jdoe@contoso.com", "type": "work"}]));
    let v = strict(json!([{"op": "remove", "path": "name.givenName"}])).unwrap();
    assert_eq!(v["name"], json!({"familyName": "Doe"}));
    let v = strict(json!([{"op": "remove", "path": "title"}])).unwrap();
    assert!(v.get("title").is_none());
}

#[test]
fn remove_with_value_list_removes_only_those_in_entra_mode() {
    let doc = json!({"userName": "a", "emails": [{"value": "a@x"}, {"value": "B@x"}, {"value": "c@x"}]});
    let ops = json!([{"op": "Remove", "path": "emails", "value": [{"value": "b@x", "$ref": null}, {"value": "c@x"}]}]);
    let v = run_on(Profile::Entra, doc.clone(), ops.clone()).unwrap();
    assert_eq!(v["emails"], json!([{"value": "a@x"}]));
    let v =
        run_on(Profile::Strict, doc, json!([{"op": "remove", "path": "emails", "value": [{"value": "b@x"}]}])).unwrap();
    assert!(v.get("emails").is_none(), "strict: remove without filter removes all");
}

#[test]
fn operations_apply_in_order_and_atomically() {
    let cfg = config(Profile::Strict);
    let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [
        {"op": "replace", "path": "displayName", "value": "Changed"},
        {"op": "remove", "path": "userName"}
    ]});
    let ops = parse_patch(&USER, &body, &cfg).unwrap();
    let original = base();
    let mut working = Working::new(&USER, original.as_object().unwrap(), Some(true));
    let err = apply(&ops, &mut working, &cfg).unwrap_err();
    assert_eq!(err.code().as_str(), "mutability");
    assert!(err.detail().starts_with("Operations[1]"), "{}", err.detail());
    let v = entra(json!([
        {"op": "add", "path": "title", "value": "A"},
        {"op": "replace", "path": "title", "value": "B"},
        {"op": "remove", "path": "nickName"}
    ]));
    assert_eq!(v["title"], "B");
}

#[test]
fn message_shape_rules() {
    let cfg = config(Profile::Strict);
    let parse = |b: Value, c: &ScimConfig| parse_patch(&USER, &b, c).map(|_| ()).map_err(|e| e.code().as_str());
    assert_eq!(
        parse(json!({"Operations": [{"op": "add", "path": "title", "value": "x"}]}), &cfg),
        Err("invalid_value")
    );
    assert_eq!(
        parse(json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": []}), &cfg),
        Err("invalid_value")
    );
    let lenient = config(Profile::Entra);
    assert_eq!(
        parse(json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": []}), &lenient),
        Ok(())
    );
    assert_eq!(
        parse(json!({"operations": [{"OP": "ADD", "Path": "title", "Value": "x", "name": "extra"}]}), &lenient),
        Ok(())
    );
    assert_eq!(parse(json!({"Operations": [{"op": "move", "path": "title"}]}), &lenient), Err("invalid_syntax"));
    assert_eq!(parse(json!({"Operations": [{"op": "add", "path": "title"}]}), &lenient), Err("invalid_value"));
    assert_eq!(parse(json!({"Operations": [{"op": "add", "value": "x"}]}), &lenient), Err("invalid_value"));
    assert_eq!(
        parse(json!({"Operations": [{"op": "add", "path": "emails[type eq", "value": "x"}]}), &lenient),
        Err("invalid_path")
    );
    assert_eq!(parse(json!({"Operations": {"op": "add"}}), &lenient), Err("invalid_syntax"));
    assert_eq!(parse(json!([]), &lenient), Err("invalid_syntax"));
    let small =
        ScimConfig { limits: crate::scim::config::Limits { max_patch_operations: 2, ..Default::default() }, ..cfg };
    let three = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [
        {"op": "add", "path": "title", "value": "x"}, {"op": "add", "path": "title", "value": "x"}, {"op": "add", "path": "title", "value": "x"}]});
    assert_eq!(parse(three, &small), Err("too_many_operations"));
}

#[test]
fn unknown_attributes_are_ignored_leniently_and_refused_strictly() {
    let v = entra(json!([
        {"op": "add", "path": "urn:ietf:params:scim:schemas:extension:acme:2.0:User:badge", "value": "x"},
        {"op": "replace", "value": {"nope": 1, "urn:acme:thing": 2}}
    ]));
    assert_eq!(v, {
        let mut b = base();
        b["active"] = json!(true);
        b
    });
    assert_eq!(code(strict(json!([{"op": "add", "path": "nope", "value": 1}]))), "invalid_path");
    assert_eq!(code(strict(json!([{"op": "replace", "value": {"nope": 1}}]))), "invalid_path");
}

#[test]
fn extension_object_values() {
    let v = entra(json!([{"op": "add", "path": EXT, "value": {"costCenter": "42", "manager": "m"}}]));
    assert_eq!(v[EXT], json!({"department": "Sales", "costCenter": "42", "manager": {"value": "m"}}));
    let v = entra(json!([{"op": "replace", "value": {EXT: {"department": "Retail"}}}]));
    assert_eq!(v[EXT], json!({"department": "Retail"}));
}

#[test]
fn sub_attribute_of_every_value() {
    let doc = json!({"userName": "a", "emails": [{"value": "a@x", "type": "work"}, {"value": "b@x"}]});
    let v = run_on(Profile::Entra, doc.clone(), json!([{"op": "replace", "path": "emails.type", "value": "other"}]))
        .unwrap();
    assert_eq!(v["emails"], json!([{"value": "a@x", "type": "other"}, {"value": "b@x", "type": "other"}]));
    let v = run_on(Profile::Entra, doc, json!([{"op": "remove", "path": "emails.type"}])).unwrap();
    assert_eq!(v["emails"], json!([{"value": "a@x"}, {"value": "b@x"}]));
    let v = run_on(
        Profile::Entra,
        json!({"userName": "a"}),
        json!([{"op": "add", "path": "emails.value", "value": "n@x"}]),
    )
    .unwrap();
    assert_eq!(v["emails"], json!([{"value": "n@x"}]));
}

#[test]
fn group_members_keep_an_identity() {
    use crate::schema::GROUP;
    let run = |profile: Profile, ops: Value| -> Result<Value, String> {
        let cfg = config(profile);
        let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops});
        let ops = parse_patch(&GROUP, &body, &cfg).map_err(|e| e.code().to_string())?;
        let doc = json!({"displayName": "G", "members": [{"value": "u1"}, {"value": "u2"}, {"value": "u3"}]});
        let mut working = Working::new(&GROUP, doc.as_object().unwrap(), None);
        apply(&ops, &mut working, &cfg).map_err(|e| e.code().to_string())?;
        working.finish().map(|(doc, _)| Value::Object(doc)).map_err(|e| e.code().to_string())
    };
    let members = |r: Result<Value, String>| r.unwrap()["members"].clone();
    // Microsoft's test collection adds a bare string; removing by the same shape removes only it.
    let bare =
        json!([{"op": "add", "path": "members", "value": "u4"}, {"op": "remove", "path": "members", "value": "u1"}]);
    assert_eq!(members(run(Profile::Entra, bare)), json!([{"value": "u2"}, {"value": "u3"}, {"value": "u4"}]));
    let strings = json!([{"op": "Remove", "path": "members", "value": ["u2", "u3"]}]);
    assert_eq!(members(run(Profile::Entra, strings)), json!([{"value": "u1"}]));
    // A member without a value names nothing, however it comes about.
    let valueless = json!([{"op": "add", "path": "members", "value": [{"display": "Ann"}]}]);
    assert_eq!(run(Profile::Entra, valueless.clone()).unwrap_err(), "invalid_value");
    assert_eq!(run(Profile::Strict, valueless).unwrap_err(), "invalid_value");
    let replaced = json!([{"op": "replace", "path": "members[value eq \"u1\"]", "value": {"display": "Ann"}}]);
    assert_eq!(run(Profile::Strict, replaced.clone()).unwrap_err(), "invalid_value", "RFC replace drops value");
    assert_eq!(members(run(Profile::Entra, replaced))[0], json!({"value": "u1", "display": "Ann"}));
    let renumber = json!([{"op": "replace", "path": "members.value", "value": "u9"}]);
    assert_eq!(members(run(Profile::Strict, renumber)), json!([{"value": "u9"}]), "one member per value");
}

#[test]
fn control_characters_in_naming_attributes_are_refused_after_every_operation() {
    for profile in [Profile::Entra, Profile::Strict] {
        for (path, value) in [("userName", "a\u{1b}b"), ("externalId", "x\u{0}"), ("displayName", "A\nB")] {
            let r = run_on(profile, base(), json!([{"op": "replace", "path": path, "value": value}]));
            assert_eq!(r.expect_err(path), "invalid_value", "{path}");
        }
        // A path-less add reaches the same check.
        let r = run_on(profile, base(), json!([{"op": "add", "value": {"displayName": "\u{7f}"}}]));
        assert_eq!(r.expect_err("path-less"), "invalid_value");
        let ok = run_on(
            profile,
            base(),
            json!([{"op": "add", "path": "addresses", "value": [{"formatted": "1 Main St\nSpringfield"}]}]),
        )
        .unwrap();
        assert_eq!(ok["addresses"][0]["formatted"], "1 Main St\nSpringfield");
    }
}
