"""Size limits of the suite's Python (issue 20), run by `make lint` and CI.

No module in addons/ over 500 lines and no function over 60 lines; tests,
migrations and SQL view definitions (an ``init`` that creates a view) aside.
Code written before the limits is listed in setup/size_allowance.txt with
its size today: it may shrink, never grow, and an entry that fits the limits
again must be removed (the list only gets shorter).

    python3 setup/check_size.py            # check (exit 1 on a breach)
    python3 setup/check_size.py --write    # rewrite the allowance (review!)
"""

import ast
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
ALLOWANCE = ROOT / "setup" / "size_allowance.txt"
MAX_FILE_LINES = 500
MAX_FUNCTION_LINES = 60


def sources(root=ROOT):
    for path in sorted((root / "addons").rglob("*.py")):
        parts = path.relative_to(root).parts
        if "tests" in parts or "migrations" in parts:
            continue
        yield path


def is_view_definition(node):
    """An ``init`` whose SQL creates a view: a query, not logic."""
    return node.name == "init" and any(
        isinstance(n, ast.Constant)
        and isinstance(n.value, str)
        and "VIEW" in n.value.upper()
        for n in ast.walk(node)
    )


def measure(path, root=ROOT):
    """{key: lines} of what is over a limit in one module."""
    text = path.read_text()
    rel = path.relative_to(root).as_posix()
    found = {}
    lines = len(text.splitlines())
    if lines > MAX_FILE_LINES:
        found[rel] = lines
    for node in ast.walk(ast.parse(text)):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        length = node.end_lineno - node.lineno + 1
        if length > MAX_FUNCTION_LINES and not is_view_definition(node):
            found[f"{rel}::{node.name}:{node.lineno}"] = length
    return found


def strip_line(key):
    """Allowance keys ignore the line a function starts on (it moves)."""
    return key.rsplit(":", 1)[0] if "::" in key else key


def over_limits(root=ROOT):
    found = {}
    for path in sources(root):
        for key, size in measure(path, root).items():
            found[strip_line(key)] = max(size, found.get(strip_line(key), 0))
    return found


def read_allowance(path=ALLOWANCE):
    allowed = {}
    if path.exists():
        for raw in path.read_text().splitlines():
            line = raw.strip()
            if line and not line.startswith("#"):
                key, size = line.rsplit(" ", 1)
                allowed[key] = int(size)
    return allowed


def breaches(found, allowed):
    """Messages for code over a limit beyond its allowance, and for
    allowances no longer needed."""
    problems = []
    for key, size in sorted(found.items()):
        limit = MAX_FUNCTION_LINES if "::" in key else MAX_FILE_LINES
        if key not in allowed:
            problems.append(f"{key}: {size} lines (limit {limit})")
        elif size > allowed[key]:
            problems.append(f"{key}: grew to {size} lines (allowed {allowed[key]})")
    for key in sorted(set(allowed) - set(found)):
        problems.append(
            f"{key}: within the limits now, remove it from {ALLOWANCE.name}"
        )
    return problems


def main(argv):
    found = over_limits()
    if "--write" in argv:
        ALLOWANCE.write_text(
            "# Code over the size limits before they were set (setup/check_size.py):\n"
            "# <module>[::<function>] <lines today>; shrink it, never add to it.\n"
            + "".join(f"{key} {size}\n" for key, size in sorted(found.items()))
        )
        return 0
    problems = breaches(found, read_allowance())
    for problem in problems:
        print(f"check_size: {problem}", file=sys.stderr)
    allowed = read_allowance()
    print(
        f"check_size: {len(found)} over the limits, all allowed ({len(allowed)} "
        "in the allowance)"
        if not problems
        else f"check_size: {len(problems)} problem(s)"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
