"""JSON paths of field errors: ``events[2].data.lines[3].hours``.

A path is built from a prefix and pydantic's ``loc`` tuple: integers become
``[i]``, names become ``.name``; a name's control characters and lone
surrogates are written as JSON escapes (``data.na\\u0000me``) so that a path
can always be shown and encoded. Plain Python, tested without a database.
"""

import re

__all__ = ["join_path", "prefix_details", "pydantic_details"]

_UNPRINTABLE = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")


def _escape(match):
    return f"\\u{ord(match.group()):04x}"


def join_path(prefix, *parts):
    """Append ``parts`` (names or list indexes) to the JSON path ``prefix``."""
    path = prefix or ""
    for part in parts:
        if isinstance(part, int) and not isinstance(part, bool):
            path += f"[{part}]"
        elif part in (None, ""):
            continue
        else:
            name = _UNPRINTABLE.sub(_escape, str(part))
            path = f"{path}.{name}" if path else name
    return path


def _message(error):
    message = error.get("msg") or "invalid"
    if error.get("type") == "extra_forbidden":
        return "unknown field"
    return message


def pydantic_details(exc, prefix=""):
    """Field errors of a pydantic ``ValidationError`` as [{path, message}]."""
    return [
        {"path": join_path(prefix, *error.get("loc", ())), "message": _message(error)}
        for error in exc.errors(include_url=False, include_input=False)
    ]


def prefix_details(details, prefix):
    """Prefix the paths of [{path, message}] (e.g. handler errors) with ``prefix``.

    Handler paths start with a name (``data.lines[3].hours``) or an index.
    """
    result = []
    for detail in details or []:
        path = str(detail.get("path") or "")
        if prefix and path:
            path = prefix + path if path.startswith("[") else f"{prefix}.{path}"
        elif prefix:
            path = prefix
        result.append({"path": path, "message": str(detail.get("message") or "")})
    return result
