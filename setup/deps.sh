#!/usr/bin/env bash
# Python dependencies of the suite and its tests, into the Python that has Odoo.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" - "$ROOT/requirements.txt" <<'PY' 2>/dev/null
import sys
from importlib.metadata import PackageNotFoundError, version
from pkg_resources import Requirement
for line in open(sys.argv[1]):
    line = line.split("#", 1)[0].strip()
    if not line:
        continue
    req = Requirement.parse(line)
    try:
        installed = version(req.project_name)
    except PackageNotFoundError:
        sys.exit(1)
    if installed not in req:
        sys.exit(1)
PY
then
    echo "deps.sh: installing requirements.txt"
    "$PYTHON" -m pip install --quiet -r "$ROOT/requirements.txt"
fi
# The external-system client is part of the suite (tools/pss_client): installed
# when missing or when its installed modules differ from the source (a change
# without a version bump must reach pss-send, pss-receive and pss-simulate too).
if ! "$PYTHON" - "$ROOT/tools/pss_client/pss_client" <<'PY' 2>/dev/null
import sys
from pathlib import Path

import pss_client

source = Path(sys.argv[1])
installed = Path(pss_client.__file__).parent
if installed.resolve() != source.resolve():
    for module in source.glob("*.py"):
        copy = installed / module.name
        if not copy.exists() or copy.read_bytes() != module.read_bytes():
            sys.exit(1)
PY
then
    echo "deps.sh: installing tools/pss_client (missing or older than the source)"
    "$PYTHON" -m pip install --quiet "$ROOT/tools/pss_client"
fi
# Debian packages the tests use, installed when missing and we may (root
# with apt-get): chromium for the browser tests (Odoo tours; elsewhere they
# are skipped with this reason, tests/pss_tour.py), curl and openssl for the
# documentation's examples (tests/test_doc_examples.py).
missing=()
for tool in curl openssl; do
    command -v "$tool" >/dev/null || missing+=("$tool")
done
if ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null \
    && ! command -v google-chrome >/dev/null; then
    missing+=(chromium)
fi
if ((${#missing[@]})); then
    if command -v apt-get >/dev/null && [[ $(id -u) -eq 0 ]]; then
        echo "deps.sh: apt-get install ${missing[*]}"
        apt-get update -qq >/dev/null || true
        if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; then
            echo "deps.sh: could not install ${missing[*]}: tests that need them fail or skip" >&2
        fi
    else
        echo "deps.sh: ${missing[*]} missing and no root/apt-get to install them:" \
            "the documentation examples need curl/openssl; the browser tests are skipped without chromium" >&2
    fi
fi
