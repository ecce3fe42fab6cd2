"""Mask the fields a payload schema marks sensitive before showing or logging.

A schema marks a field with ``Field(json_schema_extra={"sensitive": True})``.
"""

MASK = "***"

__all__ = ["MASK", "mask_payload", "sensitive_paths"]


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
