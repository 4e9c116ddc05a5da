# `make test` runs every suite that exists. Each language suite has its own target; the
# Makefile creates whatever local tooling it needs (venv, node_modules) itself.
SHELL := /bin/bash
CARGO ?= cargo

.PHONY: test test-rust test-python bench-python lint bench clean conformance

test: test-rust test-python conformance

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

# Python binding (bindings/python): pinned tools in its own venv, `maturin develop` (debug),
# pytest (every vector, sync and asyncio stores, threads, GC, the FastAPI example),
# mypy --strict on the sample host and app, stubtest of the .pyi against the module, then the
# wheel from `maturin build` installed into a second, fresh venv and smoke-tested there.
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

clean:
	$(CARGO) clean
	rm -rf $(VENV) $(NEWMAN_DIR) $(PY_VENV) $(PY_WHEEL_VENV) $(PY_BENCH_VENV) $(PY_DIR)/dist
