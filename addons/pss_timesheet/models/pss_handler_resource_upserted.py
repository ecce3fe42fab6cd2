from odoo import _, api, fields, models
from odoo.tools.translate import _lt

from odoo.addons.pss_core.lib.locks import advisory_xact_locks
from odoo.addons.pss_core.lib.plan import REJECT, Step

from ..lib import resource_plan as rp
from ..lib.resource_plan import email_key
from ..schemas.resource import ResourceUpserted

EMPLOYEE = "hr.employee"


class PssHandlerResourceUpserted(models.AbstractModel):
    """resource.upserted: an employee (or contractor) of the entity, with the
    job of its role, its department and a dated hourly cost.

    One person is one employee whichever systems send it: a resource of an
    external id this system has not bound yet is matched by its work e-mail
    among the employees of the entity (archived ones too) and bound to it.
    The system that bound an employee first is its system of record: another
    system's resource.upserted for it only adds that system's binding (its
    time and expenses then reach the employee) and changes nothing else.
    """

    _name = "pss.handler.resource.upserted"
    _inherit = "pss.handler"
    _description = "resource.upserted"
    _pss_event_type = "resource.upserted"
    _pss_groups = "pss_timesheet.group_pss_hris_integration"
    _pss_schema = ResourceUpserted
    _pss_sequence_prefix = "resource"
    _pss_description = "Employee or contractor, role, department, hourly cost"

    _pss_texts = {
        "currency_unknown": _lt("Currency %(currency)s is not known."),
        "unknown": _lt("unknown"),
    }

    def _pss_lookups(self, batch):
        """Bindings, currencies, jobs, departments, the entity's employees
        of the new work e-mails and the systems of record: one query each."""
        system, company = batch.system, self.env.company
        items = [data for _m, data in batch]
        bound = self.env["pss.binding"]._resolve(
            system, EMPLOYEE, [d.external_id for d in items]
        )
        by_email = self._pss_employees_by_email(
            company,
            {
                email_key(d.work_email)
                for d in items
                if d.external_id not in bound and d.work_email
            },
        )
        currencies = self._pss_currencies(
            {d.hourly_cost.currency for d in items if d.hourly_cost}
        )
        return rp.ResourceFacts(
            company_id=company.id,
            system_id=system.id,
            bound=bound,
            by_email=by_email,
            owners=self._pss_owners(set(bound.values()) | set(by_email.values())),
            currencies={code: c.id for code, c in currencies.items()},
            jobs=self._pss_jobs(system, company, {d.role for d in items if d.role}),
            departments=self._pss_departments(
                company, {d.department for d in items if d.department}
            ),
        )

    def _pss_plan(self, batch, facts):
        items = list(batch)
        steps = rp.plan_resources([data for _m, data in items], facts)
        return [(m, d, step) for (m, d), step in zip(items, steps, strict=True)]

    def _pss_write(self, batch, plan):
        """Vendors of new contractors, employees (one create), updates, the
        links to employees of another system of record, costs, bindings."""
        Employee = self.env[EMPLOYEE].with_context(active_test=False)
        creates, updates, links = [], [], []
        for message, data, step in plan:
            if step.kind == rp.REJECT:
                reject = Step(
                    REJECT,
                    "currency_unknown",
                    step.args,
                    details=(("data.hourly_cost.currency", "unknown"),),
                )
                self._pss_report(batch, message, reject)
            elif step.kind == rp.CREATE:
                creates.append((message, data, step))
            elif step.kind == rp.UPDATE:
                employee = Employee.browse(step.employee_id)
                updates.append((message, data, employee, step))
            else:
                target = step.employee_id and Employee.browse(step.employee_id)
                links.append((message, data, target or step.same_as))
        vendor_of = self._pss_vendors(creates, updates)
        employees = Employee.create(
            [self._pss_with_vendor(d, s.values, vendor_of) for _m, d, s in creates]
        )
        touched, bind_items = [], []
        for (message, data, step), employee in zip(creates, employees, strict=True):
            batch.record(message, employee, "created", data.external_id)
            touched.append((step.cost, employee))
            bind_items.append(self._pss_bind_item(message, data, employee))
        for message, data, employee, step in updates:
            vals = self._pss_with_vendor(data, step.values, vendor_of)
            changed = {
                key: value
                for key, value in vals.items()
                if self._pss_value(employee[key]) != value
            }
            if changed:
                employee.write(changed)
            batch.record(message, employee, "updated", data.external_id)
            touched.append((step.cost, employee))
            bind_items.append(self._pss_bind_item(message, data, employee))
        bind_items += self._pss_links(batch, links, employees)
        self._pss_costs(touched)
        self.env["pss.binding"]._bind_many(batch.system, EMPLOYEE, bind_items)

    @staticmethod
    def _pss_with_vendor(data, values, vendor_of):
        vendor = vendor_of.get(data.external_id)
        return dict(values, pss_vendor_partner_id=vendor.id) if vendor else values

    def _pss_vendors(self, creates, updates):
        """{external id: res.partner}: a vendor per new contractor (one
        create), and per contractor employee that has none yet."""
        contractors = [c for c in creates if c[1].kind == "contractor"]
        contractors += [
            u
            for u in updates
            if u[1].kind == "contractor" and not u[2].pss_vendor_partner_id
        ]
        vendors = self.env["res.partner"].create(
            [
                {
                    "name": entry[1].name,
                    "email": entry[1].work_email or False,
                    "company_id": self.env.company.id,
                    "supplier_rank": 1,
                }
                for entry in contractors
            ]
        )
        return {
            entry[1].external_id: vendor
            for entry, vendor in zip(contractors, vendors, strict=True)
        }

    def _pss_links(self, batch, links, employees):
        """Bind the resources of an employee whose system of record is
        another system (or created earlier in the batch): nothing changed."""
        bind_items = []
        for message, data, target in links:
            # An int: the index of an employee created by this batch.
            employee = employees[target] if isinstance(target, int) else target
            batch.record(message, employee, "unchanged", data.external_id)
            bind_items.append(self._pss_bind_item(message, data, employee))
            batch.note(
                message,
                _(
                    "%(ext)s is %(name)s (same work e-mail), whose system of "
                    "record is another system: bound, nothing changed.",
                    ext=data.external_id,
                    name=employee.name,
                ),
            )
        return bind_items

    def _pss_employees_by_email(self, company, emails):
        """{e-mail key: employee id} of the entity's employees (archived too)
        with one of these work e-mails, in one query. The keys are locked
        first (pss_core lib/locks.py): two workers bringing the same new
        person at once (the HRIS and the PSA) create one employee."""
        emails = sorted(e for e in emails if e)
        if not emails:
            return {}
        advisory_xact_locks(
            self.env.cr, [(EMPLOYEE, company.id, email) for email in emails]
        )
        self.env[EMPLOYEE].flush_model(["work_email", "company_id"])
        self.env.cr.execute(
            """
            SELECT DISTINCT ON (lower(btrim(work_email))) lower(btrim(work_email)), id
              FROM hr_employee
             WHERE company_id = %s AND lower(btrim(work_email)) IN %s
             ORDER BY lower(btrim(work_email)), id
            """,
            [company.id, tuple(emails)],
        )
        return dict(self.env.cr.fetchall())

    def _pss_owners(self, employee_ids):
        """{employee id: id of the system that bound it first} (one query)."""
        if not employee_ids:
            return {}
        self.env["pss.binding"].flush_model()
        self.env.cr.execute(
            """
            SELECT DISTINCT ON (res_id) res_id, system_id
              FROM pss_binding
             WHERE res_model = %s AND res_id IN %s
             ORDER BY res_id, id
            """,
            [EMPLOYEE, tuple(employee_ids)],
        )
        return dict(self.env.cr.fetchall())

    @staticmethod
    def _pss_value(value):
        """Field value as in vals: an id (or False) for a relation."""
        if isinstance(value, models.BaseModel):
            return value.id or False
        return value

    @api.model
    def _pss_bind_item(self, message, data, employee):
        return {
            "external_id": data.external_id,
            "res_id": employee.id,
            "company_id": employee.company_id.id,
            "message_id": message.id,
        }

    def _pss_jobs(self, system, company, roles):
        """{role: hr.job id}: the role_job value map, else a job of that name
        in the company (created when missing)."""
        if not roles:
            return {}
        jobs = self.env["pss.value.map"]._map(
            system, "role_job", roles, company=company
        )
        missing = set(roles) - set(jobs)
        if missing:
            jobs.update(self._pss_find_or_create("hr.job", company, missing))
        return jobs

    def _pss_departments(self, company, names):
        if not names:
            return {}
        return self._pss_find_or_create("hr.department", company, set(names))

    def _pss_find_or_create(self, model, company, names):
        """{name: id} of the records of ``model`` named so in the company (or
        shared), creating the missing ones once even when two workers apply
        resources naming the same new department or job at the same time:
        a transaction lock per (model, company, name) before looking again
        (see pss_core lib/locks.py)."""
        Model = self.env[model]
        domain_company = ("company_id", "in", [company.id, False])

        def search(wanted):
            found = {}
            for record in Model.search(
                [("name", "in", sorted(wanted)), domain_company], order="id"
            ):
                found.setdefault(record.name, record.id)
            return found

        found = search(names)
        missing = sorted(names - set(found))
        if not missing:
            return found
        advisory_xact_locks(
            self.env.cr, [(model, company.id, name) for name in missing]
        )
        found.update(search(missing))
        to_create = [name for name in missing if name not in found]
        for record in Model.create(
            [{"name": name, "company_id": company.id} for name in to_create]
        ):
            found[record.name] = record.id
        return found

    def _pss_costs(self, touched):
        """Add (or correct) the dated cost; the employee's current cost is the
        one in force today. Time already recorded keeps its cost.
        ``touched``: [((amount, currency id, from) or None, employee)]."""
        with_cost = [(c, e) for c, e in touched if c]
        if not with_cost:
            return
        Cost = self.env["pss.resource.cost"]
        existing = {
            (c.employee_id.id, c.date_from): c
            for c in Cost.search([("employee_id", "in", [e.id for _c, e in with_cost])])
        }
        to_create = []
        for (amount, currency_id, effective_from), employee in with_cost:
            vals = {"amount": amount, "currency_id": currency_id}
            current = existing.get((employee.id, effective_from))
            if current:
                current.write(vals)
            else:
                to_create.append(
                    dict(vals, employee_id=employee.id, date_from=effective_from)
                )
        Cost.create(to_create)
        today = fields.Date.context_today(self)
        pairs = [(e, today) for _c, e in with_cost]
        costs = Cost._pss_costs_on(pairs)
        for employee, on_date in pairs:
            value = costs.get((employee.id, on_date))
            if value is not None and employee.hourly_cost != value:
                employee.hourly_cost = value
