#!/usr/bin/env bash
# Make sure Odoo 17.0 is importable by the Python that runs the suite.
#
# Order of preference:
#   1. `import odoo` already works and reports 17.0 -> nothing to do;
#   2. ODOO_SRC points at an Odoo 17 source tree -> source install of that tree;
#   3. upstream git (branch 17.0, shallow clone into a cache dir outside the
#      project) -> source install of that clone.
# A source install follows Odoo's documentation: system libraries for the
# packages that compile, `pip install -r requirements.txt`, then the package.
set -euo pipefail

PYTHON="${PYTHON:-python3}"
ODOO_GIT_URL="${ODOO_GIT_URL:-https://github.com/odoo/odoo.git}"
ODOO_CACHE="${ODOO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pss/odoo-17.0}"

odoo_version() {
    "$PYTHON" -c 'import odoo.release as r; print(r.version)' 2>/dev/null || true
}

have=$(odoo_version)
if [[ "$have" == 17.0* ]]; then
    echo "ensure_odoo: Odoo $have is importable"
    exit 0
fi
if [[ -n "$have" ]]; then
    echo "ensure_odoo: Odoo $have is installed but the suite needs 17.0" >&2
    exit 1
fi

install_system_libs() {
    # python-ldap and psycopg2 compile against these; skip quietly when we
    # cannot use apt (not root, or not Debian): pip will then say what is missing.
    if command -v apt-get >/dev/null && [[ $(id -u) -eq 0 ]]; then
        local missing=()
        for pkg in libldap2-dev libsasl2-dev libpq-dev build-essential python3-dev; do
            dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
        done
        if ((${#missing[@]})); then
            echo "ensure_odoo: apt-get install ${missing[*]}"
            apt-get update -qq >/dev/null || true
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
        fi
    fi
}

src=""
if [[ -n "${ODOO_SRC:-}" ]]; then
    if [[ -f "$ODOO_SRC/odoo/release.py" ]]; then
        src="$ODOO_SRC"
    else
        echo "ensure_odoo: ODOO_SRC=$ODOO_SRC is not an Odoo source tree" >&2
    fi
fi
if [[ -z "$src" ]]; then
    if [[ ! -f "$ODOO_CACHE/odoo/release.py" ]]; then
        echo "ensure_odoo: cloning Odoo 17.0 from $ODOO_GIT_URL into $ODOO_CACHE"
        mkdir -p "$(dirname "$ODOO_CACHE")"
        if ! git clone --quiet --depth 1 --branch 17.0 "$ODOO_GIT_URL" "$ODOO_CACHE"; then
            cat >&2 <<MSG
ensure_odoo: Odoo 17.0 is not importable by $PYTHON, ODOO_SRC is not set to an
Odoo 17 source tree, and upstream git could not be cloned.
Set ODOO_SRC=/path/to/odoo-17.0-source and run again.
MSG
            exit 1
        fi
    fi
    src="$ODOO_CACHE"
fi

install_system_libs
echo "ensure_odoo: installing Odoo from $src"
# Odoo 17 imports pkg_resources, removed from setuptools 70.
"$PYTHON" -m pip install --quiet "setuptools<70" wheel
"$PYTHON" -m pip install --quiet -r "$src/requirements.txt"
"$PYTHON" -m pip install --quiet --no-build-isolation "$src"

have=$(odoo_version)
if [[ "$have" != 17.0* ]]; then
    echo "ensure_odoo: installation finished but 'import odoo' still fails" >&2
    exit 1
fi
echo "ensure_odoo: Odoo $have installed"
