"""Shared field types of the canonical payloads (schema version 1)."""

from datetime import datetime, timezone
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

__all__ = [
    "Amount",
    "CountryCode",
    "CurrencyCode",
    "ExternalId",
    "Rate",
    "StrictModel",
    "UtcDatetime",
]


class StrictModel(BaseModel):
    """Base of every canonical payload: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _max_places(places):
    def check(value: Decimal) -> Decimal:
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > places:
            raise ValueError(f"at most {places} decimal places")
        return value

    return check


# Decimals accepted as JSON numbers or strings ("12.50"); floats are never
# used for money.
Amount = Annotated[
    Decimal,
    Field(allow_inf_nan=False, max_digits=18),
    AfterValidator(_max_places(2)),
]
Rate = Annotated[
    Decimal,
    Field(allow_inf_nan=False, max_digits=18),
    AfterValidator(_max_places(4)),
]
CurrencyCode = Annotated[
    str, StringConstraints(pattern=r"^[A-Z]{3}$", min_length=3, max_length=3)
]
CountryCode = Annotated[
    str, StringConstraints(pattern=r"^[A-Z]{2}$", min_length=2, max_length=2)
]
ExternalId = Annotated[
    str, StringConstraints(min_length=1, max_length=128, strip_whitespace=True)
]


def _naive_utc(value: datetime) -> datetime:
    """An ISO 8601 time as the naive UTC datetime Odoo stores: an offset is
    converted (``09:00+05:30`` is ``03:30``), a time without one is UTC."""
    if value.tzinfo is None:
        return value
    return value.astimezone(timezone.utc).replace(tzinfo=None)


# Every datetime of a payload: normalised at validation, so no handler can
# drop an offset by storing the wall-clock time.
UtcDatetime = Annotated[datetime, AfterValidator(_naive_utc)]
