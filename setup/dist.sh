#!/usr/bin/env bash
# make dist: one wheel per addon under addons/ (OCA's whool build backend:
# odoo-addon-<name>, the manifest's version, installed under odoo/addons/) and
# the wheel of tools/pss_client, into dist/ or the directory given.
#   setup/dist.sh [OUTDIR]
# The addons are built with the whool of this Python (setup/deps.sh installs
# it: no network needed); pss_client in an isolated build environment, as pip
# would (its build backend is setuptools>=77). The wheels of an earlier run are
# replaced, so running it twice leaves the same files.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
OUT="${1:-$ROOT/dist}"
bash setup/deps.sh >&2

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
build() { # build DIR [python -m build options...]
    local dir="$1"
    shift
    if ! "$PYTHON" -m build --wheel --outdir "$tmp/wheels" "$@" "$dir" >"$tmp/log" 2>&1; then
        cat "$tmp/log" >&2
        echo "dist.sh: building $dir failed" >&2
        exit 1
    fi
}
for manifest in addons/*/__manifest__.py; do
    addon=$(dirname "$manifest")
    if [[ ! -f "$addon/pyproject.toml" ]]; then
        echo "dist.sh: $addon has no pyproject.toml (create it with 'whool init')" >&2
        exit 1
    fi
    build "$addon" --no-isolation
done
# setuptools reuses what it finds in build/: start from nothing.
rm -rf tools/pss_client/build
build tools/pss_client
rm -rf tools/pss_client/build

mkdir -p "$OUT"
rm -f "$OUT"/odoo_addon_pss_*.whl "$OUT"/pss_client-*.whl
mv "$tmp"/wheels/*.whl "$OUT"/
echo "dist.sh: built into $OUT:"
(cd "$OUT" && ls -1 odoo_addon_pss_*.whl pss_client-*.whl)
