"""Shared field types of the canonical payloads (schema version 1).

Every string of a payload is one of the text types below, every integer a
:data:`Count` or :data:`Version`, every decimal an :func:`decimal_type`: each
refuses what PostgreSQL cannot store or an Odoo column cannot hold (a NUL
character, a lone surrogate, an integer past 32 bits, a date before year
1000) with a field error, and describes in its JSON schema exactly what it
accepts, so that a document valid against the served OpenAPI schema is
accepted by the server.
"""

import re
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Annotated

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
)

__all__ = [
    "MAX_INT",
    "TEXT_PATTERN",
    "Amount",
    "Count",
    "CountryCode",
    "CurrencyCode",
    "DateTime",
    "Day",
    "Email",
    "ExternalId",
    "Name",
    "NonNegativeAmount",
    "NonNegativeRate",
    "PositiveAmount",
    "Rate",
    "ShortText",
    "StrictModel",
    "Text",
    "Timestamp",
    "UtcDatetime",
    "Version",
    "decimal_type",
    "text_problem",
    "text_type",
]

#: Largest value of a PostgreSQL ``integer`` column (Odoo's fields.Integer).
MAX_INT = 2**31 - 1
#: Any text without NUL (PostgreSQL text cannot hold it). Lone surrogates
#: (``\ud800``-``\udfff`` escapes, no Unicode character) are refused too: no
#: JSON Schema pattern can say so portably, the description does.
TEXT_PATTERN = r"^[^\x00]*$"
#: The same with at least one character that is not white space (the server
#: strips surrounding white space before checking a minimum length).
NON_BLANK_PATTERN = r"^[^\x00]*[^\s\x00][^\x00]*$"
TEXT_DESCRIPTION = (
    "Text without NUL characters or lone surrogates; surrounding white space "
    "is stripped."
)
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def text_problem(value):
    """Why ``value`` (a str) cannot be stored, or None when it can."""
    match = _UNSTORABLE.search(value)
    if not match:
        return None
    if match.group() == "\x00":
        return "a NUL character (\\u0000) cannot be stored"
    return (
        f"a lone surrogate (\\u{ord(match.group()):04x}) is not a Unicode "
        "character and cannot be stored"
    )


def _storable(value: str) -> str:
    problem = text_problem(value)
    if problem:
        raise ValueError(problem)
    return value


class StrictModel(BaseModel):
    """Base of every canonical payload: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def text_type(max_length=None, min_length=0, pattern=None, description=None):
    """A string type that PostgreSQL can store.

    ``min_length`` counts after surrounding white space is stripped; the
    JSON schema then also asks for one character that is not white space.
    ``pattern`` (a regular expression without NUL) replaces the schema's
    pattern and is enforced as well.
    """
    constraints = StringConstraints(
        min_length=min_length or None,
        max_length=max_length,
        pattern=pattern,
        strip_whitespace=True,
    )
    schema_pattern = pattern or (NON_BLANK_PATTERN if min_length else TEXT_PATTERN)
    extra = {"pattern": schema_pattern, "description": description or TEXT_DESCRIPTION}
    return Annotated[
        str, constraints, AfterValidator(_storable), Field(json_schema_extra=extra)
    ]


#: Free text (descriptions, reasons), at most 2,000 characters.
Text = text_type(2000)
#: A short label or code (phone, VAT, city), possibly empty.
ShortText = text_type(128)
#: A name: 1 to 256 characters, not blank.
Name = text_type(256, min_length=1)
ExternalId = text_type(128, min_length=1)
Email = text_type(254, pattern=r"^[^@\s\x00]+@[^@\s\x00]+\.[^@\s\x00]+$")
CurrencyCode = text_type(3, pattern=r"^[A-Z]{3}$")
CountryCode = text_type(2, pattern=r"^[A-Z]{2}$")

#: A version number of an external record: 1 .. 2**31 - 1.
Version = Annotated[int, Field(ge=1, le=MAX_INT)]
#: A count or an Odoo id: 0 .. 2**31 - 1.
Count = Annotated[int, Field(ge=0, le=MAX_INT)]


def _max_places(places):
    def check(value: Decimal) -> Decimal:
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > places:
            raise ValueError(f"at most {places} decimal places")
        return value

    return check


def _decimal_schema(places, max_digits, ge=None, gt=None):
    """JSON schema of a decimal: a string of plain digits, or a whole number.

    A JSON number with a fraction is accepted as well when it has at most
    ``places`` decimal places as written by the float's shortest form; the
    schema does not offer it, as ``multipleOf`` on binary floats is fuzzy
    (1.3900000000000001 "is" a multiple of 0.01 for float division).
    """
    integer_digits = max_digits - places
    upper = 10**integer_digits
    number = {"type": "integer", "exclusiveMaximum": upper}
    negative = ge is None and gt is None
    if negative:
        number["exclusiveMinimum"] = -upper
    elif gt is not None:
        number["exclusiveMinimum"] = gt
    else:
        number["minimum"] = ge
    digits = rf"(0|[1-9][0-9]{{0,{integer_digits - 1}}})(\.[0-9]{{1,{places}}})?"
    if negative:
        pattern = rf"^-?{digits}$"
    elif gt is not None:
        # Not zero: at least one digit 1-9 somewhere.
        pattern = rf"^(?=[0-9.]*[1-9]){digits}$"
    else:
        pattern = rf"^{digits}$"
    return {
        "anyOf": [{"type": "string", "pattern": pattern}, number],
        "description": f"Decimal with at most {places} decimal places and "
        f"{integer_digits} digits before the point, best as a string "
        "('12.50'); a JSON number is read through its shortest decimal form.",
    }


def decimal_type(places, max_digits=18, ge=None, gt=None):
    """A decimal with at most ``places`` decimal places and ``max_digits``
    digits, given as a JSON number or a string (floats are never used for
    money). Its JSON schema says the same."""
    bounds = {}
    if ge is not None:
        bounds["ge"] = ge
    if gt is not None:
        bounds["gt"] = gt
    return Annotated[
        Decimal,
        Field(
            allow_inf_nan=False,
            max_digits=max_digits,
            decimal_places=places,
            **bounds,
        ),
        AfterValidator(_max_places(places)),
        WithJsonSchema(_decimal_schema(places, max_digits, ge=ge, gt=gt)),
    ]


# Decimals accepted as JSON numbers or strings ("12.50").
Amount = decimal_type(2)
NonNegativeAmount = decimal_type(2, ge=0)
PositiveAmount = decimal_type(2, gt=0)
Rate = decimal_type(4)
NonNegativeRate = decimal_type(4, ge=0)

#: Years a business date may have: Odoo and PostgreSQL hold them, and their
#: conversion to UTC cannot leave the range Python's datetime knows.
MIN_DATE = date(1000, 1, 1)
MAX_DATE = date(9998, 12, 31)
_YEAR_PATTERN = r"^(?!9999)[1-9][0-9]{3}-"


def _check_day(value: date) -> date:
    if not MIN_DATE <= value <= MAX_DATE:
        raise ValueError(f"the date must lie between {MIN_DATE} and {MAX_DATE}")
    return value


def _check_moment(value: datetime) -> datetime:
    # The local date first: converting year 9999 to UTC could overflow.
    _check_day(value.date())
    if value.tzinfo:
        _check_day(value.astimezone(timezone.utc).date())
    return value


#: An ISO 8601 date (YYYY-MM-DD) between the years 1000 and 9998.
Day = Annotated[
    date,
    AfterValidator(_check_day),
    WithJsonSchema({"type": "string", "format": "date", "pattern": _YEAR_PATTERN}),
]
_DATE_TIME_SCHEMA = {
    "type": "string",
    "format": "date-time",
    "pattern": _YEAR_PATTERN,
}
#: An ISO 8601 date and time with a UTC offset (RFC 3339).
Timestamp = Annotated[
    AwareDatetime,
    AfterValidator(_check_moment),
    WithJsonSchema(_DATE_TIME_SCHEMA),
]


def _naive_utc(value: datetime) -> datetime:
    """An ISO 8601 time as the naive UTC datetime Odoo stores: an offset is
    converted (``09:00+05:30`` is ``03:30``), a time without one is UTC."""
    if value.tzinfo is None:
        return value
    return value.astimezone(timezone.utc).replace(tzinfo=None)


#: A date and time, with a UTC offset (converted to UTC) or without one
#: (read as UTC), as the naive UTC datetime Odoo stores: normalised at
#: validation, so no handler can drop an offset by storing the wall-clock
#: time. The schema asks for the offset.
UtcDatetime = Annotated[
    datetime,
    AfterValidator(_check_moment),
    AfterValidator(_naive_utc),
    WithJsonSchema(_DATE_TIME_SCHEMA),
]
#: Every datetime of a payload (the same type under its older name).
DateTime = UtcDatetime
