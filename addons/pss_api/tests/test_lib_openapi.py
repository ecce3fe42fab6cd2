"""OpenAPI 3.1 document built from pydantic schemas, without a database."""

from decimal import Decimal

from openapi_spec_validator import validate
from pydantic import BaseModel, ConfigDict, Field

from odoo.tests import BaseCase

from odoo.addons.pss_api.lib.openapi import build_openapi, event_schema_name


class Hours(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date: str
    hours: Decimal


class Approved(BaseModel):
    model_config = ConfigDict(extra="forbid")
    employee: str
    iban: str | None = Field(default=None, json_schema_extra={"sensitive": True})
    lines: list[Hours]


class Plan(BaseModel):
    """Each kind needs its own block, as engagement.won's billing models."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "oneOf": [
                {
                    "properties": {
                        "kind": {"const": "fixed"},
                        "amount": {"not": {"type": "null"}},
                    },
                    "required": ["kind", "amount"],
                },
                {
                    "properties": {
                        "kind": {"const": "hourly"},
                        "amount": {"type": "null"},
                        "rates": {"minItems": 1, "type": "array"},
                    },
                    "required": ["kind", "rates"],
                },
            ]
        },
    )
    kind: str
    amount: Decimal | None = None
    rates: list[Decimal] | None = None


EVENTS = [
    ("timesheet.approved", Approved, "Approved time", (1,)),
    ("anything.goes", None, "", (1, 2)),
    ("plan.chosen", Plan, "", (1,)),
]


class TestLibOpenapi(BaseCase):
    def test_document_validates_as_openapi_3_1(self):
        document = build_openapi(EVENTS, version="17.0.1.0.0")
        validate(document)
        assert document["openapi"] == "3.1.0"
        assert document["info"]["version"] == "17.0.1.0.0"
        assert document["x-pss-event-types"] == [
            "anything.goes",
            "plan.chosen",
            "timesheet.approved",
        ]

    def test_one_schema_per_event_type_and_nested_models(self):
        schemas = build_openapi(EVENTS)["components"]["schemas"]
        event = schemas[event_schema_name("timesheet.approved")]
        assert event["properties"]["type"] == {"const": "timesheet.approved"}
        assert event["properties"]["data"] == {"$ref": "#/components/schemas/Approved"}
        # Self-contained: the envelope's members, no allOf of the envelope
        # (whose untyped ``data`` made generators emit one "EnvelopeData"
        # model per event type and drop all but the first).
        assert "allOf" not in event
        envelope = schemas["Envelope"]
        assert set(event["properties"]) == set(envelope["properties"])
        assert event["required"] == envelope["required"]
        assert event["additionalProperties"] is False
        assert event["properties"]["entity"] == envelope["properties"]["entity"]
        assert schemas["Approved"]["properties"]["lines"]["items"] == {
            "$ref": "#/components/schemas/Hours"
        }
        assert schemas["Approved"]["properties"]["iban"]["x-pss-sensitive"] is True
        assert "sensitive" not in schemas["Approved"]["properties"]["iban"]
        untyped = schemas[event_schema_name("anything.goes")]
        assert untyped["properties"]["data"] == {
            "$ref": "#/components/schemas/Event_anything_goes_data"
        }
        assert schemas["Event_anything_goes_data"]["type"] == "object"
        assert untyped["properties"]["schema_version"] == {"enum": [1, 2]}
        mapping = schemas["AnyEvent"]["discriminator"]["mapping"]
        assert set(mapping) == {"timesheet.approved", "anything.goes", "plan.chosen"}
        assert schemas["EventBatch"]["properties"]["events"]["maxItems"] == 500

    def test_every_error_of_every_route_is_a_problem_document(self):
        document = build_openapi(EVENTS)
        responses = document["components"]["responses"]
        for path, item in document["paths"].items():
            for operation in item.values():
                for status, response in operation["responses"].items():
                    if status.startswith(("4", "5")) and "$ref" in response:
                        name = response["$ref"].rsplit("/", 1)[1]
                        assert (
                            "application/problem+json" in responses[name]["content"]
                        ), (
                            path,
                            status,
                        )
        assert event_schema_name("a.b-c") == "Event_a_b_c"

    def test_security_schemes_and_requirements(self):
        document = build_openapi([])
        validate(document)
        schemes = document["components"]["securitySchemes"]
        assert schemes["bearerAuth"] == {
            "type": "http",
            "scheme": "bearer",
            "description": schemes["bearerAuth"]["description"],
        }
        assert schemes["signature"]["in"] == "header"
        post = document["paths"]["/pss/v1/{system}/events"]["post"]
        assert post["security"] == [{"bearerAuth": [], "signature": []}]
        assert document["paths"]["/pss/v1/health"]["get"]["security"] == []

    def test_variants_told_apart_by_a_constant_are_conditionals(self):
        """An object's oneOf of variants (one per value of a member) is the
        equivalent if/then/else chain: the same documents validate, and
        client generators keep the object as one model."""
        import jsonschema

        document = build_openapi(EVENTS)
        validate(document)
        schemas = document["components"]["schemas"]
        plan = schemas["Plan"]
        assert "oneOf" not in plan
        assert plan["if"] == {
            "properties": {"kind": {"const": "fixed"}},
            "required": ["kind"],
        }
        assert plan["then"]["required"] == ["kind", "amount"]
        assert plan["else"]["required"] == ["kind", "rates"]
        validator = jsonschema.Draft202012Validator(plan)
        assert validator.is_valid({"kind": "fixed", "amount": "10.00"})
        assert not validator.is_valid({"kind": "fixed"})
        assert validator.is_valid({"kind": "hourly", "rates": ["90"]})
        assert not validator.is_valid({"kind": "hourly", "amount": 5, "rates": [1]})
        assert not validator.is_valid({"kind": "hourly"})

    def test_every_schema_has_its_own_name(self):
        """No two schemas a generator turns into models share a title."""
        schemas = build_openapi(EVENTS)["components"]["schemas"]
        titles = [s["title"] for s in schemas.values() if "title" in s]
        assert len(titles) == len(set(titles)), titles
        for name, schema in schemas.items():
            if name.startswith("Event_") and not name.endswith("_data"):
                assert schema["title"] == name
