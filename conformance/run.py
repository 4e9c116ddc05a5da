#!/usr/bin/env python3
"""`make conformance`: the external SCIM suites against `sso-scim serve` on loopback.

Starts the server on a fresh database and a system-chosen port, reads the bootstrap token from
its banner, runs scim2-tester (through scim2-cli) and Microsoft's Postman collection (through
newman), and compares every failed assertion with `expected-failures.txt`. It does so twice:
on a fresh SQLite file, then on a fresh PostgreSQL database of a throwaway server
(`throwaway-postgres`, from testkit/postgres). The run fails on a
failure that is not listed there AND on a listed one that no longer happens, so the list is
always the exact, current set of deviations (each explained in the README).

Usage: run.py SSO_SCIM_BINARY SCIM2_CLI NEWMAN COLLECTION THROWAWAY_POSTGRES
"""

import json
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# The collection's folders that test a SCIM server; "Get Token" targets a token endpoint that
# is not SCIM, and the two trailing "Get all" requests carry no assertions.
FOLDERS = [
    "Endpoint tests",
    "User tests",
    "Group tests",
    "ComplexAttribute tests",
    "User tests with garbage",
    "Group tests with garbage",
    "Teardown garbage",
]


def start_server(binary, db):
    proc = subprocess.Popen(
        [binary, "--db", db, "serve", "--listen", "127.0.0.1:0"],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "RUST_LOG": "warn"},
    )
    token = None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        match = re.search(r"(ssoscim_[A-Za-z0-9_-]+)", line)
        if match:
            token = match.group(1)
        if line.startswith("sso-scim: listening on http://"):
            return proc, line.strip().split("http://", 1)[1], token
    proc.kill()
    sys.exit("sso-scim serve did not start")


def scim2_tester(cli, base, token):
    """Returns (passed, failures) where a failure is 'scim2-tester: CHECK: message'."""
    env = {**os.environ, "SCIM_CLI_HEADERS": f"Authorization: Bearer {token}"}
    out = subprocess.run([cli, "--url", base, "test"], capture_output=True, text=True, env=env, timeout=600)
    lines = out.stdout.splitlines()
    passed = sum(1 for l in lines if l.startswith("SUCCESS"))
    failures = set()
    for i, line in enumerate(lines):
        if re.match(r"^(ERROR|CRITICAL)\b", line):
            message = lines[i + 1].strip() if i + 1 < len(lines) else ""
            # Generated ids differ per run.
            message = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<id>", message)
            failures.add(f"scim2-tester: {line.split()[1]}: {message}")
    if passed == 0:
        sys.exit(f"scim2-tester ran no check:\n{out.stdout}\n{out.stderr}")
    return passed, failures


def postman(newman, collection, addr, token):
    """Returns (passed, failures) where a failure is 'postman: ITEM: ASSERTION'."""
    host, port = addr.rsplit(":", 1)
    with tempfile.TemporaryDirectory() as tmp:
        report = os.path.join(tmp, "report.json")
        cmd = [newman, "run", collection, "--reporters", "json", "--reporter-json-export", report]
        for folder in FOLDERS:
            cmd += ["--folder", folder]
        for name, value in [("Protocol", "http"), ("Server", host), ("Port", f":{port}"), ("Api", "scim/v2"), ("token", token)]:
            cmd += ["--env-var", f"{name}={value}"]
        subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        with open(report) as f:
            run = json.load(f)["run"]
    total = run["stats"]["assertions"]["total"]
    failures = {f"postman: {f['source']['name']}: {f['error']['test']}" for f in run["failures"]}
    if total == 0:
        sys.exit("newman ran no assertion")
    return total - len(run["failures"]), failures


def expected():
    with open(os.path.join(HERE, "expected-failures.txt")) as f:
        return {l.strip() for l in f if l.strip() and not l.startswith("#")}


def run_suites(binary, db, cli, newman, collection):
    """Both suites against `serve` on `db`: (passed, failures) of each."""
    proc, addr, token = start_server(binary, db)
    try:
        base = f"http://{addr}/scim/v2"
        return scim2_tester(cli, base, token), postman(newman, collection, addr, token)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def postgres_database(helper):
    """A throwaway PostgreSQL server (stopped when its stdin closes) and its database's URL."""
    proc = subprocess.Popen([helper], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    url = proc.stdout.readline().strip()
    if not url.startswith("postgres://"):
        proc.kill()
        sys.exit(f"throwaway-postgres did not start: {url!r}")
    return proc, url


def report(store, results, known):
    """Print one store's results; the number of unexpected and fixed deviations."""
    (t_pass, t_fail), (p_pass, p_fail) = results
    failures = t_fail | p_fail
    unexpected = sorted(failures - known)
    fixed = sorted(known - failures)
    print(f"[{store}] scim2-tester: {t_pass} passed, {len(t_fail)} failed")
    print(f"[{store}] postman: {p_pass} passed, {len(p_fail)} failed")
    for f in sorted(failures & known):
        print(f"  known deviation (README): {f}")
    for f in unexpected:
        print(f"  UNEXPECTED FAILURE: {f}")
    for f in fixed:
        print(f"  listed in expected-failures.txt but passed now (remove it): {f}")
    print(f"[{store}] conformance: {t_pass + p_pass} passed, {len(unexpected) + len(fixed)} failed")
    return len(unexpected) + len(fixed)


def main():
    binary, cli, newman, collection, helper = sys.argv[1:6]
    known = expected()
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = run_suites(binary, os.path.join(tmp, "conformance.db"), cli, newman, collection)
    pg, url = postgres_database(helper)
    try:
        postgres = run_suites(binary, url, cli, newman, collection)
    finally:
        pg.stdin.close()
        pg.wait(timeout=60)
    bad = report("sqlite", sqlite, known) + report("postgres", postgres, known)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
