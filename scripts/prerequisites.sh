#!/usr/bin/env bash
# What `make test` needs on a fresh Debian machine of the project's kind (Rust stable, Python 3,
# gcc): installs the missing system packages and rustup components, saying what it installs,
# or stops at once with the exact command when it cannot install (not root and no sudo).
set -euo pipefail

need=()
command -v make >/dev/null || need+=(make)
command -v gcc >/dev/null || need+=(gcc)
# xmlsec1: the independent signer and canonicalization oracle of the SAML tests.
command -v xmlsec1 >/dev/null || need+=(xmlsec1)
# The Makefile's venvs (conformance tools, Python binding) need ensurepip, which Debian ships apart.
python3 -c "import ensurepip" 2>/dev/null || need+=(python3-venv)
# The Node addon suite and the Postman conformance run.
command -v npm >/dev/null || need+=(npm)
# The C ABI suite (make test-c): C++ compiler, cJSON for the vector runner, valgrind, pkg-config.
command -v g++ >/dev/null || need+=(g++)
command -v valgrind >/dev/null || need+=(valgrind)
command -v pkg-config >/dev/null || need+=(pkg-config)
[ -f /usr/include/cjson/cJSON.h ] || need+=(libcjson-dev)
# The PostgreSQL store's tests start a throwaway server (testkit/postgres) from Debian's server
# binaries, /usr/lib/postgresql/*/bin, in a folder of their own: any cluster the package sets up
# is never used.
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need+=(postgresql)
# The instruction-count test of the SAML verifier (core/tests/saml_cost.rs) uses callgrind.
# (valgrind above carries it.)

if [ ${#need[@]} -gt 0 ]; then
  line="apt-get install -y ${need[*]}"
  if [ "$(id -u)" = 0 ]; then
    SUDO=
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    SUDO=sudo
  else
    echo "prerequisites: missing Debian packages: ${need[*]}" >&2
    echo "prerequisites: run as root:  apt-get update && $line" >&2
    exit 1
  fi
  echo "prerequisites: installing Debian packages: ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"
fi

for component in rustfmt clippy; do
  if ! rustup component list --installed 2>/dev/null | grep -q "^$component"; then
    echo "prerequisites: installing rustup component $component"
    rustup component add "$component"
  fi
done
