use serde_json::{Value, json};
use time::OffsetDateTime;

use super::*;
use crate::directory::ListQuery;
use crate::error::ErrorCode;
use crate::login::{LoginDecision, Refusal};
use crate::model::{UserRecord, UserState};
use crate::query::SortSpec;
use crate::scim::filter::{FilterLimits, FilterOptions, parse_filter};

fn user(id: &str, name: &str, family: &str, state: UserState) -> Value {
    let doc = json!({"userName": name, "name": {"familyName": family}}).as_object().unwrap().clone();
    let record = UserRecord::new("ws", id, "Project Manager", state, OffsetDateTime::UNIX_EPOCH, doc);
    serde_json::to_value(record).unwrap()
}

fn query(filter: Option<&str>, sort: Option<&str>, start_index: usize, count: usize) -> ListQuery {
    ListQuery {
        filter: filter.map(|f| parse_filter(f, FilterLimits::default(), FilterOptions::default()).unwrap()),
        sort: sort.map(|s| SortSpec::parse(s, Some("descending")).unwrap()),
        start_index,
        count,
    }
}

#[test]
fn the_query_wire_form_carries_text_tree_hint_sort_and_page() {
    let wire = query_to_wire(&query(Some("userName eq \"A\" and name.familyName pr"), Some("name.familyName"), 3, 7));
    assert_eq!(wire["filter"], "userName eq \"A\" and name.familyName pr");
    assert_eq!(wire["filter_ast"]["op"], "and");
    assert_eq!(
        wire["filter_ast"]["filters"][0],
        json!({"op": "compare", "attr": "userName", "compare": "eq", "value": "A"})
    );
    assert_eq!(wire["index_hint"], json!({"attribute": "userName", "value": "A"}));
    assert_eq!(wire["sort"], json!({"attribute": "name.familyName", "descending": true}));
    assert_eq!((wire["start_index"].as_u64(), wire["count"].as_u64()), (Some(3), Some(7)));
    let bare = query_to_wire(&query(None, None, 1, 100));
    assert_eq!(
        (bare["filter"].clone(), bare["filter_ast"].clone(), bare["sort"].clone()),
        (Value::Null, Value::Null, Value::Null)
    );
}

#[test]
fn select_users_filters_sorts_pages_and_hides_deprovisioned_users() {
    let users = vec![
        user("1", "ann", "Able", UserState::Active),
        user("2", "bob", "Baker", UserState::Deprovisioned),
        user("3", "cid", "Cole", UserState::Archived),
        user("4", "dee", "Dunn", UserState::Active),
    ];
    let q = query_to_wire(&query(None, Some("name.familyName"), 1, 2));
    let page = select_users(KeyCase::Snake, q, users.clone()).unwrap();
    assert_eq!(page["total_results"], 3, "the deprovisioned user is not counted");
    let ids: Vec<&str> = page["users"].as_array().unwrap().iter().map(|u| u["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["4", "3"], "descending by family name, first page of two");

    let camel: Vec<Value> = users.into_iter().map(|u| KeyCase::Camel.to_host(u)).collect();
    let q = KeyCase::Camel.to_host(query_to_wire(&query(Some("active eq false"), None, 1, 10)));
    let page = select_users(KeyCase::Camel, q, camel).unwrap();
    assert_eq!(page["totalResults"], 1);
    assert_eq!(page["users"][0]["userName"], "cid");
}

#[test]
fn select_refuses_what_is_not_a_query_or_a_record() {
    let q = query_to_wire(&query(None, None, 1, 10));
    let e = select_users(KeyCase::Snake, q.clone(), vec![json!({"id": "x"})]).unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidArgument);
    assert!(e.message().starts_with("User 0:"), "{}", e.message());
    let e = select_users(KeyCase::Snake, json!({"filter": "userName eq"}), vec![]).unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidArgument);
    let e = select_users(KeyCase::Snake, json!({"filter": "nosuch eq 1", "count": 1}), vec![]).unwrap_err();
    assert!(e.message().contains("filter"), "{}", e.message());
    let e = select_groups(KeyCase::Snake, json!({"sort": {"attribute": "userName"}, "count": 1}), vec![]).unwrap_err();
    assert!(e.message().contains("sort"), "{}", e.message());
}

#[test]
fn decisions_and_instants_have_one_json_form() {
    let refused = LoginDecision::Refused(Refusal { code: ErrorCode::UserArchived, message: "no".into() });
    assert_eq!(json::decision(&refused), json!({"decision": "refused", "code": "user_archived", "message": "no"}));
    let allowed =
        LoginDecision::Allowed(Box::new(serde_json::from_value(user("1", "ann", "A", UserState::Active)).unwrap()));
    assert_eq!(json::decision(&allowed)["user"]["user_name"], "ann");
    let t = json::parse_instant("2026-03-04T13:00:05+01:00").unwrap();
    assert_eq!(json::instant(t), json!("2026-03-04T12:00:05Z"));
    assert_eq!(json::parse_instant("2026-03-04 12:00").unwrap_err().code(), ErrorCode::InvalidArgument);
}

#[test]
fn certificate_facts_name_the_key() {
    let read = |name: &str| {
        let path = format!("{}/tests/data/saml/{name}-cert.pem", env!("CARGO_MANIFEST_DIR"));
        crate::saml::Certificate::parse_all(&std::fs::read_to_string(path).unwrap()).unwrap().remove(0)
    };
    let rsa = json::certificate(&read("idp-rsa3072"));
    assert_eq!((&rsa["key_type"], &rsa["key_bits"]), (&json!("rsa"), &json!(3072)));
    let ec = json::certificate(&read("idp-ec521"));
    assert_eq!((&ec["key_type"], &ec["key_bits"]), (&json!("ec"), &json!(521)));
    assert_eq!(KeyCase::Camel.to_host(ec)["keyBits"], 521);
}

#[test]
fn settings_objects_are_read_in_either_case_and_checked() {
    let s = json::saml_settings(
        KeyCase::Camel,
        json!({"spEntityId": "sp", "acsUrl": "https://sp/acs", "idpCertificates": [], "clock_skew_seconds": 5}),
    )
    .unwrap();
    assert_eq!((s.sp_entity_id.as_str(), s.clock_skew_seconds), ("sp", 5));
    let lowered = json!({"spEntityId": "sp", "acsUrl": "https://sp/acs", "minRsaKeyBits": 1024});
    assert_eq!(json::saml_settings(KeyCase::Camel, lowered).unwrap().min_rsa_key_bits, 1024);
    let e = json::saml_settings(KeyCase::Snake, json!({"sp_entity_id": "sp", "acs_url": "a", "bogus": 1})).unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidSettings);
    assert_eq!(json::saml_settings(KeyCase::Snake, json!("x")).unwrap_err().code(), ErrorCode::InvalidSettings);
    let c = json::scim_config(
        KeyCase::Camel,
        json!({"baseUrl": "https://x/scim/v2", "limits": {"maxResults": 5, "defaultPageSize": 5}}),
    )
    .unwrap();
    assert_eq!(c.limits.max_results, 5);
    assert_eq!(json::scim_config(KeyCase::Camel, Value::Null).unwrap(), crate::scim::ScimConfig::default());
    let e = json::scim_config(KeyCase::Snake, json!({"limits": {"max_results": 0}})).unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidSettings);
}

#[test]
fn panic_messages_name_the_panic() {
    assert!(panic_message(&"boom").ends_with(": boom"));
    assert!(panic_message(&String::from("owned")).ends_with(": owned"));
    assert!(panic_message(&42u8).ends_with(": unknown cause"));
}

/// A host whose `query_users` lists `rows` records, each a value that would fail to convert.
struct Sloppy {
    rows: usize,
}

impl HostStore for Sloppy {
    fn call(&self, _: StoreMethod, _: Vec<Value>) -> impl Future<Output = Result<Value, crate::StoreError>> + Send {
        let users: Vec<Value> = (0..self.rows).map(|_| json!("not a user")).collect();
        std::future::ready(Ok(json!({"total_results": self.rows, "users": users})))
    }
}

#[test]
fn a_host_listing_more_rows_than_count_is_refused_before_any_row_is_read() {
    use crate::Directory as _;
    assert_eq!(StoreMethod::QueryUsers.row_limit(&[json!("ws"), json!({"count": 5})]), Some(5));
    assert_eq!(StoreMethod::GetUser.row_limit(&[json!("ws"), json!("id")]), None);
    let store = ForeignDirectory::new(Sloppy { rows: 100_000 }, KeyCase::Snake);
    let e = crate::executor::now_or_never(store.query_users("ws", &query(None, None, 1, 5))).unwrap().unwrap_err();
    assert_eq!(e.kind(), crate::StoreErrorKind::ContractViolated);
    assert!(e.message().contains("100000 records for a count of 5"), "refused on the length alone: {}", e.message());
    // Within the count, the same rows are read — and refused for what they are.
    let store = ForeignDirectory::new(Sloppy { rows: 5 }, KeyCase::Snake);
    let e = crate::executor::now_or_never(store.query_users("ws", &query(None, None, 1, 5))).unwrap().unwrap_err();
    assert!(e.message().contains("not what it must answer"), "{}", e.message());
}

/// A request over a `Relay` store making two calls one after the other, counting its polls.
fn two_calls(polls: &std::sync::Arc<std::sync::atomic::AtomicUsize>) -> impl Future<Output = (bool, bool)> + Send {
    use crate::Directory as _;
    let polls = std::sync::Arc::clone(polls);
    let mut request = Box::pin(async {
        let dir = ForeignDirectory::new(Relay, KeyCase::Snake);
        let user = dir.get_user("ws", "u1").await.unwrap();
        let fresh = dir.remember_assertion("ws", "a1", OffsetDateTime::UNIX_EPOCH).await.unwrap();
        (user.is_none(), fresh)
    });
    std::future::poll_fn(move |cx| {
        polls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        request.as_mut().poll(cx)
    })
}

fn answer_at_once(call: &PendingCall) -> Result<Value, crate::StoreError> {
    Ok(match call.method {
        StoreMethod::GetUser => Value::Null,
        _ => Value::Bool(true),
    })
}

#[test]
fn a_request_whose_store_answers_at_once_is_done_inside_one_drive() {
    let polls = std::sync::Arc::default();
    let driven = Driven::new(two_calls(&polls));
    let mut seen = Vec::new();
    let progress = driven.drive(&mut |call: PendingCall| {
        seen.push((call.id, call.method));
        Performed::Answered(answer_at_once(&call))
    });
    assert!(matches!(progress, Progress::Done((true, true))), "{progress:?}");
    assert_eq!(seen, [(0, StoreMethod::GetUser), (1, StoreMethod::RememberAssertion)], "each call once, in order");
    assert_eq!(polls.load(std::sync::atomic::Ordering::Relaxed), 3, "one poll per answer, no more");
    assert!(driven.is_done());
    assert!(matches!(driven.drive(&mut |_| panic!("no call after the end")), Progress::Pending));
}

#[test]
fn an_awaited_call_leaves_the_request_pending_until_answered() {
    let polls = std::sync::Arc::default();
    let driven = Driven::new(two_calls(&polls));
    let awaited = std::cell::RefCell::new(Vec::new());
    let host = || {
        |call: PendingCall| {
            awaited.borrow_mut().push(call);
            Performed::Awaited
        }
    };
    assert!(matches!(driven.drive(&mut host()), Progress::Pending));
    assert_eq!(polls.load(std::sync::atomic::Ordering::Relaxed), 1, "not polled again only to find it waiting");
    // Driven again before the answer: still pending, the call not handed out a second time.
    assert!(matches!(driven.drive(&mut host()), Progress::Pending));
    let first = awaited.borrow_mut().pop().unwrap();
    assert!(awaited.borrow().is_empty());
    driven.answer(first.id, answer_at_once(&first));
    driven.answer(first.id, Err(crate::StoreError::new(crate::StoreErrorKind::Failed, "again"))); // ignored
    assert!(matches!(driven.drive(&mut host()), Progress::Pending));
    let second = awaited.borrow_mut().pop().unwrap();
    assert_eq!(second.method, StoreMethod::RememberAssertion);
    driven.answer(second.id, answer_at_once(&second));
    assert!(matches!(driven.drive(&mut host()), Progress::Done((true, true))));
}

#[test]
fn a_request_waiting_on_no_call_is_stalled_with_the_one_message() {
    let driven = Driven::new(std::future::pending::<()>());
    let Progress::Stalled(stalled) = driven.drive(&mut |_| panic!("no call is made")) else { panic!("stalled") };
    assert_eq!(
        stalled.to_string(),
        "internal error (a bug in sso-scim, please report it): the request stopped without an answer"
    );
    assert!(!driven.is_done(), "stalled is not finished");
}

#[test]
fn a_call_answered_and_driven_on_from_inside_the_store_call_finishes_there() {
    // A thenable that settles at once calls back while the host is still performing the
    // call: the nested drive runs the request to its end, and the outer one then has nothing
    // left to do.
    let polls = std::sync::Arc::default();
    let driven = Driven::new(two_calls(&polls));
    let mut output = None;
    let mut depth = 0;
    let progress = driven.drive(&mut |call: PendingCall| {
        if call.method == StoreMethod::GetUser {
            depth += 1;
            driven.answer(call.id, answer_at_once(&call));
            let inner = driven.drive(&mut |call: PendingCall| Performed::Answered(answer_at_once(&call)));
            output = Some(inner);
        }
        Performed::Awaited
    });
    assert!(matches!(progress, Progress::Pending), "{progress:?}");
    assert!(matches!(output, Some(Progress::Done((true, true)))), "{output:?}");
    assert_eq!(depth, 1);
    assert!(driven.is_done());
}

/// A host counting the resumes it is asked to run, answering every call at once.
#[derive(Default)]
struct Counting {
    resumes: usize,
}

impl<T> Perform<T> for Counting {
    fn perform(&mut self, call: PendingCall) -> Performed {
        Performed::Answered(answer_at_once(&call))
    }

    fn resuming(&mut self, resume: impl FnOnce() -> Step<T> + Send) -> Step<T> {
        self.resumes += 1;
        resume()
    }
}

#[test]
fn every_resume_runs_through_the_hosts_hook() {
    let polls = std::sync::Arc::default();
    let mut host = Counting::default();
    assert!(matches!(Driven::new(two_calls(&polls)).drive(&mut host), Progress::Done(_)));
    assert_eq!(host.resumes, 3, "two calls and the end: a host can release its lock around each");
}
