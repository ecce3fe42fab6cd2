"""Envelope, shared field types and sensitive masking, without a database."""

from decimal import Decimal

import pytest
from pydantic import Field, ValidationError

from odoo.addons.pss_core.lib.masking import (
    MASK,
    mask_details,
    mask_payload,
    mask_text,
    sensitive_paths,
    sensitive_values,
)
from odoo.addons.pss_core.schemas import Envelope
from odoo.addons.pss_core.schemas.common import Amount, CurrencyCode, Rate, StrictModel

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


def test_envelope_accepts_the_contract_example():
    envelope = Envelope.model_validate(ENVELOPE)
    assert envelope.entity == "US01"
    assert envelope.occurred_at.utcoffset().total_seconds() == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"extra": 1}, "extra"),
        ({"type": "Timesheet Approved"}, "type"),
        ({"occurred_at": "2026-11-20T10:00:00"}, "occurred_at"),
        ({"schema_version": 0}, "schema_version"),
        ({"id": ""}, "id"),
    ],
)
def test_envelope_rejects(change, field):
    with pytest.raises(ValidationError) as info:
        Envelope.model_validate({**ENVELOPE, **change})
    assert field in {str(e["loc"][0]) for e in info.value.errors()}


def test_amounts_keep_two_places_and_rates_four():
    assert Money(amount="12.50", rate="1.2345").amount == Decimal("12.50")
    with pytest.raises(ValidationError):
        Money(amount="12.505")
    with pytest.raises(ValidationError):
        Money(amount="1", rate="1.23456")
    with pytest.raises(ValidationError):
        Money(amount="NaN")
    with pytest.raises(ValidationError):
        Money(amount="1", currency="eur")


class Card(StrictModel):
    holder: str
    number: str = Field(json_schema_extra={"sensitive": True})


class Person(StrictModel):
    name: str
    iban: str | None = Field(default=None, json_schema_extra={"sensitive": True})
    cards: list[Card] = []


def test_masking_follows_nested_schemas():
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


def test_sensitive_values_are_taken_out_of_texts():
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
    text = "iban DE89370400440532013000 refused; card 4111, cost 85.50; 185.5 and 41110"
    assert mask_text(text, values) == (
        "iban *** refused; card ***, cost ***; 185.5 and 41110"
    )
    assert mask_details([{"path": "data.iban", "message": "4111?"}], values) == [
        {"path": "data.iban", "message": "***?"}
    ]
    assert mask_text("nothing to hide", set()) == "nothing to hide"
    assert sensitive_values({"name": "Ada", "iban": None}, paths) == set()
