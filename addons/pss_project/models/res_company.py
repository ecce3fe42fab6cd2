from datetime import date

from odoo import fields, models

# Context key of ``_pss_locked_until``: Odoo's lock rule as it applies to a
# non-adviser. It can only make a lock stricter, never lift one.
LOCK_FOR_EVERYONE = "pss_lock_for_everyone"


class ResCompany(models.Model):
    _inherit = "res.company"

    pss_project_template_id = fields.Many2one(
        "project.project",
        string="Project Template",
        domain="[('company_id', 'in', [id, False])]",
        help="Projects of won engagements in this entity are copies of this "
        "project (stages, tasks, settings). Empty: a new empty project.",
    )

    def _get_user_fiscal_lock_date(self):
        lock = super()._get_user_fiscal_lock_date()
        if self.env.context.get(LOCK_FOR_EVERYONE):
            # An adviser may book into a period closed to users; what pss
            # makes from external events never does, whoever runs it.
            lock = max(
                lock,
                self.period_lock_date or date.min,
                self.fiscalyear_lock_date or date.min,
            )
        return lock

    def _pss_locked_until(self, has_tax=False):
        """The last locked day for what pss books in this company (None:
        nothing is locked): the one lock-date rule of the suite.

        It is Odoo's own rule for moves, the one ``account.move._post``
        applies (``res.company._get_violated_lock_dates``): the period and
        fiscal-year lock dates (and the parent company's), plus the tax lock
        date for a document with taxes. It is applied as to a non-adviser, so
        the outcome of an event never depends on who runs the queue or the
        run. Time lines and documents without taxes pass ``has_tax=False``.
        """
        self.ensure_one()
        company = self.sudo().with_context(**{LOCK_FOR_EVERYONE: True})
        # Every lock a document dated on the first day ever would violate.
        locks = [
            lock
            for lock, _kind in company._get_violated_lock_dates(date.min, has_tax)
            if lock > date.min
        ]
        return max(locks) if locks else None
