# `make test` runs every suite that exists. Each language suite has its own target; the
# Makefile creates whatever local tooling it needs (venv, node_modules) itself.
SHELL := /bin/bash
CARGO ?= cargo

.PHONY: test test-rust lint bench clean

test: test-rust

lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

test-rust: lint
	$(CARGO) test --workspace --locked

# Criterion benchmarks (not part of `make test`: timings are not assertions).
bench:
	$(CARGO) bench -p sso-scim-core --bench scim

clean:
	$(CARGO) clean
