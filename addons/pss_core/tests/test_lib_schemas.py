"""Envelope, shared field types and sensitive masking, without a database."""

import re
from decimal import Decimal

import pytest
from pydantic import Field, ValidationError

from odoo.tests import BaseCase

from odoo.addons.pss_core.lib.masking import (
    MASK,
    mask_details,
    mask_payload,
    mask_text,
    sensitive_paths,
    sensitive_values,
)
from odoo.addons.pss_core.schemas import Envelope
from odoo.addons.pss_core.schemas.common import (
    Amount,
    CurrencyCode,
    Day,
    Name,
    Rate,
    StrictModel,
    Text,
    Timestamp,
    Version,
    text_problem,
)

ENVELOPE = {
    "id": "evt_1",
    "type": "timesheet.approved",
    "schema_version": 1,
    "occurred_at": "2026-11-20T10:00:00Z",
    "entity": "US01",
    "data": {"lines": []},
}


class Money(StrictModel):
    amount: Amount
    rate: Rate = Decimal(0)
    currency: CurrencyCode = "EUR"


class Card(StrictModel):
    holder: str
    number: str = Field(json_schema_extra={"sensitive": True})


class Person(StrictModel):
    name: str
    iban: str | None = Field(default=None, json_schema_extra={"sensitive": True})
    cards: list[Card] = []


class Texts(StrictModel):
    name: Name
    note: Text | None = None
    version: Version = 1
    day: Day | None = None
    at: Timestamp | None = None


class TestLibSchemas(BaseCase):
    def test_envelope_accepts_the_contract_example(self):
        envelope = Envelope.model_validate(ENVELOPE)
        assert envelope.entity == "US01"
        assert envelope.occurred_at.utcoffset().total_seconds() == 0

    def test_envelope_rejects(self):
        for change, field in [
            ({"extra": 1}, "extra"),
            ({"type": "Timesheet Approved"}, "type"),
            ({"occurred_at": "2026-11-20T10:00:00"}, "occurred_at"),
            ({"schema_version": 0}, "schema_version"),
            ({"id": ""}, "id"),
        ]:
            with self.subTest(change=change, field=field):
                with pytest.raises(ValidationError) as info:
                    Envelope.model_validate({**ENVELOPE, **change})
                assert field in {str(e["loc"][0]) for e in info.value.errors()}

    def test_amounts_keep_two_places_and_rates_four(self):
        assert Money(amount="12.50", rate="1.2345").amount == Decimal("12.50")
        with pytest.raises(ValidationError):
            Money(amount="12.505")
        with pytest.raises(ValidationError):
            Money(amount="1", rate="1.23456")
        with pytest.raises(ValidationError):
            Money(amount="NaN")
        with pytest.raises(ValidationError):
            Money(amount="1", currency="eur")

    def test_masking_follows_nested_schemas(self):
        paths = sensitive_paths(Person)
        assert paths == {"iban": True, "cards": {"number": True}}
        data = {
            "name": "Ada",
            "iban": "DE89370400440532013000",
            "cards": [{"holder": "Ada", "number": "4111"}],
        }
        masked = mask_payload(data, paths)
        assert masked == {
            "name": "Ada",
            "iban": MASK,
            "cards": [{"holder": "Ada", "number": MASK}],
        }
        assert data["iban"].startswith("DE")  # the original is untouched

    def test_sensitive_values_are_taken_out_of_texts(self):
        paths = sensitive_paths(Person)
        data = {
            "name": "Ada",
            "iban": "DE89370400440532013000",
            "cards": [
                {"holder": "Ada", "number": "4111"},
                {"holder": "Bo", "number": 85.5},
            ],
        }
        values = sensitive_values(data, paths)
        assert values == {"DE89370400440532013000", "4111", "85.5", "85.50", "4111.00"}
        text = (
            "iban DE89370400440532013000 refused; card 4111, cost 85.50; "
            "185.5 and 41110"
        )
        assert mask_text(text, values) == (
            "iban *** refused; card ***, cost ***; 185.5 and 41110"
        )
        assert mask_details([{"path": "data.iban", "message": "4111?"}], values) == [
            {"path": "data.iban", "message": "***?"}
        ]
        assert mask_text("nothing to hide", set()) == "nothing to hide"
        assert sensitive_values({"name": "Ada", "iban": None}, paths) == set()

    def test_shared_types_refuse_what_the_database_cannot_hold(self):
        for values, field in [
            ({"name": "a\x00b"}, "name"),
            ({"name": "n", "note": "\x00"}, "note"),
            ({"name": "n", "note": "x\ud800"}, "note"),
            ({"name": "   "}, "name"),
            ({"name": "n", "version": 2**31}, "version"),
            ({"name": "n", "version": 10**30}, "version"),
            ({"name": "n", "day": "0001-01-01"}, "day"),
            ({"name": "n", "day": "9999-12-31"}, "day"),
            ({"name": "n", "at": "9999-12-31T23:00:00-05:00"}, "at"),
            ({"name": "n", "at": "1000-01-01T00:30:00+01:00"}, "at"),
        ]:
            with self.subTest(values=values, field=field):
                with pytest.raises(ValidationError) as info:
                    Texts.model_validate(values)
                assert [e["loc"][0] for e in info.value.errors()] == [field]

    def test_shared_types_accept_their_range(self):
        value = Texts.model_validate(
            {
                "name": " Ada ",
                "note": "",
                "version": 2**31 - 1,
                "day": "9998-12-31",
                "at": "2026-11-20T10:00:00+01:00",
            }
        )
        assert value.name == "Ada" and value.version == 2**31 - 1
        assert text_problem("fine é ✓") is None
        assert "NUL" in text_problem("a\x00")

    def test_schema_of_a_text_says_what_it_refuses(self):
        schema = Texts.model_json_schema()["properties"]
        assert schema["name"]["minLength"] == 1
        assert re.fullmatch(schema["name"]["pattern"], "Ada")
        # Lone surrogates are refused by validation; the description says so.
        for bad in ("   ", "a\x00", " \x00 "):
            assert not re.search(schema["name"]["pattern"], bad)
        assert "surrogate" in schema["name"]["description"]
        assert schema["version"]["maximum"] == 2**31 - 1

    def test_amount_schema_and_validation_agree(self):
        for value, ok in [
            ("12.50", True),
            ("-0.01", True),
            ("9999999999999999.99", True),
            ("12.505", False),
            ("99999999999999999", False),
            (12, True),
            (10**16, False),
        ]:
            with self.subTest(value=value, ok=ok):
                schema = Money.model_json_schema()["properties"]["amount"]["anyOf"]
                text, number = schema
                if isinstance(value, str):
                    assert bool(re.fullmatch(text["pattern"], value)) is ok
                else:
                    assert (value < number["exclusiveMaximum"]) is ok
                if ok:
                    Money(amount=value)
                else:
                    with pytest.raises(ValidationError):
                        Money(amount=value)
