//! Listing and searching: `GET /Users?filter=…`, `GET /Groups`, their `.search`, and the
//! root `POST /.search` across resource types.

use serde::Serialize;
use serde_json::Value;

use super::{ScimHandler, respond};
use crate::directory::{Directory, GroupPage, ListQuery, UserPage};
use crate::error::ErrorCode;
use crate::model::Workspace;
use crate::scim::config::ScimConfig;
use crate::scim::error::{ScimError, invalid_syntax, invalid_value};
use crate::scim::filter::{SortSpec, parse_filter_in};
use crate::scim::http::ScimResponse;
use crate::scim::resource::{Projection, Rendered};
use crate::scim::schema::{GROUP, ResourceType, USER};
use crate::scim::schema::{LIST_RESPONSE_URN, SEARCH_REQUEST_URN};

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

/// RFC 7644 §3.4.2 ListResponse; the counts are JSON integers.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ListResponse<'a> {
    schemas: [&'static str; 1],
    total_results: usize,
    start_index: usize,
    items_per_page: usize,
    #[serde(rename = "Resources")]
    resources: Vec<Rendered<'a>>,
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
        let mut page = self.directory.query_users(&ws.id, query).await.map_err(ScimError::store)?;
        page.users.truncate(query.count);
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
        let mut page = self.directory.query_groups(&ws.id, query).await.map_err(ScimError::store)?;
        page.groups.truncate(query.count);
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
        let bytes = if std::ptr::eq(rt, &USER) {
            let page = self.user_page(ws, &plan.query).await?;
            let resources = page.users.iter().map(|u| Rendered::new(u, base, &plan.projection)).collect();
            list_response(page.total_results, window.0, resources)
        } else {
            let page = self.group_page(ws, &plan.query).await?;
            let resources = page.groups.iter().map(|g| Rendered::new(g, base, &plan.projection)).collect();
            list_response(page.total_results, window.0, resources)
        };
        Ok(respond::serialized(200, bytes, Vec::new()))
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
        let mut group_plan = groups.and_then(Result::ok);
        let group_page = match &mut group_plan {
            Some(plan) => {
                // Groups follow the users: skip what the window leaves of them past the users.
                plan.query.start_index = start_index.saturating_sub(user_total).max(1);
                plan.query.count = count - user_count;
                Some(self.group_page(ws, &plan.query).await?)
            }
            None => None,
        };
        let base = self.config.base();
        let mut resources = Vec::new();
        if let (Some(page), Some(plan)) = (&user_page, &users) {
            resources.extend(page.users.iter().map(|u| Rendered::new(u, base, &plan.projection)));
        }
        if let (Some(page), Some(plan)) = (&group_page, &group_plan) {
            resources.extend(page.groups.iter().map(|g| Rendered::new(g, base, &plan.projection)));
        }
        let total = user_total + group_page.as_ref().map_or(0, |p| p.total_results);
        Ok(respond::serialized(200, list_response(total, start_index, resources), Vec::new()))
    }
}

fn list_response(total: usize, start_index: usize, resources: Vec<Rendered<'_>>) -> Vec<u8> {
    let body = ListResponse {
        schemas: [LIST_RESPONSE_URN],
        total_results: total.max(resources.len()),
        start_index,
        items_per_page: resources.len(),
        resources,
    };
    serde_json::to_vec(&body).expect("a JSON document always serialises")
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
}
