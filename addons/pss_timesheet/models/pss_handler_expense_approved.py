from odoo import _, models
from odoo.tools.translate import _lt

from odoo.addons.pss_core.lib.plan import CREATE

from ..lib.expense_plan import ExpenseFacts, plan_expense
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

    _pss_texts = {
        "applied": _lt("Expense %(ext)s is already applied."),
        "engagement_unknown": _lt("Engagement %(ext)s is not known yet."),
        "resource_unknown": _lt("Resource %(ext)s is not known yet."),
        "invalid": _lt("Expense %(ext)s cannot be applied."),
        "category_unmapped": _lt(
            "no value map of kind expense_category for %(category)r"
        ),
        "currency_unknown": _lt("unknown currency"),
        "billable_without_engagement": _lt("a billable expense needs one"),
        "locked": _lt(
            "Expense %(ext)s is dated %(date)s, in a locked accounting period "
            "(until %(lock)s)."
        ),
        "period_locked": _lt("period is locked"),
        "locked_hold": _lt(
            "Expense %(ext)s is dated %(date)s, in a locked accounting period "
            "(until %(lock)s): finance can move it to the first open date or "
            "reject it."
        ),
        "other_entity": _lt(
            "Resource %(res)s belongs to %(company)s: send the expense for that entity."
        ),
        "moved": _lt(
            "Dated %(date)s in a locked period: booked on the first open date %(open)s."
        ),
        "not_posted": _lt(
            "Expense report approved, not posted: needs an expense journal, the "
            "employee's work e-mail and the technical user's e-mail. Accounting "
            "posts it (and re-invoices it)."
        ),
    }

    def _pss_process(self, batch):
        # Re-invoice lines added to a confirmed order are listed by the
        # message's record links, not posted one by one on the order.
        return super(
            PssHandlerExpenseApproved,
            self.with_context(
                sale_no_log_for_new_lines=True,
                mail_create_nosubscribe=True,
                mail_auto_subscribe_no_notify=True,
            ),
        )._pss_process(batch)

    def _pss_lookups(self, batch):
        """One query per kind: bindings, value maps, currencies, employees
        and projects of the whole batch."""
        system, company = batch.system, self.env.company
        items = list(batch)
        binding = self.env["pss.binding"]
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
        employees = self.env[EMPLOYEE].browse(set(employee_ids.values()))
        projects = self.env[PROJECT].browse(set(project_ids.values()))
        employee_of = {e.id: e for e in employees}
        project_of = {p.id: p for p in projects}
        return ExpenseFacts(
            company_id=company.id,
            system_id=system.id,
            lock_behaviour=company.sudo().pss_period_lock_behaviour,
            applied=frozenset(
                binding._resolve(system, EXPENSE, [d.external_id for _m, d in items])
            ),
            employees={
                ext: (
                    employee_id,
                    employee_of[employee_id].company_id.id,
                    employee_of[employee_id].company_id.name,
                )
                for ext, employee_id in employee_ids.items()
            },
            projects={
                ext: (
                    project_id,
                    project_of[project_id].analytic_account_id.id,
                    project_of[project_id].sale_order_id.id,
                )
                for ext, project_id in project_ids.items()
            },
            products=products,
            currencies={
                code: currency.id
                for code, currency in self._pss_currencies(
                    {d.currency for _m, d in items}
                ).items()
            },
            # Per category: its product's taxes decide whether the tax lock
            # date holds the expense's move too.
            locks=company._pss_expense_locks(products),
        )

    def _pss_plan(self, batch, facts):
        return [(message, plan_expense(data, facts)) for message, data in batch]

    def _pss_write(self, batch, plan):
        """Expenses and their approved reports in batches, posted when Odoo
        can post them; the other steps reported on the batch."""
        created = []
        for message, step in plan:
            if step.kind == CREATE:
                created.append((message, step))
            else:
                self._pss_report(batch, message, step)
        if not created:
            return
        expenses = self.env[EXPENSE].create([step.values for _m, step in created])
        for expense, (_message, step) in zip(expenses, created, strict=True):
            # Not billable: no re-invoicing even if the product allows it.
            if not step.values.get("sale_order_id") and expense.sale_order_id:
                expense.sale_order_id = False
        sheets = self._pss_sheets(batch.system, expenses)
        postable = self._pss_post(sheets)
        bind_items = []
        for (message, step), expense, sheet in zip(
            created, expenses, sheets, strict=True
        ):
            if step.note:
                batch.note(message, self._pss_text(step.note, step.args))
            if sheet not in postable:
                batch.note(message, self._pss_text("not_posted"))
            ext = expense.pss_external_id
            batch.record(message, expense, "created", ext)
            batch.record(message, sheet, "created", ext)
            bind_items.append(
                {
                    "external_id": ext,
                    "res_id": expense.id,
                    "company_id": expense.company_id.id,
                    "message_id": message.id,
                }
            )
        self.env["pss.binding"]._bind_many(batch.system, EXPENSE, bind_items)

    def _pss_sheets(self, system, expenses):
        """One submitted and approved expense report per expense."""
        sheets = self.env["hr.expense.sheet"].create(
            [
                {
                    "name": _(
                        "%(system)s: %(ext)s",
                        system=system.code,
                        ext=expense.pss_external_id,
                    ),
                    "employee_id": expense.employee_id.id,
                    "company_id": expense.company_id.id,
                    "expense_line_ids": [(6, 0, expense.ids)],
                }
                for expense in expenses
            ]
        )
        sheets._do_submit()
        sheets._do_approve()
        return sheets

    def _pss_post(self, sheets):
        """Post the reports Odoo can post; return them.

        Odoo's chatter needs an author e-mail when posting (the technical
        user's); without it, or without a journal or the employee's work
        e-mail, the report stays approved for accounting to post."""
        postable = sheets.filtered(
            lambda s: s.journal_id and s.employee_id.work_email and self.env.user.email
        )
        if postable:
            # Posting books the expense and, for billable ones, adds the
            # re-invoice line to the engagement's sale order (sale_expense).
            postable.action_sheet_move_create()
        return postable
