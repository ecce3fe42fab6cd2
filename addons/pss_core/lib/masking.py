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
    "transform_sensitive",
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


def transform_sensitive(data, paths, leaf):
    """Copy of ``data`` with ``leaf(value)`` at every sensitive path.

    Without recursion: a payload nested a thousand lists deep (as a sender
    may post) is walked like any other. The copy shares nothing mutable with
    ``data`` along the sensitive paths (other branches are shared)."""
    if not paths or not isinstance(data, dict | list):
        return data
    root = [None]
    stack = [(data, paths, root, 0)]
    while stack:
        node, rule, parent, slot = stack.pop()
        if isinstance(node, list):
            copy = [None] * len(node)
            parent[slot] = copy
            stack.extend((item, rule, copy, index) for index, item in enumerate(node))
        elif isinstance(node, dict):
            copy = dict(node)
            parent[slot] = copy
            for key, sub in rule.items():
                if key not in node:
                    continue
                if sub is True:
                    copy[key] = leaf(node[key])
                elif isinstance(sub, dict):
                    stack.append((node[key], sub, copy, key))
        else:
            parent[slot] = node
    return root[0]


def mask_payload(data, paths):
    """Copy of ``data`` with every sensitive value replaced by ``MASK``."""
    return transform_sensitive(
        data, paths, lambda value: MASK if value not in (None, "") else value
    )


def sensitive_values(data, paths):
    """The values of ``data`` found at sensitive ``paths``, as text.

    Numbers are listed in the forms a message may print them in ("85.5",
    "85.50"), so that :func:`mask_text` can take them out of error texts.
    """
    found = set()

    def walk(node, rule):
        stack = [(node, rule)]
        while stack:
            node, rule = stack.pop()
            if rule is True:
                _collect(node, found)
            elif isinstance(node, list):
                stack.extend((item, rule) for item in node)
            elif isinstance(node, dict):
                stack.extend(
                    (node[key], sub) for key, sub in rule.items() if key in node
                )

    if paths and data:
        walk(data, paths)
    return found


def _collect(node, found):
    """Every scalar under ``node``, as text (without recursion)."""
    from decimal import Decimal, InvalidOperation

    stack = [node]
    while stack:
        node = stack.pop()
        if node is None or isinstance(node, bool):
            continue
        if isinstance(node, dict):
            stack.extend(node.values())
            continue
        if isinstance(node, list):
            stack.extend(node)
            continue
        text = str(node).strip()
        if not text:
            continue
        found.add(text)
        try:
            number = Decimal(text)
        except (InvalidOperation, ValueError):
            continue
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
