"""Mask the fields a payload schema marks sensitive before showing or logging.

A schema marks a field with ``Field(json_schema_extra={"sensitive": True})``.
"""

MASK = "***"

__all__ = [
    "MASK",
    "mask_details",
    "mask_payload",
    "mask_text",
    "sensitive_paths",
    "sensitive_values",
]


def _field_schema_is_sensitive(field):
    extra = field.json_schema_extra
    return isinstance(extra, dict) and bool(extra.get("sensitive"))


def _nested_model(annotation):
    """Return a pydantic model class found in ``annotation`` (list[Model]...)."""
    from pydantic import BaseModel

    stack = [annotation]
    while stack:
        current = stack.pop()
        if isinstance(current, type) and issubclass(current, BaseModel):
            return current
        stack.extend(getattr(current, "__args__", ()) or ())
    return None


def sensitive_paths(schema, _seen=None):
    """Return a nested dict {field: True | {sub-field...}} of sensitive fields."""
    _seen = _seen or set()
    if schema is None or schema in _seen:
        return {}
    _seen = _seen | {schema}
    result = {}
    for name, field in schema.model_fields.items():
        key = field.alias or name
        if _field_schema_is_sensitive(field):
            result[key] = True
            continue
        nested = _nested_model(field.annotation)
        if nested is not None:
            sub = sensitive_paths(nested, _seen)
            if sub:
                result[key] = sub
    return result


def mask_payload(data, paths):
    """Copy of ``data`` with every sensitive value replaced by ``MASK``."""
    if not paths:
        return data
    if isinstance(data, list):
        return [mask_payload(item, paths) for item in data]
    if not isinstance(data, dict):
        return data
    masked = {}
    for key, value in data.items():
        rule = paths.get(key)
        if rule is True:
            masked[key] = MASK if value not in (None, "") else value
        elif isinstance(rule, dict):
            masked[key] = mask_payload(value, rule)
        else:
            masked[key] = value
    return masked


def sensitive_values(data, paths):
    """The values of ``data`` found at sensitive ``paths``, as text.

    Numbers are listed in the forms a message may print them in ("85.5",
    "85.50"), so that :func:`mask_text` can take them out of error texts.
    """
    found = set()

    def walk(node, rule):
        if rule is True:
            _collect(node, found)
        elif isinstance(rule, dict):
            if isinstance(node, list):
                for item in node:
                    walk(item, rule)
            elif isinstance(node, dict):
                for key, sub in rule.items():
                    if key in node:
                        walk(node[key], sub)

    if paths and data:
        walk(data, paths)
    return found


def _collect(node, found):
    from decimal import Decimal, InvalidOperation

    if node is None or isinstance(node, bool):
        return
    if isinstance(node, dict):
        for value in node.values():
            _collect(value, found)
        return
    if isinstance(node, list):
        for value in node:
            _collect(value, found)
        return
    text = str(node).strip()
    if not text:
        return
    found.add(text)
    try:
        number = Decimal(text)
    except (InvalidOperation, ValueError):
        return
    if number.is_finite():
        found.add(format(number.normalize(), "f"))
        found.add(format(number.quantize(Decimal("0.01")), "f"))


def mask_text(text, values):
    """``text`` with every occurrence of ``values`` replaced by ``MASK``.

    A value is only replaced where it stands on its own (not inside a longer
    word or number), longest first, so "85.5" does not mask "185.50".
    """
    import re

    if not text or not values or not isinstance(text, str):
        return text
    ordered = sorted((v for v in values if v), key=len, reverse=True)
    pattern = re.compile(
        r"(?<![\w.])(?:" + "|".join(re.escape(v) for v in ordered) + r")(?![\w]|\.\d)"
    )
    return pattern.sub(MASK, text)


def mask_details(details, values):
    """Error details ``[{"path", "message"}...]`` with ``values`` masked."""
    if not values or not isinstance(details, list):
        return details
    return [
        {key: mask_text(value, values) for key, value in item.items()}
        if isinstance(item, dict)
        else item
        for item in details
    ]
