#!/usr/bin/env bash
# The native libraries a static link needs: rustc's `--print native-static-libs` line (in the
# build log given) must be exactly the Libs.private of ffi/sso_scim.pc.in, which the README
# shows too (as rustls-ffi's tests/static_libs.rs checks its README).
set -euo pipefail
log=$1 pc=$2 readme=$3
printed=$(sed -n 's/^note: native-static-libs: //p' "$log" | tail -n 1)
listed=$(sed -n 's/^Libs.private: //p' "$pc")
[ -n "$printed" ] || { echo "static_libs: no native-static-libs line in $log"; exit 1; }
if [ "$printed" != "$listed" ]; then
  echo "static_libs: rustc needs '$printed' but $pc lists '$listed'"
  exit 1
fi
grep -qF -- "$listed" "$readme" || { echo "static_libs: $readme does not show '$listed'"; exit 1; }
echo "static_libs: $printed"
