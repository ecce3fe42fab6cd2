from collections import namedtuple
from dataclasses import dataclass, field

from odoo import _, api, models

from odoo.addons.pss_core.lib.errors import PssDataError, PssDependencyError

from ..lib.customers import CustomerErrors, creation_rounds, missing_parents
from ..lib.hierarchy import parent_cycles

PARTNER = "res.partner"
# The event whose parked messages wait for a parent customer.
EVENT_TYPE = "customer.upserted"
SEQUENCE_PREFIX = "customer"

# What happened to one requested customer: the partner (or None), the
# operation for the message's record links, and the error (or None).
CustomerOutcome = namedtuple("CustomerOutcome", "partner operation error")

# Payload field -> res.partner field, for the plain values.
PLAIN_FIELDS = {
    "name": "name",
    "is_company": "is_company",
    "vat": "vat",
    "email": "email",
    "phone": "phone",
    "street": "street",
    "city": "city",
    "zip": "zip",
}


@dataclass
class CustomerRequest:
    """One external customer as requested by one or more messages."""

    customer: object  # the payload (CustomerUpserted or an inline customer)
    message_id: int  # the first message asking: its binding's message
    refs: list = field(default_factory=list)  # [(ref, path of its data)]


@dataclass
class Upsert:
    """One run of the engine: the requested customers and what became of them."""

    system: object
    by_ext: dict  # ext -> CustomerRequest
    customers: dict  # ext -> customer (payload)
    countries: dict = field(default_factory=dict)  # ISO code -> id
    currencies: dict = field(default_factory=dict)  # ISO code -> res.currency
    terms: dict = field(default_factory=dict)  # payment term code -> id
    errors: CustomerErrors = field(default_factory=CustomerErrors)
    partner_of: dict = field(default_factory=dict)  # ext -> partner id
    operations: dict = field(default_factory=dict)  # ext -> created/updated/...
    linked: set = field(default_factory=set)  # matched: fill empty fields only


class PssCustomerUpsert(models.AbstractModel):
    """The customer engine: one partner per external customer, deduplicated.

    Used by customer.upserted and by engagement.won (inline customers).
    Decisions live in ``lib/customers.py``; this model reads, locks, writes.
    """

    _name = "pss.customer.upsert"
    _description = "PSS Customer Upsert"

    @api.model
    def _pss_upsert_customers(self, system, requests):
        """Create, update or link the partners of external customers.

        ``requests`` is a list of ``(ref, customer, message id, path)``;
        returns ``{ref: CustomerOutcome}``. Whatever the number of customers,
        the lookups take a fixed number of queries: bindings, countries,
        currencies, payment terms, VAT candidates, e-mail domain candidates,
        then one ``create`` for the new partners.

        Dedupe order: binding of this system, then normalised VAT, then e-mail
        domain + normalised name. A partner found by VAT or name is bound,
        never duplicated, and only its empty fields are filled (another
        system may own it). Customers sharing a key within the batch become
        one partner.
        """
        by_ext = {}
        for ref, customer, message_id, path in requests:
            entry = by_ext.get(customer.external_id)
            if entry is None:
                entry = CustomerRequest(customer, message_id)
                by_ext[customer.external_id] = entry
            entry.refs.append((ref, path))
        run = Upsert(system, by_ext, {ext: e.customer for ext, e in by_ext.items()})
        parents = {
            c.parent_external_id for c in run.customers.values() if c.parent_external_id
        }
        bound = self.env["pss.binding"]._resolve(
            system, PARTNER, list(run.customers) + list(parents)
        )
        self._pss_customer_lookups(run)
        self._pss_check_customers(run, bound)
        unbound = [
            ext for ext in run.customers if ext not in bound and ext not in run.errors
        ]
        run.partner_of.update(bound)  # the customers' and their parents'
        groups = self.env["pss.customer.dedupe"]._pss_match_customers(run, unbound)
        run.operations.update(
            {ext: "updated" for ext in run.customers if ext in run.partner_of}
        )
        self._pss_create_partners(run, groups)
        self._pss_update_partners(run)
        self._pss_write_payment_terms(run)
        self.env["pss.binding"]._bind_many(
            system,
            PARTNER,
            [
                {
                    "external_id": ext,
                    "res_id": run.partner_of[ext],
                    "company_id": False,
                    "message_id": by_ext[ext].message_id,
                }
                for ext in run.customers
                if ext not in run.errors
            ],
        )
        return self._pss_customer_outcomes(run)

    # ------------------------------------------------------------------
    # Writes: new partners (parents first), updates, payment terms
    # ------------------------------------------------------------------
    def _pss_create_partners(self, run, groups):
        """Create the new partners, parents before their children."""
        parent_of = {
            ext: customer.parent_external_id for ext, customer in run.customers.items()
        }
        rounds, stuck = creation_rounds(groups, parent_of, run.partner_of)
        for group in stuck:  # a parent cycle inside the batch
            for ext in group:
                run.errors.wait(ext, parent_of[ext])
        for ready in rounds:
            created = self.env[PARTNER].create(
                [
                    self._pss_partner_vals(run, run.customers[g[0]], None, create=True)
                    for g in ready
                ]
            )
            for group, partner in zip(ready, created, strict=True):
                for ext in group:
                    run.partner_of[ext] = partner.id
                    run.operations[ext] = "created"

    def _pss_update_partners(self, run):
        """Write on the bound and linked partners only what changed."""
        partners = self.env[PARTNER].browse(list(set(run.partner_of.values())))
        partners.fetch(
            [*PLAIN_FIELDS.values(), "country_id", "parent_id", "pss_currency_id"]
        )
        by_id = {p.id: p for p in partners}
        writes = {}
        for ext, partner_id in run.partner_of.items():
            if (
                ext not in run.customers
                or ext in run.errors
                or run.operations[ext] == "created"
            ):
                continue
            partner = by_id[partner_id]
            customer = run.customers[ext]
            vals = self._pss_partner_vals(run, customer, customer.model_fields_set)
            if ext in run.linked:
                vals = {k: v for k, v in vals.items() if not partner[k]}
            writes[ext] = {
                k: v for k, v in vals.items() if self._pss_differs(partner[k], v)
            }
        self._pss_move_cycles(run, writes)
        for ext, vals in writes.items():
            if ext in run.errors:
                continue
            if vals:
                by_id[run.partner_of[ext]].write(vals)
            else:
                run.operations[ext] = "unchanged"

    def _pss_move_cycles(self, run, writes):
        """A new parent must not have the partner among its ancestors."""
        partner_of = run.partner_of
        moves = {
            partner_of[ext]: vals["parent_id"]
            for ext, vals in writes.items()
            if vals.get("parent_id")
        }
        if not moves:
            return
        Partner = self.env[PARTNER]
        graph = self._pss_partner_parents(set(moves.values()))
        graph.update(moves)
        ext_of = self.env["pss.binding"]._external_ids(
            run.system, Partner.browse([n for n in graph if n not in moves])
        )
        ext_of.update({partner_of[ext]: ext for ext in writes})
        self._pss_cycle_errors(
            run.errors,
            graph,
            only=[ext for ext, vals in writes.items() if vals.get("parent_id")],
            node_ext=lambda node: ext_of.get(node) if node in moves else None,
            label=lambda node: ext_of.get(node) or Partner.browse(node).display_name,
        )

    def _pss_write_payment_terms(self, run):
        """Company-dependent payment terms, grouped by term."""
        by_term = {}
        for ext, customer in run.customers.items():
            if ext in run.errors or not customer.payment_terms:
                continue
            by_term.setdefault(run.terms[customer.payment_terms], set()).add(
                run.partner_of[ext]
            )
        Partner = self.env[PARTNER].with_company(self.env.company)
        for term_id, partner_ids in by_term.items():
            targets = Partner.browse(list(partner_ids)).filtered(
                lambda p, term_id=term_id: p.property_payment_term_id.id != term_id
            )
            if targets:
                targets.write({"property_payment_term_id": term_id})

    # ------------------------------------------------------------------
    # Checks: data problems, parents, cycles
    # ------------------------------------------------------------------
    def _pss_check_customers(self, run, bound):
        """Fill ``run.errors``: data problems, parent cycles in the batch,
        parents not known, waits that would never end."""
        errors = run.errors
        for ext, customer in run.customers.items():
            for field_name, text in self._pss_customer_problems(customer, run):
                errors.problem(ext, field_name, text)
        parent_of = {
            ext: customer.parent_external_id
            for ext, customer in run.customers.items()
            if customer.parent_external_id
        }
        # A customer cannot be its own ancestor (itself, or a loop in the batch).
        self._pss_cycle_errors(errors, parent_of)
        # Parents: bound, or in this batch and not failing.
        for ext, parent in missing_parents(
            parent_of, run.customers, bound, errors
        ).items():
            errors.wait(ext, parent)
        # Waiting for a parent that itself waits (parked) for this customer,
        # directly or through others: that would wait forever.
        self._pss_cycle_errors(
            errors,
            self._pss_parked_parents(
                run.system,
                {
                    ext: parent
                    for ext, parent in errors.waiting.items()
                    if parent not in run.customers
                },
            ),
            only=list(errors.waiting),
        )

    @api.model
    def _pss_cycle_errors(
        self, errors, parent_of, only=None, node_ext=None, label=None
    ):
        """Record a data error on ``parent_external_id`` for each customer on
        a cycle of ``parent_of`` (restricted to the external ids ``only``).

        ``node_ext`` maps a graph node to its external id (identity by
        default), ``label`` names a node in the message.
        """
        node_ext = node_ext or (lambda node: node)
        label = label or (lambda node: node)
        for cycle in parent_cycles(parent_of):
            names = [str(label(node)) for node in cycle]
            text = (
                _("a customer cannot be its own parent")
                if len(cycle) == 1
                else _(
                    "parent cycle: %(cycle)s",
                    cycle=" -> ".join([*names, names[0]]),
                )
            )
            for node in cycle:
                ext = node_ext(node)
                if ext is None or (only is not None and ext not in only):
                    continue
                errors.problem(ext, "parent_external_id", text)

    def _pss_parked_parents(self, system, waiting):
        """``waiting`` ({customer: parent it would park on}) extended with the
        parents the parked customer.upserted messages of ``system`` wait for,
        followed from those parents (one recursive query)."""
        if not waiting:
            return {}
        self.env["pss.message"].flush_model()
        self.env.cr.execute(
            """
            WITH RECURSIVE parked AS (
                SELECT sequence_key, wait_external_id
                  FROM pss_message
                 WHERE direction = 'in'
                   AND state = 'parked'
                   AND system_id = %(system)s
                   AND event_type = %(event_type)s
                   AND wait_model = %(model)s
            ), chain(ext) AS (
                SELECT unnest(%(starts)s::varchar[])
              UNION
                SELECT p.wait_external_id
                  FROM chain c
                  JOIN parked p ON p.sequence_key = %(prefix)s || c.ext
            )
            SELECT substr(p.sequence_key, length(%(prefix)s) + 1), p.wait_external_id
              FROM chain c
              JOIN parked p ON p.sequence_key = %(prefix)s || c.ext
            """,
            {
                "starts": list(set(waiting.values())),
                "prefix": f"{SEQUENCE_PREFIX}:",
                "system": system.id,
                "event_type": EVENT_TYPE,
                "model": PARTNER,
            },
        )
        graph = dict(self.env.cr.fetchall())
        graph.update(waiting)
        return graph

    def _pss_partner_parents(self, partner_ids):
        """{partner id: parent id} of ``partner_ids`` and all their ancestors."""
        self.env[PARTNER].flush_model(["parent_id"])
        self.env.cr.execute(
            """
            WITH RECURSIVE up(id, parent_id) AS (
                SELECT id, parent_id FROM res_partner WHERE id IN %s
              UNION
                SELECT p.id, p.parent_id
                  FROM res_partner p JOIN up ON p.id = up.parent_id
            )
            SELECT id, parent_id FROM up
            """,
            [tuple(partner_ids)],
        )
        return dict(self.env.cr.fetchall())

    # ------------------------------------------------------------------
    # Lookups (one query each, whatever the batch size)
    # ------------------------------------------------------------------
    def _pss_customer_lookups(self, run):
        customers = run.customers.values()
        country_codes = {c.country for c in customers if c.country}
        currency_codes = {c.currency for c in customers if c.currency}
        term_codes = {c.payment_terms for c in customers if c.payment_terms}
        if country_codes:
            run.countries = {
                c["code"]: c["id"]
                for c in self.env["res.country"].search_read(
                    [("code", "in", list(country_codes))], ["code"]
                )
            }
        run.currencies = self.env["pss.handler"]._pss_currencies(currency_codes)
        if term_codes:
            run.terms = self.env["pss.value.map"]._map(
                run.system, "payment_term", term_codes, company=self.env.company
            )

    @staticmethod
    def _pss_customer_problems(customer, run):
        problems = []
        if customer.country and customer.country not in run.countries:
            problems.append(("country", f"unknown country {customer.country}"))
        if customer.currency and customer.currency not in run.currencies:
            problems.append(
                ("currency", f"currency {customer.currency} is not active in Odoo")
            )
        if customer.payment_terms and customer.payment_terms not in run.terms:
            problems.append(
                (
                    "payment_terms",
                    "no value map of kind 'payment_term' for "
                    f"{customer.payment_terms!r}",
                )
            )
        return problems

    def _pss_partner_vals(self, run, customer, fields_set, create=False):
        """res.partner values of ``customer`` (``fields_set``: only those)."""
        wanted = set(customer.model_fields_set if fields_set is None else fields_set)
        wanted |= {"name"}
        vals = {}
        for field_name, target in PLAIN_FIELDS.items():
            if create or field_name in wanted:
                value = getattr(customer, field_name)
                vals[target] = value if isinstance(value, bool) else (value or False)
        if create or "country" in wanted:
            vals["country_id"] = run.countries.get(customer.country) or False
        if create or "currency" in wanted:
            currency = run.currencies.get(customer.currency)
            vals["pss_currency_id"] = currency.id if currency else False
        if create or "parent_external_id" in wanted:
            vals["parent_id"] = run.partner_of.get(customer.parent_external_id) or False
        if create:
            vals.update(company_id=False, customer_rank=1)
        return vals

    @staticmethod
    def _pss_differs(current, value):
        if hasattr(current, "_name"):
            return current.id != (value or False)
        return (current or False) != (value or False)

    def _pss_customer_outcomes(self, run):
        """{ref: CustomerOutcome} of every request."""
        Partner = self.env[PARTNER]
        result = {}
        for ext, entry in run.by_ext.items():
            for ref, path in entry.refs:
                if ext in run.errors.waiting:
                    parent = run.errors.waiting[ext]
                    error = PssDependencyError(
                        _("Parent customer %s is not known yet.", parent),
                        PARTNER,
                        parent,
                        system_id=run.system.id,
                    )
                    result[ref] = CustomerOutcome(None, None, error)
                elif ext in run.errors.problems:
                    error = PssDataError(
                        _("Customer %s cannot be applied.", ext),
                        details=[
                            {"path": f"{path}.{field_name}", "message": text}
                            for field_name, text in run.errors.problems[ext]
                        ],
                    )
                    result[ref] = CustomerOutcome(None, None, error)
                else:
                    result[ref] = CustomerOutcome(
                        Partner.browse(run.partner_of[ext]), run.operations[ext], None
                    )
        return result
