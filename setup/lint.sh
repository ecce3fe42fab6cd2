#!/usr/bin/env bash
# make lint: ruff (format + check) and pylint-odoo's OCA checks on every addon.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
bash setup/deps.sh >/dev/null
"$PYTHON" -m ruff format --check .
"$PYTHON" -m ruff check .
addons=$(ls -d addons/*/ tests/addons/*/ 2>/dev/null)
# shellcheck disable=SC2086
"$PYTHON" -m pylint --rcfile=setup/pylintrc $addons
echo "lint.sh: clean"
