"""customer.upserted: a customer (company or contact) of the sender."""

from pydantic import Field

from odoo.addons.pss_core.schemas.common import (
    CountryCode,
    CurrencyCode,
    Email,
    ExternalId,
    Name,
    ShortText,
    StrictModel,
    text_type,
)

__all__ = ["Customer", "CustomerUpserted", "Email"]

# Personal and financial values: masked for everyone but pss Managers in the
# console, chatter, logs, error texts and the API's status answers.
SENSITIVE = {"sensitive": True}


class Customer(StrictModel):
    """A customer as the sender knows it.

    Omitted fields are left as they are in Odoo; ``null`` clears them.
    """

    external_id: ExternalId = Field(description="The sender's id of the customer")
    name: Name
    is_company: bool = True
    vat: ShortText | None = Field(
        default=None,
        description="VAT / tax id; the first dedupe key after bindings",
        json_schema_extra=SENSITIVE,
    )
    email: Email | None = Field(default=None, json_schema_extra=SENSITIVE)
    phone: ShortText | None = Field(default=None, json_schema_extra=SENSITIVE)
    street: text_type(256) | None = None
    city: ShortText | None = None
    zip: text_type(24) | None = None
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
