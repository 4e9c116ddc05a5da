//! A host store written the way a C, Python or Node host writes one: it sees only the JSON wire
//! form ([`sso_scim_core::bridge`]), keeps records as JSON values, and answers queries with
//! `select_users` / `select_groups`. The vectors run through it in both key cases, so the wire
//! protocol every binding relies on is pinned here once.
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::Mutex;

use serde_json::{Value, json};
use sso_scim_core::bridge::{ForeignDirectory, HostStore, KeyCase, StoreMethod, select_groups, select_users};
use sso_scim_core::token::TokenHash;
use sso_scim_core::{StoreError, StoreErrorKind, Workspace, display_name_key, user_name_key};

#[derive(Default)]
struct Records {
    users: Vec<Value>,
    groups: Vec<Value>,
    assertions: HashMap<(String, String), String>,
}

/// The JSON-level host store; `CAMEL` picks its key case.
pub struct JsonHost<const CAMEL: bool> {
    case: KeyCase,
    /// token hash (hex) → workspace object, as the host would keep them.
    tokens: HashMap<String, Value>,
    records: Mutex<Records>,
    /// Calls seen, by method, for tests that count round trips.
    pub calls: Mutex<Vec<StoreMethod>>,
}

fn fail(kind: StoreErrorKind, message: &str) -> StoreError {
    StoreError::new(kind, message)
}

impl<const CAMEL: bool> JsonHost<CAMEL> {
    pub fn new(workspaces: &[(Workspace, Vec<TokenHash>)]) -> Self {
        let case = if CAMEL { KeyCase::Camel } else { KeyCase::Snake };
        let mut tokens = HashMap::new();
        for (ws, hashes) in workspaces {
            let ws = case.to_host(serde_json::to_value(ws).unwrap());
            for h in hashes {
                tokens.insert(h.to_hex(), ws.clone());
            }
        }
        JsonHost { case, tokens, records: Mutex::default(), calls: Mutex::default() }
    }

    fn k(&self, snake: &str) -> String {
        self.case.key(snake)
    }

    fn field<'a>(&self, record: &'a Value, snake: &str) -> &'a Value {
        &record[self.k(snake).as_str()]
    }

    fn text(&self, record: &Value, snake: &str) -> String {
        self.field(record, snake).as_str().unwrap_or_default().to_owned()
    }

    fn same(&self, a: &Value, ws: &str, id: &str) -> bool {
        self.text(a, "workspace_id") == ws && self.text(a, "id") == id
    }

    pub fn answer(&self, method: StoreMethod, args: Vec<Value>) -> Result<Value, StoreError> {
        self.calls.lock().unwrap().push(method);
        assert_eq!(args.len(), method.arity(), "{method:?} arity");
        let s = |i: usize| args[i].as_str().unwrap_or_default().to_owned();
        let mut r = self.records.lock().unwrap();
        Ok(match method {
            StoreMethod::WorkspaceForToken => match self.tokens.get(&s(0)) {
                Some(ws) => json!({ "workspace": ws, self.k("token_hash"): s(0) }),
                None => Value::Null,
            },
            StoreMethod::GetUser => r.users.iter().find(|u| self.same(u, &s(0), &s(1))).cloned().unwrap_or(Value::Null),
            StoreMethod::FindByUserName => r
                .users
                .iter()
                .find(|u| self.text(u, "workspace_id") == s(0) && user_name_key(&self.text(u, "user_name")) == s(1))
                .cloned()
                .unwrap_or(Value::Null),
            StoreMethod::QueryUsers => {
                let mine = r.users.iter().filter(|u| self.text(u, "workspace_id") == s(0)).cloned().collect();
                select_users(self.case, args[1].clone(), mine).map_err(|e| fail(StoreErrorKind::Failed, e.message()))?
            }
            StoreMethod::InsertUser => {
                let user = &args[0];
                let (ws, key) = (self.text(user, "workspace_id"), user_name_key(&self.text(user, "user_name")));
                let taken = r.users.iter().any(|u| {
                    self.text(u, "workspace_id") == ws
                        && (user_name_key(&self.text(u, "user_name")) == key
                            || self.text(u, "id") == self.text(user, "id"))
                });
                if taken {
                    return Err(fail(StoreErrorKind::from_host_code("conflict"), "userName taken"));
                }
                r.users.push(user.clone());
                Value::Null
            }
            StoreMethod::UpdateUser => {
                let user = &args[0];
                let (ws, id) = (self.text(user, "workspace_id"), self.text(user, "id"));
                let key = user_name_key(&self.text(user, "user_name"));
                let Some(at) = r.users.iter().position(|u| self.same(u, &ws, &id)) else {
                    return Err(fail(StoreErrorKind::from_host_code("not_found"), "no such user"));
                };
                if self.field(&r.users[at], "version") != &args[1] {
                    return Err(fail(StoreErrorKind::from_host_code("version_mismatch"), "changed"));
                }
                let clash = r.users.iter().enumerate().any(|(i, u)| {
                    i != at && self.text(u, "workspace_id") == ws && user_name_key(&self.text(u, "user_name")) == key
                });
                if clash {
                    return Err(fail(StoreErrorKind::from_host_code("conflict"), "userName taken"));
                }
                r.users[at] = user.clone();
                user.clone()
            }
            StoreMethod::RememberAssertion => Value::Bool(r.assertions.insert((s(0), s(1)), s(2)).is_none()),
            StoreMethod::GetGroup => {
                r.groups.iter().find(|g| self.same(g, &s(0), &s(1))).cloned().unwrap_or(Value::Null)
            }
            StoreMethod::FindGroupByDisplayName => r
                .groups
                .iter()
                .find(|g| {
                    self.text(g, "workspace_id") == s(0) && display_name_key(&self.text(g, "display_name")) == s(1)
                })
                .cloned()
                .unwrap_or(Value::Null),
            StoreMethod::QueryGroups => {
                let mine = r.groups.iter().filter(|g| self.text(g, "workspace_id") == s(0)).cloned().collect();
                select_groups(self.case, args[1].clone(), mine)
                    .map_err(|e| fail(StoreErrorKind::Failed, e.message()))?
            }
            StoreMethod::InsertGroup => {
                let group = &args[0];
                let (ws, key) = (self.text(group, "workspace_id"), display_name_key(&self.text(group, "display_name")));
                if r.groups.iter().any(|g| {
                    self.text(g, "workspace_id") == ws && display_name_key(&self.text(g, "display_name")) == key
                }) {
                    return Err(fail(StoreErrorKind::from_host_code("conflict"), "displayName taken"));
                }
                r.groups.push(group.clone());
                group.clone()
            }
            StoreMethod::UpdateGroup | StoreMethod::DeleteGroup => {
                let (ws, id) = match method {
                    StoreMethod::UpdateGroup => (self.text(&args[0], "workspace_id"), self.text(&args[0], "id")),
                    _ => (s(0), s(1)),
                };
                let expected = args.last().unwrap();
                let Some(at) = r.groups.iter().position(|g| self.same(g, &ws, &id)) else {
                    return Err(fail(StoreErrorKind::from_host_code("not_found"), "no such group"));
                };
                if self.field(&r.groups[at], "version") != expected {
                    return Err(fail(StoreErrorKind::from_host_code("version_mismatch"), "changed"));
                }
                if method == StoreMethod::DeleteGroup {
                    r.groups.remove(at);
                    return Ok(Value::Null);
                }
                let key = display_name_key(&self.text(&args[0], "display_name"));
                if r.groups.iter().enumerate().any(|(i, g)| {
                    i != at
                        && self.text(g, "workspace_id") == ws
                        && display_name_key(&self.text(g, "display_name")) == key
                }) {
                    return Err(fail(StoreErrorKind::from_host_code("conflict"), "displayName taken"));
                }
                r.groups[at] = args[0].clone();
                Value::Null
            }
        })
    }
}

impl<const CAMEL: bool> HostStore for JsonHost<CAMEL> {
    async fn call(&self, method: StoreMethod, args: Vec<Value>) -> Result<Value, StoreError> {
        self.answer(method, args)
    }
}

/// The host behind the core's `Directory`.
pub fn directory<const CAMEL: bool>(workspaces: &[(Workspace, Vec<TokenHash>)]) -> ForeignDirectory<JsonHost<CAMEL>> {
    let host = JsonHost::<CAMEL>::new(workspaces);
    let case = host.case;
    ForeignDirectory::new(host, case)
}
