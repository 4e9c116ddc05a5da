# `make test` runs every suite that exists. Each language suite has its own target; the
# Makefile creates whatever local tooling it needs (venv, node_modules) itself.
SHELL := /bin/bash
CARGO ?= cargo

.PHONY: test test-rust test-node lint bench bench-node clean conformance

test: test-rust conformance test-node

lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

test-rust: lint
	$(CARGO) test --workspace --locked

# External SCIM suites against `sso-scim serve` on loopback (conformance/run.py). Tools are
# pinned and installed locally: scim2-cli/scim2-tester in .venv, newman in .newman.
PYTHON ?= python3
VENV := .venv
NEWMAN_DIR := .newman
COLLECTION := ../shared/conformance/PostmanCollection.json

$(VENV)/.conformance-tools:
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet scim2-cli==0.6.0 scim2-tester==0.5.2
	touch $@

$(NEWMAN_DIR)/.conformance-tools:
	mkdir -p $(NEWMAN_DIR)
	npm install --silent --no-audit --no-fund --prefix $(NEWMAN_DIR) newman@6
	touch $@

conformance: $(VENV)/.conformance-tools $(NEWMAN_DIR)/.conformance-tools
	$(CARGO) build --locked -p sso-scim-cli
	$(PYTHON) conformance/run.py target/debug/sso-scim $(VENV)/bin/scim2 \
		$(NEWMAN_DIR)/node_modules/.bin/newman $(COLLECTION)

# Node addon (bindings/node): npm ci when node_modules is missing or stale, a debug napi build
# (regenerates index.js and index.d.ts, which must match the committed ones), the TypeScript
# sample host under --strict, then node's test runner over every vector and the addon tests.
NODE_DIR := bindings/node

$(NODE_DIR)/node_modules/.package-lock.json: $(NODE_DIR)/package-lock.json
	cd $(NODE_DIR) && npm ci --no-audit --no-fund

test-node: $(NODE_DIR)/node_modules/.package-lock.json
	cd $(NODE_DIR) && npx napi build --platform -- --locked
	git diff --exit-code -- $(NODE_DIR)/index.d.ts $(NODE_DIR)/index.js
	cd $(NODE_DIR) && npx tsc --noEmit --strict -p examples/typescript/tsconfig.json
	cd $(NODE_DIR) && node --test test/*.test.js

# Node benchmark: a release build of the addon, then the script (figures in bindings/node/README.md).
bench-node: $(NODE_DIR)/node_modules/.package-lock.json
	cd $(NODE_DIR) && npx napi build --platform --release -- --locked
	cd $(NODE_DIR) && node --expose-gc bench/bench.js

# Criterion benchmarks (not part of `make test`: timings are not assertions).
bench:
	$(CARGO) bench -p sso-scim-core --bench scim

clean:
	$(CARGO) clean
	rm -rf $(VENV) $(NEWMAN_DIR) $(NODE_DIR)/node_modules $(NODE_DIR)/*.node
