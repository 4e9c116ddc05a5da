#!/usr/bin/env bash
# Install the built C library: install.sh BUILD_DIR PREFIX LIBTYPE VERSION [DESTDIR]
#   BUILD_DIR  cargo's output directory (target/release, target/debug)
#   LIBTYPE    both (default), static or shared
# Lays out PREFIX/include/sso_scim.h, PREFIX/lib/libsso_scim.a, libsso_scim.so.VERSION with its
# SONAME and development links, and PREFIX/lib/pkgconfig/sso_scim.pc.
set -euo pipefail
build=$1 prefix=$2 libtype=${3:-both} version=$4 destdir=${5:-}
case "$libtype" in both|static|shared) ;; *) echo "install.sh: LIBTYPE is both, static or shared, not '$libtype'" >&2; exit 2 ;; esac
case "$prefix" in /*) ;; *) echo "install.sh: PREFIX must be an absolute path, not '$prefix'" >&2; exit 2 ;; esac
here=$(cd "$(dirname "$0")" && pwd)
root="$destdir$prefix"
install -d "$root/include" "$root/lib/pkgconfig"
install -m 644 "$here/../include/sso_scim.h" "$root/include/sso_scim.h"
if [ "$libtype" != shared ]; then
  install -m 644 "$build/libsso_scim.a" "$root/lib/libsso_scim.a"
fi
if [ "$libtype" != static ]; then
  # The SONAME comes from the library itself (set by ffi/build.rs).
  soname=$(readelf -d "$build/libsso_scim.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
  [ -n "$soname" ] || { echo "install.sh: $build/libsso_scim.so has no SONAME" >&2; exit 1; }
  install -m 755 "$build/libsso_scim.so" "$root/lib/libsso_scim.so.$version"
  [ "$soname" = "libsso_scim.so.$version" ] || ln -sf "libsso_scim.so.$version" "$root/lib/$soname"
  ln -sf "$soname" "$root/lib/libsso_scim.so"
fi
sed -e "s|@PREFIX@|$prefix|" -e "s|@VERSION@|$version|" "$here/sso_scim.pc.in" > "$root/lib/pkgconfig/sso_scim.pc"
chmod 644 "$root/lib/pkgconfig/sso_scim.pc"
echo "installed sso_scim $version ($libtype) in $root"
