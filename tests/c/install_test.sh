#!/usr/bin/env bash
# `make install` into temporary prefixes, then the host listed in ffi/README.md built against
# each install with pkg-config and run: shared (both libraries installed) and static (a
# LIBTYPE=static install, linked with `pkg-config --static`).
set -euo pipefail
make=${MAKE:-make}
version=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The README's listing, exactly: the ```c block between the host.c markers.
awk '/<!-- host.c begin -->/ {on=1; next} /<!-- host.c end -->/ {on=0} on && /^```/ {next} on' ffi/README.md > "$tmp/host.c"
[ "$(wc -l < "$tmp/host.c")" -gt 100 ] || { echo "install_test: no host listing in ffi/README.md"; exit 1; }

expect_output() {
  local out=$1
  for want in "sso_scim $version" "POST /Users -> 201" "GET /Users -> 200" '"totalResults":1' \
              '"userName":"JDoe@contoso.com"' "GET /Groups -> 501 not_implemented" "SP metadata:"; do
    grep -qF -- "$want" "$out" || { echo "install_test: the host did not print '$want':"; cat "$out"; exit 1; }
  done
}

cflags="-std=c99 -Wall -Wextra -Werror -pedantic"
for libtype in both static; do
  prefix=$tmp/$libtype
  $make --no-print-directory install PREFIX="$prefix" LIBTYPE=$libtype CARGO_PROFILE=dev >/dev/null
  # Set per command, never exported: cargo build scripts watch PKG_CONFIG_PATH and would rebuild.
  pc() { PKG_CONFIG_PATH=$prefix/lib/pkgconfig pkg-config "$@"; }
  [ "$(pc --modversion sso_scim)" = "$version" ] || { echo "install_test: pkg-config version"; exit 1; }
  cmp include/sso_scim.h "$prefix/include/sso_scim.h"
  if [ $libtype = both ]; then
    # shellcheck disable=SC2046
    cc $cflags "$tmp/host.c" -o "$tmp/host-$libtype" $(pc --cflags --libs sso_scim) -lcjson \
      -Wl,-rpath,"$prefix/lib"
    readelf -d "$tmp/host-$libtype" | grep -q 'NEEDED.*libsso_scim\.so\.' \
      || { echo "install_test: the shared host does not load libsso_scim.so"; exit 1; }
    [ -e "$prefix/lib/libsso_scim.a" ] || { echo "install_test: no static library installed"; exit 1; }
  else
    # shellcheck disable=SC2046
    cc $cflags "$tmp/host.c" -o "$tmp/host-$libtype" $(pc --cflags --libs --static sso_scim) -lcjson
    if readelf -d "$tmp/host-$libtype" | grep -q 'NEEDED.*libsso_scim'; then
      echo "install_test: the static host still loads libsso_scim.so"; exit 1
    fi
    [ ! -e "$prefix/lib/libsso_scim.so" ] || { echo "install_test: LIBTYPE=static installed the .so"; exit 1; }
  fi
  "$tmp/host-$libtype" > "$tmp/out-$libtype"
  expect_output "$tmp/out-$libtype"
  echo "install_test: $libtype install, README host built with pkg-config and run"
done
valgrind --leak-check=full --error-exitcode=1 -q "$tmp/host-static" > "$tmp/out-valgrind"
expect_output "$tmp/out-valgrind"
echo "install_test: the README host is clean under valgrind"
