//! Listing and searching: `GET /Users?filter=…`, `GET /Groups`, their `.search`, and the
//! root `POST /.search` across resource types.

use serde_json::Value;

use super::{ScimHandler, respond};
use crate::directory::{Directory, GroupPage, ListQuery, UserPage};
use crate::error::ErrorCode;
use crate::model::Workspace;
use crate::query::SortSpec;
use crate::schema::{GROUP, ResourceType, USER};
use crate::schema::{LIST_RESPONSE_URN, SEARCH_REQUEST_URN};
use crate::scim::config::ScimConfig;
use crate::scim::error::{ScimError, invalid_syntax, invalid_value};
use crate::scim::filter::parse_filter_in;
use crate::scim::http::ScimResponse;
use crate::scim::resource::{Projection, Rendered};

/// The query parameters of a list or search, before they are checked.
#[derive(Debug, Default, Clone, PartialEq)]
pub(super) struct ListParams {
    filter: Option<String>,
    start_index: Option<i64>,
    count: Option<i64>,
    sort_by: Option<String>,
    sort_order: Option<String>,
    attributes: Vec<String>,
    excluded: Vec<String>,
}

const NAMES: [&str; 7] = ["filter", "startIndex", "count", "sortBy", "sortOrder", "attributes", "excludedAttributes"];

fn integer(name: &str, text: &str) -> Result<i64, ScimError> {
    text.trim().parse::<i64>().map_err(|_| invalid_value(format!("{name} must be an integer, not \"{text}\"")))
}

impl ListParams {
    /// From a URL query string. Names match case-insensitively; unknown parameters (such as
    /// Entra's `aadOptscim062020` flag) are ignored; a parameter given twice is refused.
    pub fn from_query(query: &str) -> Result<ListParams, ScimError> {
        let mut p = ListParams::default();
        let mut seen = [false; NAMES.len()];
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            let Some(i) = NAMES.iter().position(|n| n.eq_ignore_ascii_case(&key)) else { continue };
            if std::mem::replace(&mut seen[i], true) {
                return Err(invalid_value(format!("the query parameter {} is given twice", NAMES[i])));
            }
            let value = value.into_owned();
            match i {
                0 => p.filter = Some(value),
                1 => p.start_index = Some(integer("startIndex", &value)?),
                2 => p.count = Some(integer("count", &value)?),
                3 => p.sort_by = Some(value),
                4 => p.sort_order = Some(value),
                5 => p.attributes = vec![value],
                _ => p.excluded = vec![value],
            }
        }
        Ok(p)
    }

    /// From a SearchRequest body (RFC 7644 §3.4.3).
    pub fn from_search(body: &Value, lenient: bool) -> Result<ListParams, ScimError> {
        let Value::Object(body) = body else { return Err(invalid_syntax("a SearchRequest is a JSON object")) };
        if !lenient {
            let listed = body
                .get("schemas")
                .and_then(Value::as_array)
                .is_some_and(|s| s.iter().any(|u| u.as_str() == Some(SEARCH_REQUEST_URN)));
            if !listed {
                return Err(invalid_value(format!("\"schemas\" must list \"{SEARCH_REQUEST_URN}\"")));
            }
        }
        let get = |name: &str| -> Option<&Value> {
            body.get(name).or_else(|| {
                if lenient { body.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v) } else { None }
            })
        };
        let text = |name: &str| -> Result<Option<String>, ScimError> {
            match get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(invalid_value(format!("\"{name}\" must be a string"))),
            }
        };
        let number = |name: &str| -> Result<Option<i64>, ScimError> {
            match get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Number(n)) => {
                    n.as_i64().map(Some).ok_or_else(|| invalid_value(format!("\"{name}\" must be an integer")))
                }
                Some(Value::String(s)) if lenient => integer(name, s).map(Some),
                Some(_) => Err(invalid_value(format!("\"{name}\" must be an integer"))),
            }
        };
        let names = |name: &str| -> Result<Vec<String>, ScimError> {
            match get(name) {
                None | Some(Value::Null) => Ok(Vec::new()),
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|v| {
                        v.as_str().map(str::to_owned).ok_or_else(|| invalid_value(format!("\"{name}\" lists strings")))
                    })
                    .collect(),
                Some(Value::String(s)) if lenient => Ok(vec![s.clone()]),
                Some(_) => Err(invalid_value(format!("\"{name}\" must be an array of strings"))),
            }
        };
        Ok(ListParams {
            filter: text("filter")?,
            start_index: number("startIndex")?,
            count: number("count")?,
            sort_by: text("sortBy")?,
            sort_order: text("sortOrder")?,
            attributes: names("attributes")?,
            excluded: names("excludedAttributes")?,
        })
    }

    /// The checked projection for resources of type `rt`.
    pub fn projection(&self, rt: &'static ResourceType, config: &ScimConfig) -> Result<Projection, ScimError> {
        let inc: Vec<&str> = self.attributes.iter().map(String::as_str).collect();
        let exc: Vec<&str> = self.excluded.iter().map(String::as_str).collect();
        Projection::parse(rt, &inc, &exc, config.profile.lenient(), config.limits.max_attribute_paths)
    }

    /// Whether the client named attributes to return or exclude.
    pub fn has_projection(&self) -> bool {
        !self.attributes.is_empty() || !self.excluded.is_empty()
    }
}

/// A page is at most `count` records, each listed once: anything else is a store bug the
/// client must not see (a resource twice, or a page the size limits never allowed).
fn check_rows<'a>(ids: impl ExactSizeIterator<Item = &'a str>, count: usize) -> Result<(), ScimError> {
    if ids.len() > count {
        return Err(ScimError::contract_violated(&format!(
            "the directory store listed {} records for a count of {count}",
            ids.len()
        )));
    }
    let mut seen = std::collections::HashSet::with_capacity(ids.len());
    for id in ids {
        if !seen.insert(id) {
            return Err(ScimError::contract_violated(&format!("the directory store listed id \"{id}\" twice")));
        }
    }
    Ok(())
}

/// The `Resources` of one ListResponse (RFC 7644 §3.4.2), serialised one resource at a time
/// within a byte budget (`limits.max_page_bytes`), so a page never holds more than the budget
/// plus one resource of rendered JSON, however many resources the store handed back.
struct Page {
    /// The serialised resources, comma-separated: the inside of the `Resources` array.
    bytes: Vec<u8>,
    /// How many resources `bytes` holds (`itemsPerPage`).
    items: usize,
    budget: usize,
    /// Set once a resource did not fit: every later one is left out too, so the page is a
    /// prefix of the results and the client's next `startIndex` resumes exactly there.
    full: bool,
}

impl Page {
    fn new(budget: usize) -> Self {
        Page { bytes: Vec::new(), items: 0, budget, full: false }
    }

    /// Add resources in order until one would take the page past the budget. They are
    /// rendered lazily (a projection builds a map), so none is rendered past that point.
    fn extend<'a>(&mut self, resources: impl Iterator<Item = Rendered<'a>>) {
        for resource in resources {
            if !self.push(&resource) {
                break;
            }
        }
    }

    /// Add `resource` unless it would take the page past the budget; the first resource is
    /// always added, so that a resource larger than the budget can still be read by listing.
    /// Whether it was added.
    fn push(&mut self, resource: &Rendered<'_>) -> bool {
        if self.full {
            return false;
        }
        let before = self.bytes.len();
        if self.items > 0 {
            self.bytes.push(b',');
        }
        // A resource always serialises into a Vec; if it ever did not, the page ends here.
        let written = serde_json::to_writer(&mut self.bytes, resource).is_ok();
        if !written || (self.items > 0 && self.bytes.len() > self.budget) {
            self.bytes.truncate(before);
            self.full = true;
            return false;
        }
        self.items += 1;
        true
    }

    /// The ListResponse: the envelope written around the resource bytes in their own buffer
    /// (the resources are moved up once to make room for the head), so that the page is
    /// never held twice. The counts are JSON integers; the keys keep their earlier order.
    fn finish(self, total: usize, start_index: usize) -> Vec<u8> {
        let Page { mut bytes, items, .. } = self;
        let head = format!(
            r#"{{"schemas":["{LIST_RESPONSE_URN}"],"totalResults":{},"startIndex":{start_index},"itemsPerPage":{items},"Resources":["#,
            total.max(items)
        );
        let body = bytes.len();
        bytes.reserve_exact(head.len() + 2);
        bytes.resize(head.len() + body, 0);
        bytes.copy_within(0..body, head.len());
        bytes[..head.len()].copy_from_slice(head.as_bytes());
        bytes.extend_from_slice(b"]}");
        bytes
    }
}

/// The checked form of a list request for one resource type.
struct Plan {
    query: ListQuery,
    projection: Projection,
}

/// The 1-based start index and page size of a request (RFC 7644 §3.4.2.4: startIndex below 1
/// means 1; a negative count means 0; the count is capped by the configured maximum).
fn window(params: &ListParams, config: &ScimConfig) -> (usize, usize) {
    let limits = &config.limits;
    let start_index = usize::try_from(params.start_index.unwrap_or(1).max(1)).unwrap_or(usize::MAX);
    let count = match params.count {
        None => limits.default_page_size,
        Some(c) => usize::try_from(c.max(0)).unwrap_or(usize::MAX).min(limits.max_results),
    };
    (start_index, count)
}

impl<D: Directory> ScimHandler<D> {
    /// Parse filter, sort and projection against `rt`'s schema.
    fn plan(&self, rt: &'static ResourceType, params: &ListParams, window: (usize, usize)) -> Result<Plan, ScimError> {
        let filter = params
            .filter
            .as_deref()
            .map(|f| parse_filter_in(rt, f, self.config.filter_limits(), self.config.filter_options()))
            .transpose()
            .map_err(|e| ScimError::new(ErrorCode::InvalidFilter, e.to_string()))?;
        let sort = params
            .sort_by
            .as_deref()
            .map(|by| SortSpec::parse_in(rt, by, params.sort_order.as_deref()))
            .transpose()
            .map_err(|e| invalid_value(format!("sortBy/sortOrder: {e}")))?;
        let projection = params.projection(rt, &self.config)?;
        Ok(Plan { query: ListQuery { filter, sort, start_index: window.0, count: window.1 }, projection })
    }

    /// One page of users, checked against the store contract.
    async fn user_page(&self, ws: &Workspace, query: &ListQuery) -> Result<UserPage, ScimError> {
        let page = self.directory.query_users(&ws.id, query).await.map_err(ScimError::store)?;
        check_rows(page.users.iter().map(|u| u.id.as_str()), query.count)?;
        for user in &page.users {
            self.owns(ws, &user.workspace_id)?;
            if !user.state.visible_to_scim() {
                return Err(ScimError::contract_violated(
                    "the directory store listed a deprovisioned user; the answer was discarded",
                ));
            }
        }
        Ok(page)
    }

    /// One page of groups, checked against the store contract.
    async fn group_page(&self, ws: &Workspace, query: &ListQuery) -> Result<GroupPage, ScimError> {
        let page = self.directory.query_groups(&ws.id, query).await.map_err(ScimError::store)?;
        check_rows(page.groups.iter().map(|g| g.id.as_str()), query.count)?;
        for group in &page.groups {
            self.owns(ws, &group.workspace_id)?;
        }
        Ok(page)
    }

    /// `GET /Users`, `GET /Groups` and their `.search`.
    pub(super) async fn list(
        &self,
        rt: &'static ResourceType,
        ws: &Workspace,
        params: ListParams,
    ) -> Result<ScimResponse, ScimError> {
        let window = window(&params, &self.config);
        let plan = self.plan(rt, &params, window)?;
        let base = self.config.base();
        let mut out = Page::new(self.config.limits.max_page_bytes);
        let total = if std::ptr::eq(rt, &USER) {
            let page = self.user_page(ws, &plan.query).await?;
            out.extend(page.users.iter().map(|u| Rendered::new(u, base, &plan.projection)));
            page.total_results
        } else {
            let page = self.group_page(ws, &plan.query).await?;
            out.extend(page.groups.iter().map(|g| Rendered::new(g, base, &plan.projection)));
            page.total_results
        };
        Ok(respond::serialized(200, out.finish(total, window.0), Vec::new()))
    }

    /// `POST /.search` (RFC 7644 §3.4.3): every resource type at once. The filter, sort and
    /// projection are checked against each type; a type they do not apply to (a filter on
    /// `userName` names no Group attribute) contributes nothing, and when they apply to no type
    /// the first type's error is the answer. Results list Users, then Groups (each type sorted
    /// by `sortBy` when given); paging runs over that concatenation.
    pub(super) async fn search_all(&self, ws: &Workspace, params: ListParams) -> Result<ScimResponse, ScimError> {
        let (start_index, count) = window(&params, &self.config);
        let users = self.plan(&USER, &params, (start_index, count));
        let groups = if self.config.groups { Some(self.plan(&GROUP, &params, (1, 0))) } else { None };
        let users = match (users, &groups) {
            (Err(e), None | Some(Err(_))) => return Err(e),
            (users, _) => users.ok(),
        };
        let user_page = match &users {
            Some(plan) => Some(self.user_page(ws, &plan.query).await?),
            None => None,
        };
        let (user_total, user_count) = user_page.as_ref().map_or((0, 0), |p| (p.total_results, p.users.len()));
        let base = self.config.base();
        // One budget over the concatenation: once a user does not fit, no group follows it —
        // and no group is loaded for nothing (a count of 0 still gives their total).
        let mut out = Page::new(self.config.limits.max_page_bytes);
        if let (Some(page), Some(plan)) = (&user_page, &users) {
            out.extend(page.users.iter().map(|u| Rendered::new(u, base, &plan.projection)));
        }
        let mut group_plan = groups.and_then(Result::ok);
        let group_page = match &mut group_plan {
            Some(plan) => {
                // Groups follow the users: skip what the window leaves of them past the users.
                plan.query.start_index = start_index.saturating_sub(user_total).max(1);
                plan.query.count = if out.full { 0 } else { count - user_count };
                Some(self.group_page(ws, &plan.query).await?)
            }
            None => None,
        };
        if let (Some(page), Some(plan)) = (&group_page, &group_plan) {
            out.extend(page.groups.iter().map(|g| Rendered::new(g, base, &plan.projection)));
        }
        let total = user_total + group_page.as_ref().map_or(0, |p| p.total_results);
        Ok(respond::serialized(200, out.finish(total, start_index), Vec::new()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn query_parameters_parse() {
        let p = ListParams::from_query(
            "aadOptscim062020&FILTER=userName+eq+%22a%40b.c%22&startIndex=2&Count=-3&attributes=userName,emails",
        )
        .unwrap();
        assert_eq!(p.filter.as_deref(), Some(r#"userName eq "a@b.c""#));
        assert_eq!((p.start_index, p.count), (Some(2), Some(-3)));
        assert_eq!(p.attributes, ["userName,emails"]);
        assert!(ListParams::from_query("count=ten").is_err());
        assert!(ListParams::from_query("filter=a&filter=b").is_err());
    }

    #[test]
    fn search_bodies_parse() {
        let body =
            json!({"schemas": [SEARCH_REQUEST_URN], "filter": "title pr", "count": 5, "attributes": ["userName"]});
        let p = ListParams::from_search(&body, false).unwrap();
        assert_eq!((p.filter.as_deref(), p.count), (Some("title pr"), Some(5)));
        assert!(ListParams::from_search(&json!({"filter": "title pr"}), false).is_err());
        assert!(ListParams::from_search(&json!({"count": "x"}), true).is_err());
        assert!(ListParams::from_search(&json!({"attributes": [1]}), true).is_err());
        assert!(ListParams::from_search(&json!("x"), true).is_err());
    }

    /// A resource whose compact JSON is `9 + n` bytes: `{"id":"xx…"}`.
    fn resource(n: usize) -> Rendered<'static> {
        let Value::Object(map) = json!({ "id": "x".repeat(n) }) else { unreachable!() };
        Rendered::Projected(map)
    }

    fn page(budget: usize, sizes: &[usize], total: usize, start_index: usize) -> Value {
        let mut page = Page::new(budget);
        page.extend(sizes.iter().map(|&n| resource(n)));
        serde_json::from_slice(&page.finish(total, start_index)).expect("a ListResponse is JSON")
    }

    #[test]
    fn the_page_budget_cuts_before_the_resource_that_passes_it() {
        // Three 20-byte resources: two with their comma take 41 bytes, three take 62.
        for (budget, items) in [(62, 3), (61, 2), (41, 2), (40, 1), (20, 1)] {
            let body = page(budget, &[11, 11, 11], 7, 3);
            assert_eq!(body["itemsPerPage"], items, "budget {budget}");
            assert_eq!(body["Resources"].as_array().map(Vec::len), Some(items), "budget {budget}");
            assert_eq!((body["totalResults"].as_u64(), body["startIndex"].as_u64()), (Some(7), Some(3)));
        }
    }

    #[test]
    fn a_page_holds_at_least_one_resource_and_stays_a_prefix() {
        let body = page(1, &[100, 1], 2, 1);
        assert_eq!(body["itemsPerPage"], 1, "the first resource is returned however large");
        assert_eq!(body["Resources"][0]["id"].as_str().map(str::len), Some(100));
        // A small resource after one that did not fit is left out too: the next page starts
        // at startIndex + itemsPerPage, so the page must not skip any result.
        let body = page(40, &[11, 40, 1], 3, 1);
        assert_eq!(body["itemsPerPage"], 1);
    }

    #[test]
    fn the_envelope_is_the_list_response() {
        let mut p = Page::new(1 << 20);
        p.extend([resource(1), resource(2)].into_iter());
        let text = String::from_utf8(p.finish(5, 2)).unwrap();
        assert_eq!(
            text,
            format!(
                r#"{{"schemas":["{LIST_RESPONSE_URN}"],"totalResults":5,"startIndex":2,"itemsPerPage":2,"Resources":[{{"id":"x"}},{{"id":"xx"}}]}}"#
            )
        );
        let empty = page(10, &[], 0, 1);
        assert_eq!(empty["Resources"], json!([]));
        assert_eq!((empty["itemsPerPage"].as_u64(), empty["totalResults"].as_u64()), (Some(0), Some(0)));
        assert_eq!(page(10, &[1], 0, 1)["totalResults"], 1, "totalResults is never below itemsPerPage");
    }
}
