from odoo import _, api, fields, models

from odoo.addons.pss_core.lib.errors import PssDataError
from odoo.addons.pss_core.lib.locks import advisory_xact_locks

from ..schemas.resource import ResourceUpserted

EMPLOYEE = "hr.employee"


def email_key(email):
    """Dedupe key of a work e-mail: trimmed, lower case (None when empty)."""
    return (email or "").strip().lower() or None


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

    def _pss_process(self, batch):
        system = batch.system
        company = self.env.company
        items = list(batch)
        Employee = self.env[EMPLOYEE].with_context(active_test=False)
        bound = self.env["pss.binding"]._resolve(
            system, EMPLOYEE, [d.external_id for _m, d in items]
        )
        currencies = self._pss_currencies(
            {d.hourly_cost.currency for _m, d in items if d.hourly_cost}
        )
        jobs = self._pss_jobs(system, company, {d.role for _m, d in items if d.role})
        departments = self._pss_departments(
            company, {d.department for _m, d in items if d.department}
        )
        by_email = self._pss_employees_by_email(
            company,
            {
                email_key(d.work_email)
                for _m, d in items
                if d.external_id not in bound and d.work_email
            },
        )
        owners = self._pss_owners(set(bound.values()) | set(by_email.values()))
        creates, updates, links = [], [], []
        new_by_email = {}
        for message, data in items:
            if data.hourly_cost and data.hourly_cost.currency not in currencies:
                batch.fail(
                    message,
                    PssDataError(
                        _("Currency %s is not known.", data.hourly_cost.currency),
                        details=[
                            {"path": "data.hourly_cost.currency", "message": "unknown"}
                        ],
                    ),
                )
                continue
            vals = {
                "name": data.name,
                "work_email": data.work_email or False,
                "job_id": jobs.get(data.role, False) if data.role else False,
                "job_title": data.role or False,
                "department_id": departments.get(data.department, False),
                "pss_resource_kind": data.kind,
                "active": data.active,
            }
            employee_id = bound.get(data.external_id) or by_email.get(
                email_key(data.work_email)
            )
            if employee_id and owners.get(employee_id, system.id) != system.id:
                links.append((message, data, Employee.browse(employee_id)))
            elif employee_id:
                updates.append((message, data, Employee.browse(employee_id), vals))
            elif email_key(data.work_email) in new_by_email:
                # The same person twice in this batch: one employee.
                links.append((message, data, new_by_email[email_key(data.work_email)]))
            else:
                vals["company_id"] = company.id
                creates.append((message, data, vals))
                if data.work_email:
                    new_by_email[email_key(data.work_email)] = len(creates) - 1
        # Vendors of new contractors, one create.
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
                    "company_id": company.id,
                    "supplier_rank": 1,
                }
                for entry in contractors
            ]
        )
        vendor_of = {
            entry[1].external_id: vendor
            for entry, vendor in zip(contractors, vendors, strict=True)
        }
        for _message, data, vals in creates:
            if data.external_id in vendor_of:
                vals["pss_vendor_partner_id"] = vendor_of[data.external_id].id
        employees = Employee.create([vals for _m, _d, vals in creates])
        touched = []
        bind_items = []
        for (message, data, _vals), employee in zip(creates, employees, strict=True):
            batch.record(message, employee, "created", data.external_id)
            touched.append((data, employee))
            bind_items.append(self._pss_bind_item(message, data, employee))
        for message, data, employee, vals in updates:
            if data.external_id in vendor_of:
                vals["pss_vendor_partner_id"] = vendor_of[data.external_id].id
            changed = {
                key: value
                for key, value in vals.items()
                if self._pss_value(employee[key]) != value
            }
            if changed:
                employee.write(changed)
            batch.record(message, employee, "updated", data.external_id)
            touched.append((data, employee))
            bind_items.append(self._pss_bind_item(message, data, employee))
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
        self._pss_costs(touched, currencies)
        self.env["pss.binding"]._bind_many(system, EMPLOYEE, bind_items)

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

    def _pss_costs(self, touched, currencies):
        """Add (or correct) the dated cost; the employee's current cost is the
        one in force today. Time already recorded keeps its cost."""
        with_cost = [(d, e) for d, e in touched if d.hourly_cost]
        if not with_cost:
            return
        Cost = self.env["pss.resource.cost"]
        existing = {
            (c.employee_id.id, c.date_from): c
            for c in Cost.search([("employee_id", "in", [e.id for _d, e in with_cost])])
        }
        to_create = []
        for data, employee in with_cost:
            cost = data.hourly_cost
            vals = {
                "amount": float(cost.amount),
                "currency_id": currencies[cost.currency].id,
            }
            current = existing.get((employee.id, cost.effective_from))
            if current:
                current.write(vals)
            else:
                to_create.append(
                    dict(vals, employee_id=employee.id, date_from=cost.effective_from)
                )
        Cost.create(to_create)
        today = fields.Date.context_today(self)
        pairs = [(e, today) for _d, e in with_cost]
        costs = Cost._pss_costs_on(pairs)
        for employee, on_date in pairs:
            value = costs.get((employee.id, on_date))
            if value is not None and employee.hourly_cost != value:
                employee.hourly_cost = value
