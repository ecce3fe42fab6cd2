"""engagement.won / engagement.amended: a deal won or a statement of work."""

from typing import Literal

from pydantic import ConfigDict, Field, model_validator

from odoo.addons.pss_core.schemas.common import (
    CurrencyCode,
    Day,
    Email,
    ExternalId,
    Name,
    NonNegativeAmount,
    NonNegativeRate,
    PositiveAmount,
    StrictModel,
    Version,
    decimal_type,
    text_type,
)

from .customer import Customer

__all__ = [
    "BILLING_MODELS",
    "BillingModel",
    "EngagementAmended",
    "EngagementWon",
    "MilestoneLine",
    "RateCardLine",
    "Retainer",
]

BILLING_MODELS = ("time_and_materials", "fixed_fee", "milestone", "retainer")
BillingModel = Literal["time_and_materials", "fixed_fee", "milestone", "retainer"]
Role = text_type(64, min_length=1)
Tag = text_type(64, min_length=1)
Hours = decimal_type(2, max_digits=12, ge=0)


class RateCardLine(StrictModel):
    role: Role = Field(description="Role code, e.g. senior_consultant")
    unit_price: NonNegativeRate = Field(
        description="Price per hour, engagement currency"
    )
    hours: Hours | None = Field(
        default=None, description="Estimated hours (ordered quantity), optional"
    )


class MilestoneLine(StrictModel):
    external_id: ExternalId
    name: Name
    amount: NonNegativeAmount
    due_date: Day | None = None


class Retainer(StrictModel):
    amount: PositiveAmount = Field(description="Amount per period")
    period: Literal["month"] = "month"
    hours_cap: Hours | None = Field(
        default=None, description="Hours included per period (stored for billing)"
    )


#: The block each billing model needs (the others stay empty).
BILLING_BLOCKS = {
    "time_and_materials": "rate_card",
    "fixed_fee": "fixed_amount",
    "milestone": "milestones",
    "retainer": "retainer",
}
_LISTS = ("rate_card", "milestones")


def _billing_model_variants():
    """JSON Schema of the rule "each billing model needs its own block and
    no other" (and "a retainer needs start_date"): one variant per model."""
    variants = []
    for model, block in BILLING_BLOCKS.items():
        properties = {"billing_model": {"const": model}}
        for other in BILLING_BLOCKS.values():
            if other == block:
                properties[other] = (
                    {"type": "array", "minItems": 1}
                    if other in _LISTS
                    else {"not": {"type": "null"}}
                )
            elif other in _LISTS:
                properties[other] = {"type": ["array", "null"], "maxItems": 0}
            else:
                properties[other] = {"type": "null"}
        required = ["billing_model", block]
        if model == "retainer":
            properties["start_date"] = {"not": {"type": "null"}}
            required.append("start_date")
        variants.append({"properties": properties, "required": required})
    return variants


def _unique(values, what):
    seen = set()
    for value in values:
        key = value.casefold()
        if key in seen:
            raise ValueError(f"{what} {value!r} is listed twice")
        seen.add(key)


class _EngagementFields(StrictModel):
    """Fields shared by engagement.won and engagement.amended."""

    external_id: ExternalId = Field(description="The sender's id of the engagement")
    version: Version = Field(
        default=1, description="Increases with every change of the engagement"
    )
    start_date: Day | None = None
    end_date: Day | None = Field(
        default=None,
        description="On or after start_date (not expressible in "
        "JSON Schema; refused with 422 otherwise)",
    )
    budget_hours: Hours | None = None
    rate_card: list[RateCardLine] | None = Field(
        default=None,
        max_length=200,
        description="One line per role: roles are unique, compared without case",
    )
    fixed_amount: NonNegativeAmount | None = None
    milestones: list[MilestoneLine] | None = Field(
        default=None,
        max_length=500,
        description="External ids are unique, compared without case",
    )
    retainer: Retainer | None = None
    project_manager_email: Email | None = None
    practice: text_type(64) | None = Field(
        default=None, description="Service line / practice"
    )
    tags: list[Tag] | None = Field(default=None, max_length=50)

    @model_validator(mode="after")
    def _check_consistency(self):
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValueError("end_date is before start_date")
        _unique([line.role for line in self.rate_card or ()], "role")
        _unique([m.external_id for m in self.milestones or ()], "milestone")
        return self


class EngagementWon(_EngagementFields):
    """Payload of ``engagement.won``: the whole engagement.

    Each billing model needs its own block and no other: ``rate_card`` (time
    and materials), ``fixed_amount`` (fixed fee), ``milestones``, ``retainer``
    (with ``start_date``). The JSON schema says so with one variant per model.
    """

    model_config = ConfigDict(json_schema_extra={"oneOf": _billing_model_variants()})

    name: Name
    customer: ExternalId | Customer = Field(
        description="External id of a known customer, or the customer inline"
    )
    billing_model: BillingModel
    currency: CurrencyCode | None = Field(
        default=None, description="Defaults to the entity's currency"
    )

    @model_validator(mode="after")
    def _check_billing_model(self):
        model = self.billing_model
        needs = {
            "time_and_materials": ("rate_card", bool(self.rate_card)),
            "fixed_fee": ("fixed_amount", self.fixed_amount is not None),
            "milestone": ("milestones", bool(self.milestones)),
            "retainer": ("retainer", self.retainer is not None),
        }
        field, present = needs[model]
        if not present:
            raise ValueError(f"billing_model {model} needs {field}")
        for other, (other_field, other_present) in needs.items():
            if other != model and other_present:
                raise ValueError(
                    f"{other_field} is for billing_model {other}, not {model}"
                )
        if model == "retainer" and not self.start_date:
            raise ValueError("billing_model retainer needs start_date")
        return self


class EngagementAmended(_EngagementFields):
    """Payload of ``engagement.amended``: a newer version, only what changed.

    Omitted fields keep their value. ``rate_card`` lists the roles whose rate
    changes (or new roles) and applies from ``effective_date`` (default: the
    day it is applied); time booked before that date keeps the old rate.
    ``milestones`` adds or updates milestones by external id.
    """

    version: Version = Field(description="Must be newer than the applied version")
    effective_date: Day | None = Field(
        default=None,
        description="First day the new rates / retainer amount apply",
    )
    name: Name | None = None
    customer: ExternalId | Customer | None = None
    billing_model: BillingModel | None = None
    currency: CurrencyCode | None = None
