"""Payload schemas of pss_project, without a database."""

from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from odoo.tests import BaseCase

from odoo.addons.pss_project.schemas import (
    Customer,
    CustomerUpserted,
    EngagementAmended,
    EngagementWon,
    MilestoneReached,
    ProjectCreated,
)

CUSTOMER = {
    "external_id": "C-1",
    "name": "Acme GmbH",
    "is_company": True,
    "vat": "DE123456789",
    "email": "ap@acme.example",
    "phone": "+49 30 1234",
    "street": "Hauptstr. 1",
    "city": "Berlin",
    "zip": "10115",
    "country": "DE",
    "currency": "EUR",
    "payment_terms": "NET30",
    "parent_external_id": None,
}


def won(**values):
    data = {
        "external_id": "ENG-1",
        "version": 1,
        "name": "Data platform",
        "customer": "C-1",
        "billing_model": "time_and_materials",
        "currency": "EUR",
        "start_date": "2026-03-01",
        "end_date": "2026-12-31",
        "budget_hours": "400",
        "rate_card": [{"role": "consultant", "unit_price": "150.00"}],
        "project_manager_email": "pm@example.com",
        "practice": "Data",
        "tags": ["SAP"],
    }
    data.update(values)
    return data


def paths(exc_info):
    return {".".join(str(p) for p in error["loc"]) for error in exc_info.value.errors()}


class TestSchemas(BaseCase):
    def test_customer_accepts_the_full_payload(self):
        customer = CustomerUpserted.model_validate(CUSTOMER)
        assert customer.country == "DE"
        assert customer.model_fields_set == set(CUSTOMER)

    def test_customer_refuses_unknown_fields_and_bad_codes(self):
        with pytest.raises(ValidationError) as exc_info:
            CustomerUpserted.model_validate(
                dict(
                    CUSTOMER, country="Germany", currency="eur", email="nope", colour=1
                )
            )
        assert paths(exc_info) == {"country", "currency", "email", "colour"}

    def test_customer_only_needs_an_id_and_a_name(self):
        customer = CustomerUpserted.model_validate({"external_id": "C-2", "name": "X"})
        assert customer.model_fields_set == {"external_id", "name"}
        assert customer.is_company is True

    def test_engagement_won_with_an_inline_customer(self):
        data = EngagementWon.model_validate(won(customer=CUSTOMER))
        assert isinstance(data.customer, Customer)
        assert data.rate_card[0].unit_price == Decimal("150.00")
        assert data.start_date == date(2026, 3, 1)
        assert EngagementWon.model_validate(won()).customer == "C-1"

    def test_each_billing_model_with_its_terms(self):
        for billing_model, values in [
            ("time_and_materials", {}),
            ("fixed_fee", {"rate_card": None, "fixed_amount": "48000.00"}),
            (
                "milestone",
                {
                    "rate_card": None,
                    "milestones": [
                        {"external_id": "M1", "name": "Go-live", "amount": "1000"}
                    ],
                },
            ),
            (
                "retainer",
                {"rate_card": None, "retainer": {"amount": "5000", "hours_cap": "40"}},
            ),
        ]:
            with self.subTest(billing_model=billing_model, values=values):
                data = EngagementWon.model_validate(
                    won(billing_model=billing_model, **values)
                )
                assert data.billing_model == billing_model

    def test_engagement_won_refuses_inconsistent_terms(self):
        for values, message in [
            ({"rate_card": None}, "needs rate_card"),
            ({"fixed_amount": "10"}, "fixed_amount is for billing_model fixed_fee"),
            (
                {
                    "billing_model": "retainer",
                    "rate_card": None,
                    "retainer": {"amount": 1},
                    "start_date": None,
                },
                "needs start_date",
            ),
            ({"end_date": "2026-01-01"}, "end_date is before start_date"),
            (
                {
                    "rate_card": [
                        {"role": "consultant", "unit_price": "1"},
                        {"role": "Consultant", "unit_price": "2"},
                    ]
                },
                "listed twice",
            ),
            ({"billing_model": "hourly"}, "billing_model"),
        ]:
            with self.subTest(values=values, message=message):
                with pytest.raises(ValidationError) as exc_info:
                    EngagementWon.model_validate(won(**values))
                assert message in str(exc_info.value)

    def test_money_keeps_its_decimals_and_refuses_more(self):
        data = EngagementWon.model_validate(
            won(rate_card=[{"role": "consultant", "unit_price": "99.1234"}])
        )
        assert data.rate_card[0].unit_price == Decimal("99.1234")
        with pytest.raises(ValidationError):
            EngagementWon.model_validate(
                won(rate_card=[{"role": "consultant", "unit_price": "99.12345"}])
            )
        with pytest.raises(ValidationError):
            EngagementWon.model_validate(
                won(billing_model="fixed_fee", rate_card=None, fixed_amount="10.001")
            )
        with pytest.raises(ValidationError):
            EngagementWon.model_validate(
                won(rate_card=[{"role": "consultant", "unit_price": "-1"}])
            )

    def test_amendment_is_partial_and_knows_what_was_sent(self):
        data = EngagementAmended.model_validate(
            {
                "external_id": "ENG-1",
                "version": 3,
                "effective_date": "2026-03-15",
                "rate_card": [{"role": "consultant", "unit_price": "160"}],
            }
        )
        assert data.model_fields_set == {
            "external_id",
            "version",
            "effective_date",
            "rate_card",
        }
        assert data.name is None
        with pytest.raises(ValidationError) as exc_info:
            EngagementAmended.model_validate({"external_id": "ENG-1", "versoin": 2})
        assert paths(exc_info) == {"version", "versoin"}

    def test_milestone_reached_and_project_created(self):
        reached = MilestoneReached.model_validate(
            {
                "engagement_external_id": "ENG-1",
                "milestone_external_id": "M1",
                "reached_on": "2026-04-28",
                "accepted_by": "Claire Dubois",
            }
        )
        assert reached.reached_on == date(2026, 4, 28)
        with pytest.raises(ValidationError):
            MilestoneReached.model_validate(
                {"engagement_external_id": "ENG-1", "milestone_external_id": "M1"}
            )
        created = ProjectCreated(
            engagement_external_id="ENG-1",
            version=1,
            project_id=7,
            project_name="Data platform",
            sale_order_id=3,
            sale_order_name="S00003",
            analytic_account_id=9,
            analytic_account="ENG-1",
            customer_id=11,
            customer_external_id="C-1",
        )
        assert created.model_dump(mode="json")["project_id"] == 7
