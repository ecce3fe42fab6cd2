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


EVENTS = [
    ("timesheet.approved", Approved, "Approved time", (1,)),
    ("anything.goes", None, "", (1, 2)),
]


class TestLibOpenapi(BaseCase):
    def test_document_validates_as_openapi_3_1(self):
        document = build_openapi(EVENTS, version="17.0.1.0.0")
        validate(document)
        assert document["openapi"] == "3.1.0"
        assert document["info"]["version"] == "17.0.1.0.0"
        assert document["x-pss-event-types"] == ["anything.goes", "timesheet.approved"]

    def test_one_schema_per_event_type_and_nested_models(self):
        schemas = build_openapi(EVENTS)["components"]["schemas"]
        event = schemas[event_schema_name("timesheet.approved")]
        assert event["properties"]["type"] == {"const": "timesheet.approved"}
        assert event["properties"]["data"] == {"$ref": "#/components/schemas/Approved"}
        assert event["allOf"] == [{"$ref": "#/components/schemas/Envelope"}]
        assert schemas["Approved"]["properties"]["lines"]["items"] == {
            "$ref": "#/components/schemas/Hours"
        }
        assert schemas["Approved"]["properties"]["iban"]["x-pss-sensitive"] is True
        assert "sensitive" not in schemas["Approved"]["properties"]["iban"]
        untyped = schemas[event_schema_name("anything.goes")]
        assert untyped["properties"]["data"] == {"type": "object"}
        assert untyped["properties"]["schema_version"] == {"enum": [1, 2]}
        mapping = schemas["AnyEvent"]["discriminator"]["mapping"]
        assert set(mapping) == {"timesheet.approved", "anything.goes"}
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
