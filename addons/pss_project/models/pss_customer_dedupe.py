from odoo import models

from odoo.addons.pss_core.lib.locks import advisory_xact_locks

from ..lib.customers import group_new
from ..lib.dedupe import name_key, normalize_name, normalize_vat

PARTNER = "res.partner"


class PssCustomerDedupe(models.AbstractModel):
    """The existing partners external customers point to (VAT, then e-mail
    domain + name), for the customer engine (``pss.customer.upsert``)."""

    _name = "pss.customer.dedupe"
    _description = "PSS Customer Dedupe"

    def _pss_match_customers(self, run, unbound):
        """Link the ``unbound`` customers of ``run`` that match an existing
        partner (``run.partner_of``, ``run.linked``); return the groups of
        customers that become one new partner each (see lib/customers.py)."""
        customers = run.customers
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
        matches, groups = group_new(unbound, vat_keys, name_keys, by_vat, by_name)
        run.partner_of.update(matches)
        run.linked.update(matches)
        return groups

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
