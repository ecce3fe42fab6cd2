"""customer.upserted: a customer (company or contact) of the sender."""

from typing import Annotated

from pydantic import Field, StringConstraints

from odoo.addons.pss_core.schemas.common import (
    CountryCode,
    CurrencyCode,
    ExternalId,
    StrictModel,
)

__all__ = ["Customer", "CustomerUpserted", "Email"]

Email = Annotated[
    str,
    StringConstraints(
        pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254, strip_whitespace=True
    ),
]
ShortText = Annotated[str, StringConstraints(max_length=128, strip_whitespace=True)]
# Personal and financial values: masked for everyone but pss Managers in the
# console, chatter, logs, error texts and the API's status answers.
SENSITIVE = {"sensitive": True}


class Customer(StrictModel):
    """A customer as the sender knows it.

    Omitted fields are left as they are in Odoo; ``null`` clears them.
    """

    external_id: ExternalId = Field(description="The sender's id of the customer")
    name: str = Field(min_length=1, max_length=256)
    is_company: bool = True
    vat: ShortText | None = Field(
        default=None,
        description="VAT / tax id; the first dedupe key after bindings",
        json_schema_extra=SENSITIVE,
    )
    email: Email | None = Field(default=None, json_schema_extra=SENSITIVE)
    phone: ShortText | None = Field(default=None, json_schema_extra=SENSITIVE)
    street: str | None = Field(default=None, max_length=256)
    city: ShortText | None = None
    zip: Annotated[str, StringConstraints(max_length=24)] | None = None
    country: CountryCode | None = Field(default=None, description="ISO 3166-1 alpha-2")
    currency: CurrencyCode | None = Field(
        default=None,
        description="Invoicing currency: sets the customer's pricelist in the entity",
    )
    payment_terms: ShortText | None = Field(
        default=None,
        description="Sender's payment term code, translated by the value map "
        "kind 'payment_term'",
    )
    parent_external_id: ExternalId | None = Field(
        default=None, description="External id of the company this contact belongs to"
    )


class CustomerUpserted(Customer):
    """Payload of ``customer.upserted``."""
