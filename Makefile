# `make test` runs every suite that exists. Each language suite has its own target; the
# Makefile creates whatever local tooling it needs (venv, node_modules) itself.
SHELL := /bin/bash
CARGO ?= cargo

.PHONY: test prerequisites test-rust test-node test-python bench-node bench-python lint bench bench-saml bench-serve bench-scale clean conformance wire-types

# Every suite; the first step installs the system packages and rustup components the suites
# need on a fresh Debian machine (scripts/prerequisites.sh says what it installs).
test: prerequisites
	$(MAKE) --no-print-directory test-rust test-c test-node test-python conformance

prerequisites:
	scripts/prerequisites.sh

# The layer check (tools/layers): core/src's top-level modules only use lower layers
# (core/layers.txt), and no crate's modules import each other in a circle; what it lets through
# for now is listed in tools/layers/allow.txt.
LAYERS_DIRS := core/src sqlite/src postgres/src testkit/postgres/src cli/src ffi/src bindings/node/src bindings/python/src \
	fuzz/targets/src tools/layers/src tools/docs/src tools/wire-types/src

lint:
	$(CARGO) fmt --all --check
	$(CARGO) run --quiet --locked -p sso-scim-layers -- --allow tools/layers/allow.txt \
		--table core/src=core/layers.txt $(LAYERS_DIRS)
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --workspace --no-deps --locked

test-rust: lint
	$(CARGO) test --workspace --locked

# The bindings' wire types (bindings/node/src/header.d.ts, the header of bindings/node/index.d.ts,
# bindings/python/python/sso_scim/_types.py), generated from the Rust sources by tools/wire-types.
# Their freshness is a Rust test (tools/wire-types/tests/fresh.rs), run by test-rust.
wire-types:
	$(CARGO) run --locked -q -p sso-scim-wire-types

# External SCIM suites against `sso-scim serve` on loopback (conformance/run.py), on SQLite and
# on a throwaway PostgreSQL. Tools are
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
	$(CARGO) build --locked -p sso-scim-cli -p sso-scim-pg-testkit --bins
	$(PYTHON) conformance/run.py target/debug/sso-scim $(VENV)/bin/scim2 \
		$(NEWMAN_DIR)/node_modules/.bin/newman $(COLLECTION) target/debug/throwaway-postgres

# Node addon (bindings/node): npm ci when node_modules is missing or stale, the wire types checked
# fresh (make wire-types), a debug napi build (regenerates index.js and index.d.ts, which must
# match the committed ones), the TypeScript sample host under --strict, then node's test runner
# over every vector and the addon tests.
NODE_DIR := bindings/node

$(NODE_DIR)/node_modules/.package-lock.json: $(NODE_DIR)/package-lock.json
	cd $(NODE_DIR) && npm ci --no-audit --no-fund

test-node: $(NODE_DIR)/node_modules/.package-lock.json
	$(CARGO) test --locked -q -p sso-scim-wire-types --test fresh
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
# libcjson-dev, valgrind and pkg-config (scripts/prerequisites.sh installs them). The header's freshness is a
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

# Python binding (bindings/python): pinned tools in its own venv, _types.py checked fresh (make
# wire-types), `maturin develop` (debug), pytest (every vector, sync and asyncio stores, threads,
# GC, the FastAPI example), mypy --strict on the sample host and app, stubtest of the .pyi against
# the module, then the wheel from `maturin build` installed into a second, fresh venv and
# smoke-tested there.
PY_DIR := bindings/python
PY_VENV := $(PY_DIR)/.venv
PY_WHEEL_VENV := $(PY_DIR)/.venv-wheel
PY_ENV := VIRTUAL_ENV=$(CURDIR)/$(PY_VENV) PATH=$(CURDIR)/$(PY_VENV)/bin:$$PATH

$(PY_VENV)/.tools: $(PY_DIR)/requirements-dev.txt
	rm -rf $(PY_VENV)
	$(PYTHON) -m venv $(PY_VENV)
	$(PY_VENV)/bin/pip install --quiet --disable-pip-version-check -r $(PY_DIR)/requirements-dev.txt
	touch $@

test-python: $(PY_VENV)/.tools
	$(CARGO) test --locked -q -p sso-scim-wire-types --test fresh
	cd $(PY_DIR) && $(PY_ENV) maturin develop --quiet --locked
	cd $(PY_DIR) && $(PY_ENV) python -m pytest -q
	cd $(PY_DIR) && $(PY_ENV) mypy --strict examples
	cd $(PY_DIR) && $(PY_ENV) python -m mypy.stubtest sso_scim --allowlist stubtest-allowlist.txt
	rm -rf $(PY_DIR)/dist $(PY_WHEEL_VENV)
	cd $(PY_DIR) && $(PY_ENV) maturin build --quiet --locked --out dist
	$(PYTHON) -m venv $(PY_WHEEL_VENV)
	$(PY_WHEEL_VENV)/bin/pip install --quiet --disable-pip-version-check --no-index $(PY_DIR)/dist/*.whl
	cd /tmp && $(CURDIR)/$(PY_WHEEL_VENV)/bin/python $(CURDIR)/$(PY_DIR)/tests/smoke_wheel.py $(CURDIR)

# The Python benchmark (not part of `make test`): a release build beside python3-saml (needs
# Debian's libxmlsec1-dev and pkg-config for the `xmlsec` package), in a venv of its own.
PY_BENCH_VENV := $(PY_DIR)/.venv-bench

$(PY_BENCH_VENV)/.tools: $(PY_DIR)/bench/requirements.txt
	rm -rf $(PY_BENCH_VENV)
	$(PYTHON) -m venv $(PY_BENCH_VENV)
	$(PY_BENCH_VENV)/bin/pip install --quiet --disable-pip-version-check -r $(PY_DIR)/bench/requirements.txt
	touch $@

bench-python: $(PY_BENCH_VENV)/.tools
	cd $(PY_DIR) && VIRTUAL_ENV=$(CURDIR)/$(PY_BENCH_VENV) PATH=$(CURDIR)/$(PY_BENCH_VENV)/bin:$$PATH \
		maturin develop --quiet --locked --release
	cd $(PY_DIR) && $(CURDIR)/$(PY_BENCH_VENV)/bin/python bench/bench.py

# Criterion benchmarks (not part of `make test`: timings are not assertions).
bench:
	$(CARGO) bench -p sso-scim-core --bench scim

# The SAML verifier: genuine responses and every adversarial shape at 256 KB (goal ≤ 5 ms each).
bench-saml:
	$(CARGO) bench -p sso-scim-core --bench saml

# `serve` under attack (README "Serving on the open internet"): latency of /healthz and another
# workspace's SCIM while hostile clients flood one ACS, and peak memory while one tenant lists
# its largest users from 20 connections. Starts its own server on loopback.
bench-serve:
	$(CARGO) build --release --locked -p sso-scim-cli --example siege --bin sso-scim
	target/release/examples/siege

# List queries at scale (README "Scale"): SCALE_USERS Entra-shaped users (default 1,000,000)
# loaded into a fresh SQLite store, each query type timed through the SCIM handler.
SCALE_USERS ?= 1000000
bench-scale:
	SCALE_USERS=$(SCALE_USERS) $(CARGO) bench --locked -p sso-scim-sqlite --bench scale

clean:
	$(CARGO) clean
	rm -rf $(VENV) $(NEWMAN_DIR) $(NODE_DIR)/node_modules $(NODE_DIR)/*.node \
		$(PY_VENV) $(PY_WHEEL_VENV) $(PY_BENCH_VENV) $(PY_DIR)/dist

# Fuzzing (fuzz/README.md; never part of `make test`, whose replay test runs the committed
# corpus on stable): every cargo-fuzz target for FUZZ_SECONDS each, one after another. Needs the
# nightly toolchain and `cargo install cargo-fuzz --locked`. New inputs go to fuzz/corpus.local/
# (ignored) so the committed seeds in fuzz/corpus/ stay small; crashes go to fuzz/artifacts/.
FUZZ_SECONDS ?= 900

.PHONY: fuzz
fuzz:
	cd fuzz && status=0; for t in $$(cargo +nightly fuzz list); do \
		mkdir -p corpus.local/$$t; \
		cargo +nightly fuzz run $$t corpus.local/$$t corpus/$$t -- \
			-max_total_time=$(FUZZ_SECONDS) -timeout=10 || status=1; \
	done; exit $$status
