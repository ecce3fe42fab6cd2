from datetime import timedelta

from odoo import _, api, models

from odoo.addons.pss_core.lib.errors import PssDataError

from ..schemas.expense import ExpenseApproved

EMPLOYEE = "hr.employee"
PROJECT = "project.project"
EXPENSE = "hr.expense"


class PssHandlerExpenseApproved(models.AbstractModel):
    """expense.approved: an hr.expense in an approved expense report.

    The expense is booked in the resource's company; when billable it is
    re-invoiced to the customer on the engagement's sale order through
    sale_expense (the category's product carries the re-invoice policy) with
    the analytic distribution of the engagement's project.
    """

    _name = "pss.handler.expense.approved"
    _inherit = "pss.handler"
    _description = "expense.approved"
    _pss_event_type = "expense.approved"
    _pss_groups = "pss_timesheet.group_pss_psa_time_integration"
    _pss_schema = ExpenseApproved
    _pss_sequence_prefix = "expense"
    _pss_description = "Approved expense: expense report, re-invoiced when billable"

    def _pss_process(self, batch):
        # Re-invoice lines added to a confirmed order are listed by the
        # message's record links, not posted one by one on the order.
        self.with_context(
            sale_no_log_for_new_lines=True,
            mail_create_nosubscribe=True,
            mail_auto_subscribe_no_notify=True,
        )._pss_apply(batch)

    def _pss_apply(self, batch):
        system = batch.system
        items = list(batch)
        company = self.env.company
        binding = self.env["pss.binding"]
        done = binding._resolve(system, EXPENSE, [d.external_id for _m, d in items])
        employee_ids = binding._resolve_any(
            system, EMPLOYEE, {d.resource_external_id for _m, d in items}
        )
        project_ids = binding._resolve_any(
            system,
            PROJECT,
            {d.engagement_external_id for _m, d in items if d.engagement_external_id},
        )
        products = self.env["pss.value.map"]._map(
            system, "expense_category", {d.category for _m, d in items}, company=company
        )
        currencies = self._pss_currencies({d.currency for _m, d in items})
        employees = self.env[EMPLOYEE].browse(set(employee_ids.values()))
        projects = self.env[PROJECT].browse(set(project_ids.values()))
        # Per category: its product's taxes decide whether the tax lock
        # date holds the expense's move too.
        locks = self._pss_locks(company, products)
        vals_list, refs = [], []
        for message, data in items:
            if data.external_id in done:
                batch.conflict(
                    message, _("Expense %s is already applied.", data.external_id)
                )
                continue
            problems = []
            if data.category not in products:
                problems.append(
                    (
                        "data.category",
                        _(
                            "no value map of kind expense_category for %r",
                            data.category,
                        ),
                    )
                )
            if data.currency not in currencies:
                problems.append(("data.currency", _("unknown currency")))
            project = projects.browse(project_ids.get(data.engagement_external_id))
            if data.billable and not data.engagement_external_id:
                problems.append(
                    ("data.engagement_external_id", _("a billable expense needs one"))
                )
            if data.engagement_external_id and not project:
                batch.park(
                    message,
                    _("Engagement %s is not known yet.", data.engagement_external_id),
                    PROJECT,
                    data.engagement_external_id,
                    any_system=True,
                )
                continue
            if problems:
                batch.fail(
                    message,
                    PssDataError(
                        _("Expense %s cannot be applied.", data.external_id),
                        details=[{"path": p, "message": m} for p, m in problems],
                    ),
                )
                continue
            employee_id = employee_ids.get(data.resource_external_id)
            if not employee_id:
                batch.park(
                    message,
                    _("Resource %s is not known yet.", data.resource_external_id),
                    EMPLOYEE,
                    data.resource_external_id,
                    any_system=True,
                )
                continue
            lock = locks[data.category]
            on_date = self._pss_open_date(batch, message, data, company, lock)
            if on_date is None:
                continue
            employee = employees.browse(employee_id)
            if employee.company_id != company:
                batch.fail(
                    message,
                    PssDataError(
                        _(
                            "Resource %(res)s belongs to %(company)s: send the "
                            "expense for that entity.",
                            res=data.resource_external_id,
                            company=employee.company_id.name,
                        )
                    ),
                )
                continue
            vals = {
                "name": data.description or data.category,
                "employee_id": employee.id,
                "company_id": company.id,
                "product_id": products[data.category],
                "date": on_date,
                "total_amount_currency": float(data.amount),
                "currency_id": currencies[data.currency].id,
                "quantity": 1,
                "payment_mode": "own_account",
                "pss_system_id": system.id,
                "pss_external_id": data.external_id,
                "pss_approved_by": data.approved_by or False,
                "pss_receipt_url": data.receipt_url or False,
            }
            if project.analytic_account_id:
                vals["analytic_distribution"] = {
                    str(project.analytic_account_id.id): 100
                }
            if data.billable and project.sale_order_id:
                vals["sale_order_id"] = project.sale_order_id.id
            vals_list.append(vals)
            refs.append((message, data))
        if not vals_list:
            return
        moved = {
            m.id for m, d in refs if locks[d.category] and d.date <= locks[d.category]
        }
        expenses = self.env[EXPENSE].create(vals_list)
        for expense, vals in zip(expenses, vals_list, strict=True):
            # Not billable: no re-invoicing even if the product allows it.
            if not vals.get("sale_order_id") and expense.sale_order_id:
                expense.sale_order_id = False
        sheets = self.env["hr.expense.sheet"].create(
            [
                {
                    "name": _(
                        "%(system)s: %(ext)s", system=system.code, ext=d.external_id
                    ),
                    "employee_id": expense.employee_id.id,
                    "company_id": company.id,
                    "expense_line_ids": [(6, 0, expense.ids)],
                }
                for expense, (_m, d) in zip(expenses, refs, strict=True)
            ]
        )
        sheets._do_submit()
        sheets._do_approve()
        # Odoo's chatter needs an author e-mail when posting (the technical
        # user's); without it, or without a journal or the employee's work
        # e-mail, the report stays approved for accounting to post.
        postable = sheets.filtered(
            lambda s: s.journal_id and s.employee_id.work_email and self.env.user.email
        )
        if postable:
            # Posting books the expense and, for billable ones, adds the
            # re-invoice line to the engagement's sale order (sale_expense).
            postable.action_sheet_move_create()
        bind_items = []
        for (message, data), expense, sheet in zip(refs, expenses, sheets, strict=True):
            if message.id in moved:
                batch.note(
                    message,
                    _(
                        "Dated %(date)s in a locked period: booked on the "
                        "first open date %(open)s.",
                        date=data.date,
                        open=expense.date,
                    ),
                )
            if sheet not in postable:
                batch.note(
                    message,
                    _(
                        "Expense report approved, not posted: needs an expense "
                        "journal, the employee's work e-mail and the technical "
                        "user's e-mail. Accounting posts it (and re-invoices it)."
                    ),
                )
            batch.record(message, expense, "created", data.external_id)
            batch.record(message, sheet, "created", data.external_id)
            bind_items.append(
                {
                    "external_id": data.external_id,
                    "res_id": expense.id,
                    "company_id": company.id,
                    "message_id": message.id,
                }
            )
        self.env["pss.binding"]._bind_many(system, EXPENSE, bind_items)

    @api.model
    def _pss_locks(self, company, products):
        """{category: last locked day of its expenses in ``company``}: the
        suite's lock rule (``res.company._pss_locked_until``) for a move
        with the category product's purchase taxes, as hr_expense books it."""
        taxed = {
            category: bool(
                self.env["product.product"]
                .sudo()
                .browse(product_id)
                .supplier_taxes_id.filtered(
                    lambda tax: tax.company_id in company.sudo().parent_ids
                )
            )
            for category, product_id in products.items()
        }
        by_tax = {tax: company._pss_locked_until(tax) for tax in (False, True)}
        return {category: by_tax[has_tax] for category, has_tax in taxed.items()}

    @api.model
    def _pss_locked_until(self, system, company, category):
        """The last locked day of an expense of ``category`` in ``company``
        (an unmapped category counts as taxed: the stricter lock)."""
        products = self.env["pss.value.map"]._map(
            system, "expense_category", {category}, company=company
        )
        if category not in products:
            return company._pss_locked_until(has_tax=True)
        return self._pss_locks(company, products)[category]

    def _pss_open_date(self, batch, message, data, company, lock):
        """The date to book the expense on under the company's locked-period
        behaviour; None when it is held for finance or refused (reported on
        the batch)."""
        if not lock or data.date > lock:
            return data.date
        behaviour = company.sudo().pss_period_lock_behaviour
        if behaviour == "next_open_date":
            return lock + timedelta(days=1)
        if behaviour == "reject":
            batch.fail(
                message,
                PssDataError(
                    _(
                        "Expense %(ext)s is dated %(date)s, in a locked "
                        "accounting period (until %(lock)s).",
                        ext=data.external_id,
                        date=data.date,
                        lock=lock,
                    ),
                    details=[{"path": "data.date", "message": "period is locked"}],
                ),
            )
            return None
        batch.hold(
            message,
            _(
                "Expense %(ext)s is dated %(date)s, in a locked accounting "
                "period (until %(lock)s): finance can move it to the first "
                "open date or reject it.",
                ext=data.external_id,
                date=data.date,
                lock=lock,
            ),
        )
        return None
