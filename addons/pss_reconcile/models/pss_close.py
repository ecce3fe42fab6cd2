from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import date_utils

from odoo.addons.pss_core.lib.texts import counted

from ..lib.close import (
    FINANCE_GROUP,
    OPENS,
    STEP_STATES,
    STEPS,
    last_closed_month,
)


class PssClose(models.Model):
    """Month-end close of one entity and period, or of the group: the
    checklist a controller follows, in order, each step with its state, its
    figure and the button that does it or opens what holds it. Every figure
    is the count (or sum) of the records its button opens: both come from
    ``_pss_domain``, read as the user who looks at the screen. The last step
    sets the entity's lock date for non-advisers (``period_lock_date``) to
    the period end, only when every step above is done.

    The group's close (``scope`` group, no entity) is the same checklist
    over the entities the user works in (the companies allowed in the
    session that are pss entities): each figure counts the records of all
    of them, a step is done only when it is done in every entity, its
    buttons open (and do) the step in all of them, and its lock sets every
    entity's lock date, only when nothing blocks in any (or it says which
    entity blocks and why)."""

    _name = "pss.close"
    _description = "Month-end close"
    _order = "date_to desc, scope desc, company_id"
    _check_company_auto = True
    _inherit = ["pss.close.figures", "pss.close.actions"]

    name = fields.Char(compute="_compute_name", store=True)
    scope = fields.Selection(
        [("entity", "Entity"), ("group", "Group")],
        required=True,
        default="entity",
        readonly=True,
        help="Entity: one entity's close. Group: every entity you work in, together.",
    )
    company_id = fields.Many2one(
        "res.company",
        string="Entity",
        default=lambda self: self.env.company,
        index=True,
    )
    entity_names = fields.Char(
        string="Entities", compute="_compute_steps", help="What the figures count."
    )
    date_from = fields.Date(
        required=True, default=lambda self: self._default_period()[0]
    )
    date_to = fields.Date(required=True, default=lambda self: self._default_period()[1])
    period_lock_date = fields.Date(
        related="company_id.period_lock_date", string="Lock Date Now"
    )
    locked_by_id = fields.Many2one("res.users", readonly=True)
    locked_at = fields.Datetime(readonly=True)
    state = fields.Selection(
        [("open", "Open"), ("ready", "Ready to lock"), ("locked", "Locked")],
        compute="_compute_steps",
    )
    blocking = fields.Text(string="What Blocks The Lock", compute="_compute_steps")
    # 1. sync queue
    message_count = fields.Integer(string="Failed Messages", compute="_compute_steps")
    message_state = fields.Selection(STEP_STATES, compute="_compute_steps")
    # 2. approved time not billed
    unbilled_count = fields.Integer(string="Unbilled Rows", compute="_compute_steps")
    unbilled_hours = fields.Float(compute="_compute_steps", digits=(16, 2))
    unbilled_state = fields.Selection(STEP_STATES, compute="_compute_steps")
    # 3. billing
    billing_run_count = fields.Integer(compute="_compute_steps")
    billing_run_state = fields.Selection(STEP_STATES, compute="_compute_steps")
    draft_invoice_count = fields.Integer(compute="_compute_steps")
    draft_invoice_state = fields.Selection(STEP_STATES, compute="_compute_steps")
    # 4. intercompany
    ic_agreement_count = fields.Integer(compute="_compute_steps")
    ic_run_count = fields.Integer(compute="_compute_steps")
    ic_run_state = fields.Selection(STEP_STATES, compute="_compute_steps")
    ic_mismatch_count = fields.Integer(compute="_compute_steps")
    ic_mismatch_state = fields.Selection(STEP_STATES, compute="_compute_steps")
    # 5. reconciliation
    recon_run_count = fields.Integer(compute="_compute_steps")
    recon_run_state = fields.Selection(STEP_STATES, compute="_compute_steps")
    variance_count = fields.Integer(compute="_compute_steps")
    variance_state = fields.Selection(STEP_STATES, compute="_compute_steps")
    signed_count = fields.Integer(compute="_compute_steps")
    signed_state = fields.Selection(STEP_STATES, compute="_compute_steps")
    # 6. drafts blocking the lock
    blocking_draft_count = fields.Integer(compute="_compute_steps")
    blocking_draft_state = fields.Selection(STEP_STATES, compute="_compute_steps")
    # 7. the lock
    lock_state = fields.Selection(STEP_STATES, compute="_compute_steps")
    sign_off_owner_id = fields.Many2one(
        related="company_id.pss_recon_user_id", string="Signs Off"
    )

    _sql_constraints = [
        (
            "pss_close_unique",
            "UNIQUE(company_id, date_from, date_to)",
            "An entity has one close per period.",
        ),
        (
            "pss_close_scope",
            "CHECK((scope = 'group') = (company_id IS NULL))",
            "A group close has no entity; an entity close has one.",
        ),
        (
            "pss_close_dates",
            "CHECK(date_from <= date_to)",
            "A period ends on or after its start.",
        ),
    ]

    def init(self):
        # One group close per period (UNIQUE above ignores the empty entity).
        self.env.cr.execute(
            """CREATE UNIQUE INDEX IF NOT EXISTS pss_close_group_unique
               ON pss_close (date_from, date_to) WHERE company_id IS NULL"""
        )

    @api.model
    def _default_period(self):
        return last_closed_month(fields.Date.context_today(self))

    @api.depends("company_id", "date_from", "date_to")
    def _compute_name(self):
        for close in self:
            if close.scope == "group":
                entity = _("Group")
            else:
                entity = close.company_id.pss_entity_code or close.company_id.name or ""
            if (
                close.date_from
                and close.date_to
                and close.date_from == date_utils.start_of(close.date_from, "month")
                and close.date_to == date_utils.end_of(close.date_from, "month")
            ):
                period = close.date_from.strftime("%Y-%m")
            else:
                period = f"{close.date_from or ''} - {close.date_to or ''}"
            close.name = f"{entity} {period}"

    @api.onchange("date_from")
    def _onchange_date_from(self):
        if self.date_from:
            self.date_to = date_utils.end_of(self.date_from, "month")

    @api.constrains("scope", "company_id")
    def _check_scope(self):
        for close in self:
            if (close.scope == "group") != (not close.company_id):
                raise ValidationError(
                    _("A group close has no entity; an entity close has one.")
                )

    # ------------------------------------------------------------------
    # The checklist
    # ------------------------------------------------------------------
    @api.depends_context("uid", "allowed_company_ids")
    def _compute_steps(self):
        for close in self:
            companies = close._pss_companies() if close.date_from else None
            if not companies or not close.date_to:
                close.update(close._pss_empty_steps())
                continue
            per_entity = {c: close._pss_steps(c) for c in companies}
            if close.scope == "group":
                vals = close._pss_group_steps(per_entity)
            else:
                vals = per_entity[close.company_id]
            close.update(
                {
                    **{k: v for k, v in vals.items() if k != "reasons"},
                    "entity_names": ", ".join(
                        c.pss_entity_code or c.name for c in companies
                    ),
                }
            )

    def _pss_steps(self, company):
        """The checklist of one entity: figures, states, what blocks its
        lock (``reasons``), its lock state."""
        self.ensure_one()
        records = {figure: self._pss_records(figure, company) for figure in STEPS}
        counts = {figure: len(found) for figure, found in records.items()}
        agreements = len(self._pss_ic_agreements(company))
        vals = {f"{figure}_count": count for figure, count in counts.items()}
        vals.update(
            unbilled_hours=sum(records["unbilled"].mapped("hours")),
            ic_agreement_count=agreements,
        )

        def zero(count):
            return "done" if not count else "todo"

        ic_ran = counts["ic_run"] or not agreements
        recon_ran = bool(counts["recon_run"])
        vals.update(
            message_state=zero(counts["message"]),
            unbilled_state=zero(counts["unbilled"]),
            billing_run_state="done" if counts["billing_run"] else "todo",
            draft_invoice_state=zero(counts["draft_invoice"]),
            ic_run_state="done" if ic_ran else "todo",
            ic_mismatch_state=(zero(counts["ic_mismatch"]) if ic_ran else "blocked"),
            recon_run_state="done" if recon_ran else "todo",
            variance_state=zero(counts["variance"]) if recon_ran else "blocked",
            signed_state=(
                "done" if counts["signed"] else ("todo" if recon_ran else "blocked")
            ),
            blocking_draft_state=zero(counts["blocking_draft"]),
        )
        reasons = self._pss_reasons(vals)
        locked = bool(
            company.period_lock_date and company.period_lock_date >= self.date_to
        )
        if locked:
            vals.update(lock_state="done", state="locked")
        elif reasons:
            vals.update(lock_state="blocked", state="open")
        else:
            vals.update(lock_state="todo", state="ready")
        vals.update(reasons=reasons, blocking="\n".join(reasons) or False)
        return vals

    def _pss_group_steps(self, per_entity):
        """The group's checklist from its entities': each figure counts the
        records of all of them (once: a pair's balance or an all-pairs run
        is one record), a step is done only when it is in every entity,
        and what blocks the lock is said per entity."""
        vals = {}
        for figure in STEPS:
            found = self._pss_records(figure)
            vals[f"{figure}_count"] = len(found)
            if figure == "unbilled":
                vals["unbilled_hours"] = sum(found.mapped("hours"))
        vals["ic_agreement_count"] = len(self._pss_ic_agreements())
        for name in [*(f"{f}_state" for f in STEPS), "lock_state"]:
            states = {steps[name] for steps in per_entity.values()}
            if states == {"done"}:
                vals[name] = "done"
            elif "todo" in states:
                vals[name] = "todo"
            else:
                vals[name] = "blocked"
        entity_states = {steps["state"] for steps in per_entity.values()}
        if entity_states == {"locked"}:
            vals["state"] = "locked"
        elif "open" in entity_states:
            vals["state"] = "open"
        else:
            vals["state"] = "ready"
        if vals["state"] == "ready":
            # Some entities locked, the others ready: the lock is to do.
            vals["lock_state"] = "todo"
        # One line per entity that blocks: which, and why.
        reasons = [
            f"{company.pss_entity_code or company.name}: " + "; ".join(steps["reasons"])
            for company, steps in per_entity.items()
            if steps["reasons"]
        ]
        vals.update(reasons=reasons, blocking="\n".join(reasons) or False)
        return vals

    def _pss_empty_steps(self):
        vals = {
            "blocking": False,
            "state": "open",
            "lock_state": "blocked",
            "entity_names": False,
        }
        for name, field in self._fields.items():
            if name.endswith("_count") or name == "unbilled_hours":
                vals[name] = 0
            elif name.endswith("_state") and field.type == "selection":
                vals.setdefault(name, "todo")
        return vals

    @api.model
    def _pss_reasons(self, steps):
        """What stops the lock, one line per step not done (empty: none),
        from one entity's ``steps`` (see ``_pss_steps``)."""
        reasons = []
        for state_field, figure, texts in self._pss_reason_texts():
            if steps[state_field] == "done":
                continue
            if not figure:
                reasons.append(texts)
            elif steps[f"{figure}_count"]:
                reasons.append(counted(steps[f"{figure}_count"], *texts))
            # else: blocked by an earlier step, which says why.
        return reasons

    @api.model
    def _pss_reason_texts(self):
        """Each step's (state field, figure, why it blocks): for a figure,
        the texts for one and for several."""
        return [
            (
                "message_state",
                "message",
                (
                    _("%(count)s dead, parked or retrying message"),
                    _("%(count)s dead, parked or retrying messages"),
                ),
            ),
            (
                "unbilled_state",
                "unbilled",
                (
                    _("%(count)s row of approved time not billed"),
                    _("%(count)s rows of approved time not billed"),
                ),
            ),
            ("billing_run_state", None, _("no billing run of the period")),
            (
                "draft_invoice_state",
                "draft_invoice",
                (
                    _("%(count)s invoice to approve"),
                    _("%(count)s invoices to approve"),
                ),
            ),
            ("ic_run_state", None, _("no intercompany run of the period")),
            (
                "ic_mismatch_state",
                "ic_mismatch",
                (
                    _("%(count)s mismatched intercompany balance"),
                    _("%(count)s mismatched intercompany balances"),
                ),
            ),
            ("recon_run_state", None, _("no reconciliation run of the period")),
            (
                "variance_state",
                "variance",
                (_("%(count)s open variance"), _("%(count)s open variances")),
            ),
            ("signed_state", None, _("the reconciliation is not signed off")),
            (
                "blocking_draft_state",
                "blocking_draft",
                (
                    _("%(count)s draft entry dated in the period"),
                    _("%(count)s draft entries dated in the period"),
                ),
            ),
        ]

    def _pss_blocking(self):
        """What stops the lock, one line per step not done (empty: none);
        for the group, per entity."""
        self.ensure_one()
        self.invalidate_recordset()
        return self.blocking.splitlines() if self.blocking else []

    # ------------------------------------------------------------------
    # Buttons: open what a figure counts
    # ------------------------------------------------------------------
    def action_open_step(self):
        self.ensure_one()
        figure = self.env.context.get("step")
        if figure not in OPENS:
            raise UserError(_("Unknown step %s", figure))
        model, title = OPENS[figure]
        action = {
            "type": "ir.actions.act_window",
            "name": f"{_(title)} · {self.name}",
            "res_model": model,
            "view_mode": "tree,form",
            "domain": self._pss_domain(figure),
            "context": {"create": False},
        }
        if figure in ("draft_invoice",):
            action["views"] = [
                (self.env.ref("account.view_out_invoice_tree").id, "list"),
                (False, "form"),
            ]
        if figure == "blocking_draft":
            action["views"] = [
                (self.env.ref("account.view_move_tree").id, "list"),
                (False, "form"),
            ]
        if figure == "unbilled":
            action["view_mode"] = "tree"
        return action

    def _pss_open_record(self, record):
        return {
            "type": "ir.actions.act_window",
            "res_model": record._name,
            "res_id": record.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    # ------------------------------------------------------------------
    # The menu: the last closed month of every entity of the user, and the
    # group's
    # ------------------------------------------------------------------
    @api.model
    def _pss_get_or_create(self, companies, date_from, date_to):
        existing = self.search(
            [
                ("company_id", "in", companies.ids),
                ("date_from", "=", date_from),
                ("date_to", "=", date_to),
            ]
        )
        missing = companies - existing.company_id
        created = self.create(
            [
                {"company_id": c.id, "date_from": date_from, "date_to": date_to}
                for c in missing
            ]
        )
        return existing | created

    @api.model
    def _pss_get_or_create_group(self, date_from, date_to):
        """The group's close of the period (one for everybody: its figures
        are those of the entities of who reads it)."""
        domain = [
            ("scope", "=", "group"),
            ("date_from", "=", date_from),
            ("date_to", "=", date_to),
        ]
        return self.search(domain, limit=1) or self.create(
            {
                "scope": "group",
                "company_id": False,
                "date_from": date_from,
                "date_to": date_to,
            }
        )

    @api.model
    def action_open_closes(self):
        date_from, date_to = self._default_period()
        if self.env.user.has_group(FINANCE_GROUP):
            self._pss_get_or_create(self.env.companies, date_from, date_to)
            if len(self.env.user.company_ids) > 1:
                self._pss_get_or_create_group(date_from, date_to)
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "pss_reconcile.pss_close_action"
        )
        return action
