from collections import namedtuple

from odoo import _, api, models

from odoo.addons.pss_core.lib.errors import PssDataError, PssDependencyError
from odoo.addons.pss_core.lib.locks import advisory_xact_locks

from ..lib.dedupe import name_key, normalize_name, normalize_vat
from ..lib.hierarchy import parent_cycles
from ..schemas.customer import CustomerUpserted

PARTNER = "res.partner"

# What happened to one requested customer: the partner (or None), the
# operation for the message's record links, and the error (or None).
CustomerOutcome = namedtuple("CustomerOutcome", "partner operation error")

# Payload field -> res.partner field, for the plain values.
_PLAIN_FIELDS = {
    "name": "name",
    "is_company": "is_company",
    "vat": "vat",
    "email": "email",
    "phone": "phone",
    "street": "street",
    "city": "city",
    "zip": "zip",
}


class PssHandlerCustomerUpserted(models.AbstractModel):
    """customer.upserted: one partner per external customer, deduplicated.

    Also the customer engine of engagement.won (inline customers).
    """

    _name = "pss.handler.customer.upserted"
    _inherit = "pss.handler"
    _description = "customer.upserted"
    _pss_event_type = "customer.upserted"
    _pss_groups = "pss_project.group_pss_project_integration"
    _pss_schema = CustomerUpserted
    _pss_sequence_prefix = "customer"
    _pss_description = "Create or update a customer (deduplicated)"

    def _pss_process(self, batch):
        items = list(batch)
        outcomes = self._pss_upsert_customers(
            batch.system,
            [(message.id, data, message.id, "data") for message, data in items],
        )
        for message, data in items:
            outcome = outcomes[message.id]
            if outcome.error:
                batch.fail(message, outcome.error)
                continue
            batch.record(message, outcome.partner, outcome.operation, data.external_id)

    # ------------------------------------------------------------------
    # The engine
    # ------------------------------------------------------------------
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
        company = self.env.company
        by_ext = {}
        for ref, customer, message_id, path in requests:
            entry = by_ext.setdefault(
                customer.external_id,
                {"customer": customer, "refs": [], "message_id": message_id},
            )
            entry["refs"].append((ref, path))
        customers = {ext: entry["customer"] for ext, entry in by_ext.items()}
        parents = {
            c.parent_external_id for c in customers.values() if c.parent_external_id
        }
        binding = self.env["pss.binding"]
        bound = binding._resolve(system, PARTNER, list(customers) + list(parents))

        countries, currencies, terms = self._pss_customer_lookups(
            system, customers.values()
        )
        errors = {}
        for ext, customer in customers.items():
            details = self._pss_customer_problems(
                customer, countries, currencies, terms
            )
            if details:
                errors[ext] = details
        # A customer cannot be its own ancestor (itself, or a loop in the batch).
        self._pss_cycle_errors(
            errors,
            {
                ext: customer.parent_external_id
                for ext, customer in customers.items()
                if customer.parent_external_id
            },
        )
        # Parents: bound, or in this batch and not failing.
        changed = True
        while changed:
            changed = False
            for ext, customer in customers.items():
                parent = customer.parent_external_id
                if ext in errors or not parent or parent in bound:
                    continue
                if parent not in customers or parent in errors:
                    errors[ext] = parent
                    changed = True

        # Waiting for a parent that itself waits (parked) for this customer,
        # directly or through others: that would wait forever.
        self._pss_cycle_errors(
            errors,
            self._pss_parked_parents(
                system,
                {
                    ext: parent
                    for ext, parent in errors.items()
                    if isinstance(parent, str) and parent not in customers
                },
            ),
            only=[ext for ext, error in errors.items() if isinstance(error, str)],
        )

        # Dedupe the unbound customers.
        unbound = [ext for ext in customers if ext not in bound and ext not in errors]
        vat_keys = {ext: normalize_vat(customers[ext].vat) for ext in unbound}
        by_vat, name_keys, by_name = self._pss_dedupe_matches(
            customers, unbound, vat_keys
        )
        new = [
            ext
            for ext in unbound
            if not by_vat.get(vat_keys[ext]) and not by_name.get(name_keys.get(ext))
        ]
        if new:
            # About to create partners: wait for any other worker creating one
            # with the same VAT or e-mail domain + name, then look again (what
            # it committed is found and linked, never duplicated).
            advisory_xact_locks(
                self.env.cr,
                [
                    key
                    for ext in new
                    for key in self._pss_dedupe_lock_keys(
                        vat_keys[ext], name_keys.get(ext)
                    )
                ],
            )
            by_vat, name_keys, by_name = self._pss_dedupe_matches(
                customers, unbound, vat_keys
            )

        partner_of = dict(bound)  # the customers' and their parents'
        operations = {ext: "updated" for ext in customers if ext in bound}
        linked = set()  # matched by VAT or name: fill empty fields only
        groups = []  # new partners: [exts], first one gives the data
        pending_vat, pending_name = {}, {}
        for ext in unbound:
            vkey, nkey = vat_keys[ext], name_keys.get(ext)
            match = (vkey and by_vat.get(vkey)) or (nkey and by_name.get(nkey))
            if match:
                partner_of[ext] = match
                operations[ext] = "updated"
                linked.add(ext)
                continue
            group = (vkey and pending_vat.get(vkey)) or (
                nkey and pending_name.get(nkey)
            )
            if group is None:
                group = []
                groups.append(group)
            group.append(ext)
            if vkey:
                pending_vat.setdefault(vkey, group)
            if nkey:
                pending_name.setdefault(nkey, group)

        Partner = self.env[PARTNER]
        # Create parents before their children (a parent may be new too).
        todo = list(groups)
        while todo:
            ready = [
                g
                for g in todo
                if not customers[g[0]].parent_external_id
                or customers[g[0]].parent_external_id in partner_of
            ]
            if not ready:  # a parent cycle inside the batch
                for group in todo:
                    for ext in group:
                        errors[ext] = customers[ext].parent_external_id
                break
            vals_list = [
                self._pss_partner_vals(
                    customers[g[0]],
                    None,
                    countries,
                    currencies,
                    partner_of,
                    create=True,
                )
                for g in ready
            ]
            created = Partner.create(vals_list)
            for group, partner in zip(ready, created, strict=True):
                for ext in group:
                    partner_of[ext] = partner.id
                    operations[ext] = "created"
            todo = [g for g in todo if g not in ready]

        # Update the bound and linked partners (only what changed).
        partners = Partner.browse(list(set(partner_of.values())))
        partners.fetch(
            [*_PLAIN_FIELDS.values(), "country_id", "parent_id", "pss_currency_id"]
        )
        by_id = {p.id: p for p in partners}
        writes = {}
        for ext, partner_id in partner_of.items():
            if ext not in customers or ext in errors or operations[ext] == "created":
                continue
            partner = by_id[partner_id]
            customer = customers[ext]
            vals = self._pss_partner_vals(
                customer, customer.model_fields_set, countries, currencies, partner_of
            )
            if ext in linked:
                vals = {k: v for k, v in vals.items() if not partner[k]}
            writes[ext] = {
                k: v for k, v in vals.items() if self._pss_differs(partner[k], v)
            }
        # A new parent must not have the partner among its ancestors.
        moves = {
            partner_of[ext]: vals["parent_id"]
            for ext, vals in writes.items()
            if vals.get("parent_id")
        }
        if moves:
            graph = self._pss_partner_parents(set(moves.values()))
            graph.update(moves)
            ext_of = binding._external_ids(
                system, Partner.browse([n for n in graph if n not in moves])
            )
            ext_of.update({partner_of[ext]: ext for ext in writes})
            self._pss_cycle_errors(
                errors,
                graph,
                only=[ext for ext, vals in writes.items() if vals.get("parent_id")],
                node_ext=lambda node: ext_of.get(node) if node in moves else None,
                label=lambda node: (
                    ext_of.get(node) or Partner.browse(node).display_name
                ),
            )
        for ext, vals in writes.items():
            if ext in errors:
                continue
            if vals:
                by_id[partner_of[ext]].write(vals)
            else:
                operations[ext] = "unchanged"
        # Company-dependent payment terms, grouped by term.
        by_term = {}
        for ext, customer in customers.items():
            if ext in errors or not customer.payment_terms:
                continue
            by_term.setdefault(terms[customer.payment_terms], set()).add(
                partner_of[ext]
            )
        for term_id, partner_ids in by_term.items():
            targets = Partner.browse(list(partner_ids)).with_company(company)
            targets = targets.filtered(
                lambda p, term_id=term_id: p.property_payment_term_id.id != term_id
            )
            if targets:
                targets.write({"property_payment_term_id": term_id})

        binding._bind_many(
            system,
            PARTNER,
            [
                {
                    "external_id": ext,
                    "res_id": partner_of[ext],
                    "company_id": False,
                    "message_id": by_ext[ext]["message_id"],
                }
                for ext in customers
                if ext not in errors
            ],
        )
        result = {}
        for ext, entry in by_ext.items():
            for ref, path in entry["refs"]:
                error = errors.get(ext)
                if error is None:
                    result[ref] = CustomerOutcome(
                        Partner.browse(partner_of[ext]), operations[ext], None
                    )
                elif isinstance(error, str):
                    result[ref] = CustomerOutcome(
                        None,
                        None,
                        PssDependencyError(
                            _("Parent customer %s is not known yet.", error),
                            PARTNER,
                            error,
                            system_id=system.id,
                        ),
                    )
                else:
                    result[ref] = CustomerOutcome(
                        None,
                        None,
                        PssDataError(
                            _("Customer %s cannot be applied.", ext),
                            details=[
                                {"path": f"{path}.{field}", "message": text}
                                for field, text in error
                            ],
                        ),
                    )
        return result

    # ------------------------------------------------------------------
    # Parent cycles
    # ------------------------------------------------------------------
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
                error = errors.get(ext)
                if not isinstance(error, list):
                    error = errors[ext] = []
                error.append(("parent_external_id", text))

    def _pss_parked_parents(self, system, waiting):
        """``waiting`` ({customer: parent it would park on}) extended with the
        parents the parked customer.upserted messages of ``system`` wait for,
        followed from those parents (one recursive query)."""
        if not waiting:
            return {}
        self.env["pss.message"].flush_model()
        prefix = f"{self._pss_sequence_prefix}:"
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
                "prefix": prefix,
                "system": system.id,
                "event_type": self._pss_event_type,
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
    # Helpers (one query each, whatever the batch size)
    # ------------------------------------------------------------------
    def _pss_customer_lookups(self, system, customers):
        country_codes = {c.country for c in customers if c.country}
        currency_codes = {c.currency for c in customers if c.currency}
        term_codes = {c.payment_terms for c in customers if c.payment_terms}
        countries = (
            {
                c["code"]: c["id"]
                for c in self.env["res.country"].search_read(
                    [("code", "in", list(country_codes))], ["code"]
                )
            }
            if country_codes
            else {}
        )
        currencies = self._pss_currencies(currency_codes)
        terms = (
            self.env["pss.value.map"]._map(
                system, "payment_term", term_codes, company=self.env.company
            )
            if term_codes
            else {}
        )
        return countries, currencies, terms

    @staticmethod
    def _pss_customer_problems(customer, countries, currencies, terms):
        problems = []
        if customer.country and customer.country not in countries:
            problems.append(("country", f"unknown country {customer.country}"))
        if customer.currency and customer.currency not in currencies:
            problems.append(
                ("currency", f"currency {customer.currency} is not active in Odoo")
            )
        if customer.payment_terms and customer.payment_terms not in terms:
            problems.append(
                (
                    "payment_terms",
                    "no value map of kind 'payment_term' for "
                    f"{customer.payment_terms!r}",
                )
            )
        return problems

    def _pss_partner_vals(
        self, customer, fields_set, countries, currencies, partner_of, create=False
    ):
        """res.partner values of ``customer`` (``fields_set``: only those)."""
        wanted = set(customer.model_fields_set if fields_set is None else fields_set)
        wanted |= {"name"}
        vals = {}
        for field, target in _PLAIN_FIELDS.items():
            if create or field in wanted:
                value = getattr(customer, field)
                vals[target] = value if isinstance(value, bool) else (value or False)
        if create or "country" in wanted:
            vals["country_id"] = countries.get(customer.country) or False
        if create or "currency" in wanted:
            currency = currencies.get(customer.currency)
            vals["pss_currency_id"] = currency.id if currency else False
        if create or "parent_external_id" in wanted:
            vals["parent_id"] = partner_of.get(customer.parent_external_id) or False
        if create:
            vals.update(company_id=False, customer_rank=1)
        return vals

    @staticmethod
    def _pss_differs(current, value):
        if hasattr(current, "_name"):
            return current.id != (value or False)
        return (current or False) != (value or False)

    def _pss_dedupe_matches(self, customers, unbound, vat_keys):
        """(by VAT, name keys, by name) of the ``unbound`` customers: the
        existing partners their VAT or e-mail domain + name point to."""
        by_vat = self._pss_partners_by_vat({k for k in vat_keys.values() if k})
        name_keys = {
            ext: name_key(customers[ext].email, customers[ext].name)
            for ext in unbound
            if not by_vat.get(vat_keys[ext])
        }
        by_name = self._pss_partners_by_name({k for k in name_keys.values() if k})
        return by_vat, name_keys, by_name

    @staticmethod
    def _pss_dedupe_lock_keys(vat_key, email_name_key):
        """Lock keys of a partner about to be created (shared: company 0)."""
        keys = []
        if vat_key:
            keys.append((PARTNER, 0, "vat", vat_key))
        if email_name_key:
            keys.append((PARTNER, 0, "email_name", *email_name_key))
        return keys

    def _pss_partners_by_vat(self, vat_keys):
        """{normalised VAT: partner id} among the commercial partners usable
        in the current company (shared or its own; the oldest wins)."""
        if not vat_keys:
            return {}
        self.env[PARTNER].flush_model(["vat", "active", "company_id", "parent_id"])
        self.env.cr.execute(
            """
            SELECT upper(regexp_replace(vat, '[^0-9A-Za-z]', '', 'g')), id
              FROM res_partner
             WHERE vat IS NOT NULL
               AND upper(regexp_replace(vat, '[^0-9A-Za-z]', '', 'g')) IN %s
               AND active
               AND parent_id IS NULL
               AND (company_id IS NULL OR company_id = %s)
             ORDER BY id DESC
            """,
            [tuple(vat_keys), self.env.company.id],
        )
        return dict(self.env.cr.fetchall())

    def _pss_partners_by_name(self, keys):
        """{(e-mail domain, normalised name): partner id} (the oldest wins)."""
        if not keys:
            return {}
        domains = tuple({domain for domain, _name in keys})
        self.env[PARTNER].flush_model(["email", "name", "active", "company_id"])
        self.env.cr.execute(
            """
            SELECT lower(split_part(email, '@', 2)), name, id
              FROM res_partner
             WHERE email IS NOT NULL
               AND lower(split_part(email, '@', 2)) IN %s
               AND active
               AND (company_id IS NULL OR company_id = %s)
             ORDER BY id DESC
            """,
            [domains, self.env.company.id],
        )
        found = {}
        for domain, name, partner_id in self.env.cr.fetchall():
            key = (domain, normalize_name(name))
            if key in keys:
                found[key] = partner_id
        return found
