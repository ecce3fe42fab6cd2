"""Every payload schema describes what the server enforces (issue 8).

Plain Python over the pydantic models of every addon: each string of a
payload has a pattern (no NUL, no lone surrogate; a name also not blank),
each integer an upper bound (an Odoo column's for ids and versions), each
decimal its digits.
A field declared with a bare ``str``/``int``/``Decimal`` fails here.
"""

import pytest

from odoo.addons.pss_core.schemas import Envelope
from odoo.addons.pss_core.schemas.common import MAX_INT
from odoo.addons.pss_project import schemas as project_schemas
from odoo.addons.pss_timesheet import schemas as timesheet_schemas

MODELS = [
    Envelope,
    project_schemas.CustomerUpserted,
    project_schemas.EngagementWon,
    project_schemas.EngagementAmended,
    project_schemas.MilestoneReached,
    project_schemas.ProjectCreated,
    timesheet_schemas.ResourceUpserted,
    timesheet_schemas.TimesheetApproved,
    timesheet_schemas.TimesheetVoided,
    timesheet_schemas.TimesheetRejected,
    timesheet_schemas.ExpenseApproved,
]


def loose_leaves(node, path="$"):
    """Paths of string / integer / number schemas that bound nothing."""
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from loose_leaves(item, f"{path}[{index}]")
        return
    if not isinstance(node, dict):
        return
    kind = node.get("type")
    if "enum" in node or "const" in node:
        return
    if kind == "string" and "pattern" not in node:
        yield f"{path}: string without pattern"
    if kind == "integer" and "maximum" not in node and "exclusiveMaximum" not in node:
        yield f"{path}: integer without a maximum"
    if kind == "integer" and node.get("maximum", 0) > MAX_INT:
        yield f"{path}: integer past what an Odoo column holds"
    if kind == "number" and "exclusiveMaximum" not in node and "maximum" not in node:
        yield f"{path}: number without a maximum"
    for key, value in node.items():
        if key in ("properties", "$defs"):
            for name, child in value.items():
                yield from loose_leaves(child, f"{path}.{name}")
        elif key in ("items", "anyOf", "oneOf", "allOf", "additionalProperties"):
            yield from loose_leaves(value, f"{path}.{key}")


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_every_leaf_of_every_payload_is_bounded(model):
    schema = model.model_json_schema()
    schema["properties"].pop("data", None)  # the envelope's data: per type
    assert list(loose_leaves(schema)) == []
