"""Every case of tests/vectors/sql/ through ``filter_to_sql``: the same SQL, parameters and
verdicts as the Rust runner (core/tests/bridge.rs), or the same error code; and the host flow
it is for, on a real SQLite database of a host's own schema."""

from __future__ import annotations

import json
import sqlite3

import pytest

import sso_scim
from vectors import REPO

SQL_VECTORS = sorted((REPO / "tests" / "vectors" / "sql").glob("*.json"))


def test_every_sql_vector_passes() -> None:
    cases = 0
    for path in SQL_VECTORS:
        for case in json.loads(path.read_text(encoding="utf-8"))["cases"]:
            where = f"{path.name}: {case['name']}"
            if "error" in case:
                with pytest.raises(sso_scim.SsoScimError) as info:
                    sso_scim.filter_to_sql(case["query"], case["options"])
                assert info.value.code == case["error"], where
            else:
                assert sso_scim.filter_to_sql(case["query"], case["options"]) == case["expect"], where
            cases += 1
    # Counted when the file was written; fewer means a lost case.
    assert cases >= 18


USERS = [
    {"id": "1", "userName": "Ann", "title": "CEO"},
    {"id": "2", "userName": "ÄNNE", "title": "CTO"},
    {"id": "3", "userName": "bob", "title": "ceo"},
]


def record(u: dict) -> dict:
    doc = {"userName": u["userName"], "title": u["title"]}
    return {
        "workspace_id": "ws", "id": u["id"], "user_name": u["userName"], "external_id": None,
        "given_name": None, "family_name": None, "email": None, "role": "Member", "state": "active",
        "version": 1, "created": "2024-01-01T00:00:00Z", "last_modified": "2024-01-01T00:00:00Z",
        "resource": doc,
    }


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ('userName sw "än"', ["2"]),
        ('userName eq "ann" or title eq "ceo"', ["1", "3"]),
        ('not (title eq "CEO") and userName gt "a"', ["2"]),
    ],
)
def test_a_host_schema_answers_in_sql_and_rechecks_what_is_not_exact(text: str, ids: list) -> None:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE users (id TEXT, user_name_key TEXT NOT NULL, doc TEXT)")
    for u in USERS:
        key = sso_scim.user_name_key(u["userName"])
        db.execute("INSERT INTO users VALUES (?, ?, ?)", (u["id"], key, json.dumps(record(u))))
    query = {"filter": text, "sort": None, "start_index": 1, "count": 10}
    options = {"dialect": "sqlite", "columns": {"userName": {"column": "user_name_key", "nullable": False}}, "tiebreak": "id"}
    sql = sso_scim.filter_to_sql(query, options)
    rows = db.execute(f"SELECT doc FROM users WHERE {sql['where']} ORDER BY {sql['order']}", sql["params"]).fetchall()
    candidates = [json.loads(doc) for (doc,) in rows]
    if sql["exact"]:
        got = [c["id"] for c in candidates]
    else:
        # title has no column: the superset goes through select_users, which re-checks it.
        got = [u["id"] for u in sso_scim.select_users(query, candidates)["users"]]
    assert got == ids
