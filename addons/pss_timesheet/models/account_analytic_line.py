from odoo import _, api, fields, models
from odoo.exceptions import AccessError

# What the sending system states about a line (timesheet.approved/voided):
# written by its technical user, or by internal code running as superuser;
# refused for everyone else on create and write, whatever the context.
INTEGRATION_FIELDS = frozenset(
    {
        "pss_system_id",
        "pss_external_id",
        "pss_version",
        "pss_approved_by",
        "pss_approved_at",
        "pss_hourly_cost",
        "pss_intercompany",
        "pss_resource_company_id",
        "pss_reversal_id",
        "pss_reverses_id",
    }
)


class AccountAnalyticLine(models.Model):
    _inherit = "account.analytic.line"

    pss_system_id = fields.Many2one(
        "pss.system",
        string="Source System",
        readonly=True,
        copy=False,
        index="btree_not_null",
    )
    pss_external_id = fields.Char(
        string="External ID", readonly=True, copy=False, index="btree_not_null"
    )
    pss_version = fields.Integer(string="External Version", readonly=True, copy=False)
    pss_approved_by = fields.Char(string="Approved By", readonly=True, copy=False)
    pss_approved_at = fields.Datetime(string="Approved At", readonly=True, copy=False)
    pss_hourly_cost = fields.Float(
        string="Hourly Cost Applied",
        digits=(16, 4),
        readonly=True,
        # Finance, and the PSA's technical user who sends it.
        groups="pss_core.group_pss_cost,pss_timesheet.group_pss_psa_time_integration",
        copy=False,
        help="Cost of the resource in force on the date of the time (company "
        "currency of the employee). Empty: the employee's current cost.",
    )
    pss_intercompany = fields.Boolean(
        string="Intercompany",
        readonly=True,
        copy=False,
        help="The resource belongs to another legal entity than the project: "
        "the work is charged between the entities (pss_intercompany).",
    )
    pss_resource_company_id = fields.Many2one(
        "res.company", string="Resource Entity", readonly=True, copy=False
    )

    pss_reversal_id = fields.Many2one(
        "account.analytic.line",
        string="Reversed By",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The sender voided or changed this time after its period was "
        "locked: this line on the first open date reverses it.",
    )
    pss_reverses_id = fields.Many2one(
        "account.analytic.line",
        string="Reverses",
        readonly=True,
        copy=False,
        help="The locked time this line reverses.",
    )

    # ------------------------------------------------------------------
    # Integration-owned fields: the sender's technical user only
    # ------------------------------------------------------------------
    def _pss_guarded_fields(self):
        """Fields no user writes by hand (extended by pss_billing)."""
        return INTEGRATION_FIELDS

    def _pss_sender_system_ids(self):
        """The systems whose technical user is the current user."""
        return set(
            self.env["pss.system"]
            .sudo()
            .with_context(active_test=False)
            .search([("user_id", "=", self.env.uid)])
            .ids
        )

    def _pss_without_guarded_defaults(self):
        """No ``default_<field>`` in the context sets a guarded field."""
        keys = {f"default_{name}" for name in self._pss_guarded_fields()}
        if keys.isdisjoint(self.env.context):
            return self
        context = {k: v for k, v in self.env.context.items() if k not in keys}
        return self.with_env(self.env(context=context))

    def _pss_refuse_integration(self):
        raise AccessError(
            _(
                "Only the system a timesheet comes from (its technical user) "
                "sets its source, external id, version, approver, hourly cost "
                "and entities."
            )
        )

    @api.model_create_multi
    def create(self, vals_list):
        if self.env.su:
            return super().create(vals_list)
        senders = None
        for vals in vals_list:
            if not any(vals.get(name) for name in INTEGRATION_FIELDS):
                continue
            if senders is None:
                senders = self._pss_sender_system_ids()
            if vals.get("pss_system_id") not in senders:
                self._pss_refuse_integration()
        lines = self._pss_without_guarded_defaults()
        return super(AccountAnalyticLine, lines).create(vals_list)

    def write(self, vals):
        if not self.env.su and not INTEGRATION_FIELDS.isdisjoint(vals):
            senders = self._pss_sender_system_ids()
            new_system = vals.get("pss_system_id")
            if (new_system and new_system not in senders) or any(
                line.pss_system_id.id not in senders for line in self.sudo()
            ):
                self._pss_refuse_integration()
        return super().write(vals)

    def _hourly_cost(self):
        if self.pss_hourly_cost:
            return self.pss_hourly_cost
        return super()._hourly_cost()

    def _get_employee_mapping_entry(self):
        """sale_timesheet searches the employee map once per timesheet; the
        timesheet handler reads the maps of its projects once per batch and
        passes them in the context ({(project id, employee id): map id})."""
        maps = self.env.context.get("pss_employee_maps")
        if maps is None:
            return super()._get_employee_mapping_entry()
        self.ensure_one()
        employee = self.employee_id or self.env.user.employee_id
        return self.env["project.sale.line.employee.map"].browse(
            maps.get((self.project_id.id, employee.id), [])
        )

    def _timesheet_postprocess_values(self, values):
        # The handler computes the amount from the cost in force on the
        # line's date and passes it with the values: hr_timesheet would
        # otherwise recompute it and write it line by line after the insert.
        if "amount" in values and values.get("pss_hourly_cost"):
            values = {
                key: value
                for key, value in values.items()
                if key not in ("unit_amount", "employee_id", "account_id")
            }
        return super()._timesheet_postprocess_values(values)
