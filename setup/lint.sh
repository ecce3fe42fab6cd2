#!/usr/bin/env bash
# make lint: pre-commit with .pre-commit-config.yaml (OCA's hooks for 17.0) on
# every tracked file: ruff check and ruff format, pylint-odoo with OCA's
# mandatory checks (setup/pylintrc), oca-checks-odoo-module and oca-checks-po,
# prettier with its XML plugin, eslint, whool init, and pre-commit-hooks'
# checks; and setup/check_size.py (modules <= 500 lines, functions <= 60).
# Hooks that can fix what they find do so and fail: review the changes
# (git diff) and commit them. The first run builds the hooks' environments
# (PyPI, and the npm registry for prettier and eslint) into ~/.cache/pre-commit.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
bash setup/deps.sh >/dev/null # pre-commit
# prettier and eslint run on the machine's Node.js (language: node, node: system).
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    if command -v apt-get >/dev/null && [[ $(id -u) -eq 0 ]]; then
        echo "lint.sh: apt-get install nodejs npm (for prettier and eslint)" >&2
        apt-get update -qq >/dev/null || true
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
    else
        echo "lint.sh: the prettier and eslint hooks need Node.js and npm on PATH" >&2
        exit 1
    fi
fi
# Module and function size limits (issue 20), with the allowance of older code.
"$PYTHON" setup/check_size.py
"$PYTHON" -m pre_commit run --all-files --show-diff-on-failure
echo "lint.sh: clean"
