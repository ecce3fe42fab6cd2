"""Two real queue workers creating the same customer, pricelist or tag.

Like test_queue_concurrency: fixtures are committed on separate cursors,
each worker runs ``_process_queue`` in its own thread and transaction and
commits for real, and everything committed is removed at the end.
"""

import threading
import time
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged

from odoo.addons.pss_core.tests.common import (
    CommittedCase,
    main_entity,
    make_system,
    make_user,
    unique,
)
from odoo.addons.pss_project.tests.common import customer_payload, engagement_payload
from odoo.addons.pss_queue_test.tests.common import SHORT_RETRY

# How long each worker keeps its transaction open after applying: long
# enough that the other worker applies meanwhile (the race on main).
HOLD_SECONDS = 1.0


@tagged("post_install", "-at_install")
class TestProjectConcurrency(CommittedCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with cls.cursor_env() as env:
            company = main_entity(env)
            env.ref("base.CHF").active = True
            group = env.ref("pss_project.group_pss_project_integration").id
            cls.user_ids, cls.system_ids = [], []
            for kind in ("crm", "psa"):
                user = make_user(env, unique(f"conc_{kind}"), [group], company)
                system = make_system(
                    env,
                    unique(f"conc{kind}"),
                    user,
                    company,
                    **{**SHORT_RETRY, "kind": kind},
                )
                cls.user_ids.append(user.id)
                cls.system_ids.append(system.id)
            product = env["product.product"].create(
                {
                    "name": unique("Fixed fee "),
                    "detailed_type": "service",
                    "invoice_policy": "order",
                    "service_type": "timesheet",
                    "service_tracking": "no",
                }
            )
            env["pss.value.map"].create(
                [
                    {
                        "system_id": system_id,
                        "kind": "product",
                        "external_value": "fixed_fee",
                        "res_model": product._name,
                        "res_id": product.id,
                    }
                    for system_id in cls.system_ids
                ]
            )
            # Removed at the end: the systems, then their users, then the product.
            users = env["res.users"].browse(cls.user_ids)
            cls.remember(product, users, env["pss.system"].browse(cls.system_ids))
            cls.company_id, cls.product_id = company.id, product.id
            cls.entity = company.pss_entity_code

    @classmethod
    def tearDownClass(cls):
        with cls.cursor_env() as env:
            systems = env["pss.system"].browse(cls.system_ids)
            orders = env["sale.order"].search([("pss_system_id", "in", systems.ids)])
            projects = env["project.project"].search(
                [("pss_system_id", "in", systems.ids)]
            )
            accounts = projects.analytic_account_id | orders.analytic_account_id
            tags = projects.tag_ids
            partners = env["res.partner"].browse(
                env["pss.binding"]
                .search(
                    [
                        ("system_id", "in", systems.ids),
                        ("res_model", "=", "res.partner"),
                    ]
                )
                .mapped("res_id")
            )
            pricelists = orders.pricelist_id.filtered("pss_engagement")
            orders._action_cancel()
            orders.unlink()
            projects.unlink()
            accounts.unlink()
            tags.unlink()
            pricelists.unlink()
            partners.unlink()
        super().tearDownClass()

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def enqueue(self, system_id, event_type, payloads):
        """Commit one message per payload; return their ids."""
        with self.cursor_env() as env:
            system = env["pss.system"].browse(system_id)
            handler = env["pss.handler"]._pss_handler_for(event_type)
            items = [
                {
                    "event_type": event_type,
                    "payload": payload,
                    "idempotency_key": unique("evt_"),
                    "company_id": self.company_id,
                    "entity_code": self.entity,
                    "sequence_key": handler._pss_sequence_key(payload),
                }
                for payload in payloads
            ]
            return [m.id for m, _new in env["pss.message"].enqueue_many(system, items)]

    def race(self, system_ids):
        """One worker per entry of ``system_ids``, each applying one message
        of its system at the same time and holding its transaction open
        before committing; then drain what they left to retry."""
        barrier = threading.Barrier(len(system_ids))
        errors = []
        message_model = self.registry["pss.message"]
        real_finish = message_model._finish

        def finish_slowly(records, *args, **kwargs):
            result = real_finish(records, *args, **kwargs)
            time.sleep(HOLD_SECONDS)
            return result

        def worker(name, system_id):
            try:
                with self.cursor_env() as env:
                    barrier.wait(timeout=10)
                    env["pss.message"]._process_queue(
                        "in",
                        commit=True,
                        worker=name,
                        limit=1,
                        system=env["pss.system"].browse(system_id),
                    )
            except Exception as error:
                errors.append(error)

        with patch.object(message_model, "_finish", finish_slowly):
            threads = [
                threading.Thread(target=worker, args=(f"w{i}", system_id))
                for i, system_id in enumerate(system_ids)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=120)
        self.assertFalse(errors, errors)
        # A worker that lost the race retries with a fresh snapshot.
        later = fields.Datetime.now() + timedelta(hours=1)
        for system_id in set(system_ids):
            with self.cursor_env() as env:
                env["pss.message"]._process_queue(
                    "in",
                    commit=True,
                    system=env["pss.system"].browse(system_id),
                    now=later,
                )

    def assert_done(self, env, ids):
        messages = env["pss.message"].browse(ids)
        for message in messages:
            self.assertEqual(
                message.state, "done", f"{message.last_error} {message.error_details}"
            )
        return messages

    def partners_with_vat(self, env, vat):
        return env["res.partner"].search([("vat", "=", vat)])

    # ------------------------------------------------------------------
    # Tests
    # ------------------------------------------------------------------
    def test_same_vat_from_two_systems_at_once_is_one_partner(self):
        vat = unique("DE")
        crm, psa = self.system_ids
        ids = self.enqueue(
            crm, "customer.upserted", [customer_payload(unique("C-"), vat=vat)]
        )
        ids += self.enqueue(
            psa,
            "customer.upserted",
            [customer_payload(unique("P-"), name="Other Spelling AG", vat=vat)],
        )
        self.race([crm, psa])
        with self.cursor_env() as env:
            self.assert_done(env, ids)
            partner = self.partners_with_vat(env, vat)
            self.assertEqual(len(partner), 1, "two workers created two partners")
            bindings = env["pss.binding"].search(
                [("res_model", "=", "res.partner"), ("system_id", "in", [crm, psa])]
            )
            bound = bindings.filtered(lambda b: b.last_message_id.id in ids)
            self.assertEqual(set(bound.mapped("res_id")), {partner.id})
            self.assertEqual(len(bound), 2)

    def test_two_ids_of_one_vat_from_one_system_at_once_are_one_partner(self):
        vat = unique("FR")
        crm = self.system_ids[0]
        ids = self.enqueue(
            crm,
            "customer.upserted",
            [
                customer_payload(unique("C-"), vat=vat),
                customer_payload(unique("C-"), vat=vat.lower()),
            ],
        )
        self.race([crm, crm])
        with self.cursor_env() as env:
            self.assert_done(env, ids)
            partner = env["res.partner"].search([("vat", "=ilike", vat)])
            self.assertEqual(len(partner), 1, "two workers created two partners")

    def test_same_email_domain_and_name_at_once_is_one_partner(self):
        domain = f"{unique('acme').lower()}.example"
        crm, psa = self.system_ids
        ids = self.enqueue(
            crm,
            "customer.upserted",
            [customer_payload(unique("C-"), name="Acme GmbH", email=f"a@{domain}")],
        )
        ids += self.enqueue(
            psa,
            "customer.upserted",
            [customer_payload(unique("P-"), name="ACME", email=f"b@{domain}")],
        )
        self.race([crm, psa])
        with self.cursor_env() as env:
            self.assert_done(env, ids)
            partners = env["res.partner"].search([("email", "=like", f"%@{domain}")])
            self.assertEqual(len(partners), 1, "two workers created two partners")

    def won(self, tags=None, currency="CHF"):
        """One engagement.won per system, each with a new inline customer."""
        exts, ids = [], []
        for system_id in self.system_ids:
            ext = unique("ENG-")
            exts.append(ext)
            ids += self.enqueue(
                system_id,
                "engagement.won",
                [
                    engagement_payload(
                        ext,
                        "fixed_fee",
                        customer_payload(unique("C-"), vat=unique("NL")),
                        currency=currency,
                        fixed_amount="1000",
                        tags=tags,
                    )
                ],
            )
        self.race(self.system_ids)
        return exts, ids

    def test_two_engagements_at_once_share_one_new_pricelist(self):
        exts, ids = self.won(currency="CHF")
        with self.cursor_env() as env:
            self.assert_done(env, ids)
            orders = env["sale.order"].search([("pss_external_id", "in", exts)])
            self.assertEqual(orders.mapped("state"), ["sale", "sale"])
            pricelists = env["product.pricelist"].search(
                [
                    ("pss_engagement", "=", True),
                    ("company_id", "=", self.company_id),
                    ("currency_id.name", "=", "CHF"),
                ]
            )
            self.assertEqual(len(pricelists), 1, "two engagement pricelists")
            self.assertEqual(orders.pricelist_id, pricelists)
            self.assertEqual(orders.mapped("amount_untaxed"), [1000.0, 1000.0])

    def test_two_engagements_at_once_share_one_new_tag(self):
        # project.tags has a unique name: without the lock the loser fails on
        # the constraint (an internal error) and only a retry applies it.
        tag = unique("Tag ")
        exts, ids = self.won(tags=[tag], currency="CHF")
        with self.cursor_env() as env:
            self.assert_done(env, ids)
            tags = env["project.tags"].search([("name", "=", tag)])
            self.assertEqual(len(tags), 1)
            projects = env["project.project"].search([("pss_external_id", "in", exts)])
            self.assertEqual(len(projects), 2)
            self.assertEqual(projects.tag_ids, tags)
