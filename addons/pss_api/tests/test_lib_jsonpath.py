"""JSON paths of field errors, without a database."""

from typing import Literal

import pytest
from pydantic import BaseModel, ConfigDict, ValidationError

from odoo.tests import BaseCase

from odoo.addons.pss_api.lib.jsonpath import join_path, prefix_details, pydantic_details


class Line(BaseModel):
    model_config = ConfigDict(extra="forbid")
    hours: float
    kind: Literal["a", "b"] = "a"


class Sheet(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lines: list[Line]


class TestLibJsonpath(BaseCase):
    def test_join_path(self):
        for prefix, parts, expected in [
            ("", ("data", "lines", 3, "hours"), "data.lines[3].hours"),
            ("events[2]", ("data", "x"), "events[2].data.x"),
            ("events", (2,), "events[2]"),
            ("", (0,), "[0]"),
            ("data", (), "data"),
            ("", ("a", None, "", "b"), "a.b"),
        ]:
            with self.subTest(prefix=prefix, parts=parts, expected=expected):
                assert join_path(prefix, *parts) == expected

    def test_pydantic_errors_become_json_paths(self):
        with pytest.raises(ValidationError) as caught:
            Sheet.model_validate(
                {
                    "lines": [
                        {"hours": 1},
                        {"hours": "x"},
                        {"hours": 2, "kind": "c", "zz": 1},
                    ]
                }
            )
        details = pydantic_details(caught.value, "events[2].data")
        assert [d["path"] for d in details] == [
            "events[2].data.lines[1].hours",
            "events[2].data.lines[2].kind",
            "events[2].data.lines[2].zz",
        ]
        assert details[2]["message"] == "unknown field"
        assert all(d["message"] for d in details)

    def test_prefix_details_of_handler_errors(self):
        details = [
            {"path": "data.lines[3].hours", "message": "too many"},
            {"path": "[1]", "message": "x"},
            {"path": "", "message": "whole event"},
        ]
        assert prefix_details(details, "events[4]") == [
            {"path": "events[4].data.lines[3].hours", "message": "too many"},
            {"path": "events[4][1]", "message": "x"},
            {"path": "events[4]", "message": "whole event"},
        ]
        assert prefix_details(details, "")[0]["path"] == "data.lines[3].hours"

    def test_names_with_control_characters_or_surrogates_are_escaped(self):
        assert join_path("data", "na\x00me") == "data.na\\u0000me"
        assert join_path("", "\udfff", 2) == "\\udfff[2]"
        assert join_path("a", "é ok") == "a.é ok"
