# `make test` runs every suite that exists. Each language suite has its own target; the
# Makefile creates whatever local tooling it needs (venv, node_modules) itself.
SHELL := /bin/bash
CARGO ?= cargo

.PHONY: test test-rust test-node lint bench bench-node clean conformance

test: test-rust test-c test-node conformance

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

# C ABI (ffi/, include/, tests/c/): the library, its header and pkg-config file, and the C
# suite compiled as C99 and as C++, the C build run under valgrind. Needs gcc, g++,
# libcjson-dev, valgrind and pkg-config (.ci/run installs them). The header's freshness is a
# Rust test (ffi/tests/header.rs), run by test-rust.
C_VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
C_OUT := target/c
C_SOURCES := $(wildcard tests/c/*.c)
C_HEADERS := $(wildcard tests/c/*.h) include/sso_scim.h
C_WARN := -Wall -Wextra -Werror -pedantic
C_DEFS := -Iinclude -DSSO_SCIM_EXPECTED_VERSION='"$(C_VERSION)"'
C_LINK := target/debug/libsso_scim.a -lcjson $(shell sed -n 's/^Libs.private: //p' ffi/sso_scim.pc.in)
VALGRIND ?= valgrind --leak-check=full --error-exitcode=1 -q
PREFIX ?= /usr/local
LIBTYPE ?= both
CARGO_PROFILE ?= release
C_PROFILE_DIR = target/$(if $(filter dev,$(CARGO_PROFILE)),debug,$(CARGO_PROFILE))

.PHONY: test-c c-lib install bench-c

# The library, printing the native libraries a static link needs (kept for static_libs.sh).
c-lib:
	mkdir -p $(C_OUT)
	set -o pipefail; $(CARGO) rustc --locked -p sso-scim-ffi --lib -- --print native-static-libs 2>&1 \
		| tee $(C_OUT)/build.log | { grep -v '^note: ' || true; }

$(C_OUT)/suite: $(C_SOURCES) $(C_HEADERS) target/debug/libsso_scim.a
	gcc -std=c99 $(C_WARN) -g $(C_DEFS) $(C_SOURCES) $(C_LINK) -o $@

$(C_OUT)/suite-cpp: $(C_SOURCES) $(C_HEADERS) target/debug/libsso_scim.a
	g++ -x c++ -std=c++11 $(C_WARN) -g $(C_DEFS) $(C_SOURCES) -x none $(C_LINK) -o $@

test-c: c-lib
	tests/c/static_libs.sh $(C_OUT)/build.log ffi/sso_scim.pc.in ffi/README.md
	$(MAKE) --no-print-directory $(C_OUT)/suite $(C_OUT)/suite-cpp
	$(C_OUT)/suite-cpp
	$(VALGRIND) $(C_OUT)/suite
	MAKE="$(MAKE)" tests/c/install_test.sh $(C_VERSION)

# make install PREFIX=/opt/sso-scim [LIBTYPE=both|static|shared] [CARGO_PROFILE=release] [DESTDIR=…]
install:
	$(CARGO) build --locked -p sso-scim-ffi --profile $(CARGO_PROFILE)
	ffi/install.sh $(C_PROFILE_DIR) $(PREFIX) $(LIBTYPE) $(C_VERSION) $(DESTDIR)

# What the C ABI adds per request, against the core over a store doing no work (not a test).
bench-c:
	$(CARGO) bench --locked -p sso-scim-ffi --bench abi

# Criterion benchmarks (not part of `make test`: timings are not assertions).
bench:
	$(CARGO) bench -p sso-scim-core --bench scim

clean:
	$(CARGO) clean
	rm -rf $(VENV) $(NEWMAN_DIR) $(NODE_DIR)/node_modules $(NODE_DIR)/*.node
