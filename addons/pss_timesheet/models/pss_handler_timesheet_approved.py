from odoo import _, models
from odoo.tools.translate import _lt

from odoo.addons.pss_core.lib.plan import HOLD, PARK, Step

from ..lib import timesheet_plan as tp
from ..schemas.timesheet import TimesheetApproved
from .pss_timesheet_shared import WRITE_CONTEXT

EMPLOYEE = tp.EMPLOYEE
PROJECT = tp.PROJECT
LINE = "account.analytic.line"
LOCKED = tp.LOCKED


class PssHandlerTimesheetApproved(models.AbstractModel):
    """timesheet.approved: approved lines become timesheets on the engagement.

    Per line, in one pass over the whole batch (lookups: one query each;
    the decisions: :mod:`..lib.timesheet_plan`):

    - invalid (hours, dates of the engagement, engagement unknown): rejected
      back to the sender, one ``timesheet.rejected`` per message;
    - waiting for a resource or an engagement still on its way: moved to a
      child message (same event type, only those lines, idempotency key
      ``<parent key>/wait:<model>:<external id>``) that parks on the missing
      binding and is released by the queue when it is bound;
    - dated in a locked period: per the company's locked-period behaviour,
      moved to a child message held for finance (``<parent key>/locked``),
      moved to the first open date, or rejected;
    - known with a higher version: updated, unless already invoiced (then a
      ``pss.timesheet.exception`` for finance, the timesheet unchanged);
    - new: created with ``create(vals_list)`` and bound.

    A message whose lines all defer to one and the same group parks (or is
    held) itself instead of spawning a child: that is how children behave.
    """

    _name = "pss.handler.timesheet.approved"
    _inherit = ["pss.handler", "pss.timesheet.shared"]
    _description = "timesheet.approved"
    _pss_event_type = "timesheet.approved"
    _pss_groups = "pss_timesheet.group_pss_psa_time_integration"
    _pss_schema = TimesheetApproved
    _pss_description = "Approved time lines: timesheets on the engagement's project"

    _pss_texts = {
        "hours": _lt("hours must be more than 0 and at most 24"),
        "engagement_unknown": _lt("unknown engagement %(ext)s"),
        "outside": _lt(
            "date %(date)s is outside the engagement (%(start)s to %(end)s)"
        ),
        "old_locked": _lt(
            "the approved time is in a locked period (until %(lock)s): it "
            "cannot be changed"
        ),
        "locked_period": _lt("period is locked until %(lock)s"),
        "locked": _lt("dated in a locked period (until %(lock)s)"),
        "wait_employee": _lt(
            "%(count)s line(s) wait for resource %(ext)s, not known yet"
        ),
        "wait_project": _lt(
            "%(count)s line(s) wait for engagement %(ext)s, not known yet"
        ),
        "wait_locked": _lt(
            "%(count)s line(s) dated in a locked accounting period "
            "(%(dates)s): finance can move them to the first open date or "
            "reject them."
        ),
    }

    # ------------------------------------------------------------------
    # Lookups
    # ------------------------------------------------------------------
    def _pss_queued(self, prefix, external_ids):
        """{external id: system id} of entities whose creating event is still
        in the queue (pending, running, retrying or parked)."""
        keys = {f"{prefix}:{ext}": ext for ext in external_ids}
        if not keys:
            return {}
        self.env["pss.message"].flush_model()
        self.env.cr.execute(
            """
            SELECT DISTINCT ON (sequence_key) sequence_key, system_id
              FROM pss_message
             WHERE direction = 'in' AND sequence_key IN %s
               AND state IN ('pending', 'running', 'retrying', 'parked')
             ORDER BY sequence_key, id
            """,
            [tuple(keys)],
        )
        return {keys[key]: system_id for key, system_id in self.env.cr.fetchall()}

    def _pss_process(self, batch):
        return super(
            PssHandlerTimesheetApproved,
            self.with_context(**WRITE_CONTEXT),
        )._pss_process(batch)

    def _pss_lookups(self, batch):
        """One query per kind for the whole batch: bindings, employees,
        projects, timesheets, tasks, lock dates and dated costs."""
        system = batch.system
        lines = [line for _m, data in batch for line in data.lines]
        binding = self.env["pss.binding"]
        employee_ids = binding._resolve_any(
            system, EMPLOYEE, {line.resource_external_id for line in lines}
        )
        project_ids = binding._resolve_any(
            system, PROJECT, {line.engagement_external_id for line in lines}
        )
        states = binding._states(system, LINE, [line.external_id for line in lines])
        queued = self._pss_queued(
            "engagement", {e.engagement_external_id for e in lines} - set(project_ids)
        )
        employees = (
            self.env[EMPLOYEE]
            .with_context(active_test=False)
            .browse(set(employee_ids.values()))
        )
        projects = self.env[PROJECT].browse(set(project_ids.values()))
        existing = (
            self.env[LINE]
            .browse({s.res_id for s in states.values() if s.res_id})
            .exists()
        )
        companies = projects.company_id | existing.company_id
        employee_of = {e.id: e for e in employees}
        costs = self.env["pss.resource.cost"]._pss_costs_on(
            list(
                {
                    (employee_of[employee_ids[line.resource_external_id]], line.date)
                    for line in lines
                    if line.resource_external_id in employee_ids
                }
            )
        )
        return tp.TimesheetFacts(
            system_id=system.id,
            employees={
                ext: tp.Employee(i, employee_of[i].company_id.id)
                for ext, i in employee_ids.items()
            },
            projects=self._pss_project_facts(project_ids, projects),
            queued_projects=frozenset(queued),
            states=states,
            timesheets=self._pss_timesheet_facts(existing),
            tasks=self._pss_tasks(projects, {line.task for line in lines if line.task}),
            # Time is no move and carries no tax: the tax lock date leaves it.
            locks={c.id: c._pss_locked_until() for c in companies},
            behaviours={c.id: c.sudo().pss_period_lock_behaviour for c in companies},
            costs=costs,
        )

    def _pss_project_facts(self, project_ids, projects):
        project_of = {p.id: p for p in projects}
        return {
            ext: tp.Project(
                project_id,
                project_of[project_id].company_id.id,
                project_of[project_id].date_start or None,
                project_of[project_id].date or None,
            )
            for ext, project_id in project_ids.items()
        }

    def _pss_tasks(self, projects, names):
        """{(project id, task name or external id): task id}, one search."""
        if not names or not projects:
            return {}
        found = {}
        for task in self.env["project.task"].search(
            [("project_id", "in", projects.ids), ("name", "in", list(names))]
        ):
            found.setdefault((task.project_id.id, task.name), task.id)
        return found

    # ------------------------------------------------------------------
    # Plan
    # ------------------------------------------------------------------
    def _pss_plan(self, batch, facts):
        items = list(batch)
        best = tp.best_lines([line for _m, data in items for line in data.lines])
        return [
            (message, tp.plan_message(data.lines, message.occurred_at, facts, best))
            for message, data in items
        ]

    # ------------------------------------------------------------------
    # Writes
    # ------------------------------------------------------------------
    def _pss_write(self, batch, plan):
        """Report every message, then create, reverse, update and bind the
        timesheets of the batch in batches; exceptions, rejections and the
        children of the deferred lines last."""
        creates, updates, reverse_ids = [], [], []
        exceptions, rejected_out, children = [], [], []
        for message, mplan in plan:
            if mplan.verdict == tp.CONFLICT:
                # Every line was withdrawn by a void: nothing applies.
                batch.conflict(message, self._pss_summary(mplan))
                continue
            if mplan.verdict == tp.WAIT:
                # Everything waits for one thing: the message itself waits.
                self._pss_report(batch, message, self._pss_wait_step(mplan))
                continue
            creates += [(message, s) for s in mplan.of(tp.CREATE)]
            creates += [(message, s) for s in mplan.of(tp.REVERSE)]
            reverse_ids += [s.timesheet_id for s in mplan.of(tp.REVERSE)]
            updates += [(message, s) for s in mplan.of(tp.UPDATE)]
            exceptions += [
                (message, self.env[LINE].browse(s.timesheet_id), s.line)
                + ((self._pss_text(s.reason, s.args),) if s.reason else ())
                for s in mplan.of(tp.EXCEPTION)
            ]
            rejected = [
                (s.line.external_id, self._pss_text(s.reason, s.args))
                for s in mplan.of(tp.REJECTED)
            ]
            if rejected:
                rejected_out.append((message, rejected))
            children += [(message, *group) for group in mplan.deferred.items()]
            batch.note(message, self._pss_summary(mplan))
        self._pss_write_timesheets(batch, creates, updates, reverse_ids)
        self._pss_exceptions(batch.system, exceptions)
        self._pss_enqueue_rejected(batch.system, rejected_out)
        self._pss_enqueue_children(batch.system, children)

    def _pss_write_timesheets(self, batch, creates, updates, reverse_ids):
        """Create (one create(vals_list)), reverse, update and bind."""
        updated = [self.env[LINE].browse(s.timesheet_id) for _m, s in updates]
        project_ids = {s.values["project_id"] for _m, s in creates}
        project_ids |= {t.project_id.id for t in updated}
        project_ids |= {s.values.get("project_id") for _m, s in updates} - {None}
        maps = self._pss_employee_maps(project_ids)
        Line = self.env[LINE].with_context(pss_employee_maps=maps)
        timesheets = Line.create(
            [self._pss_with_amount(s.values, s.line) for _m, s in creates]
        )
        self._pss_reverse(list(self.env[LINE].browse(reverse_ids)), maps)
        bind_items = []
        for (message, step), timesheet in zip(creates, timesheets, strict=True):
            batch.record(message, timesheet, "created", step.line.external_id)
            bind_items.append(self._pss_bind_item(message, step.line, timesheet))
        for (message, step), timesheet in zip(updates, updated, strict=True):
            # The keys left out are the timesheet's: the cost is theirs too.
            full = {
                "project_id": timesheet.project_id.id,
                "employee_id": timesheet.employee_id.id,
                **step.values,
            }
            values = dict(step.values)
            costed = self._pss_with_amount(full, step.line)
            if "amount" in costed:
                values["amount"] = costed["amount"]
            timesheet.with_context(pss_employee_maps=maps).write(values)
            batch.record(message, timesheet, "updated", step.line.external_id)
            bind_items.append(self._pss_bind_item(message, step.line, timesheet))
        self.env["pss.binding"]._bind_many(batch.system, LINE, bind_items)

    def _pss_employee_maps(self, project_ids):
        """{(project id, employee id): map id} of the projects, read once
        (sale_timesheet would search them once per timesheet)."""
        return {
            (entry.project_id.id, entry.employee_id.id): entry.id
            for entry in self.env["project.sale.line.employee.map"].search(
                [("project_id", "in", list(project_ids))]
            )
        }

    def _pss_with_amount(self, values, line):
        """``values`` with the cost (amount) as hr_timesheet computes it from
        the dated cost, in the currency of the project's analytic account
        (else the company's); unchanged when the dated cost is unknown."""
        cost = values["pss_hourly_cost"]
        if not cost:
            return values
        project = self.env[PROJECT].browse(values["project_id"])
        employee = self.env[EMPLOYEE].browse(values["employee_id"])
        amount = -float(line.hours) * cost
        target = (
            project.analytic_account_id.currency_id or project.company_id.currency_id
        )
        if employee.currency_id == target:
            amount = target.round(amount)
        else:
            amount = employee.currency_id._convert(
                amount, target, project.company_id, values["date"]
            )
        return dict(values, amount=amount)

    def _pss_bind_item(self, message, line, timesheet):
        return {
            "external_id": line.external_id,
            "res_id": timesheet.id,
            "company_id": timesheet.company_id.id,
            "version": line.version,
            "message_id": message.id,
        }

    def _pss_summary(self, mplan):
        count = mplan.count
        parts = [
            _("%s created", count(tp.CREATE)),
            _("%s updated", count(tp.UPDATE)),
        ]
        if count(tp.UNCHANGED):
            parts.append(
                _("%s unchanged (version already applied)", count(tp.UNCHANGED))
            )
        if count(tp.VOIDED):
            parts.append(
                _(
                    "%s ignored: voided by the sender (at or after this version)",
                    count(tp.VOIDED),
                )
            )
        moved = sum(1 for step in mplan.steps if step.moved)
        if moved:
            parts.append(_("%s moved to the first open date", moved))
        if count(tp.REJECTED):
            parts.append(_("%s rejected to the sender", count(tp.REJECTED)))
        if count(tp.REVERSE):
            parts.append(
                _(
                    "%s in a locked period: reversed on the first open date "
                    "and recorded again",
                    count(tp.REVERSE),
                )
            )
        if count(tp.EXCEPTION):
            parts.append(
                _(
                    "%s already invoiced or in a locked period: exception for finance",
                    count(tp.EXCEPTION),
                )
            )
        parts += self._pss_summary_waiting(mplan)
        return ", ".join(parts)

    def _pss_summary_waiting(self, mplan):
        parts = []
        deferred = mplan.deferred
        waiting = sum(len(v) for k, v in deferred.items() if k != LOCKED)
        if waiting:
            parts.append(_("%s waiting for a resource or engagement", waiting))
        if deferred.get(LOCKED):
            parts.append(
                _("%s in a locked period, held for finance", len(deferred[LOCKED]))
            )
        names = sorted(set(mplan.no_task))
        if names:
            parts.append(
                _(
                    "%(count)s recorded without a task: the project has no task "
                    "named %(names)s",
                    count=len(mplan.no_task),
                    names=", ".join(repr(n) for n in names[:5])
                    + (" …" if len(names) > 5 else ""),
                )
            )
        return parts

    # ------------------------------------------------------------------
    # Deferred lines
    # ------------------------------------------------------------------
    def _pss_wait_step(self, mplan):
        """The step of a message whose lines all wait for one thing."""
        ((key, waiting),) = mplan.deferred.items()
        if key == LOCKED:
            dates = ", ".join(sorted({str(line.date) for line in waiting}))
            return Step(HOLD, "wait_locked", {"count": len(waiting), "dates": dates})
        model, external_id = key
        return Step(
            PARK,
            "wait_employee" if model == EMPLOYEE else "wait_project",
            {"count": len(waiting), "ext": external_id},
            waits_for=key,
            # Resources and engagements resolve from any system (see
            # pss.binding._resolve_any), so any system's binding releases.
            any_system=True,
        )

    def _pss_enqueue_children(self, system, children):
        """One child message per (message, missing dependency or lock)."""
        if not children:
            return
        items = []
        for message, key, waiting in children:
            suffix = "locked" if key == LOCKED else f"wait:{key[0]}:{key[1]}"
            items.append(
                {
                    "event_type": self._pss_event_type,
                    "payload": {
                        "lines": [line.model_dump(mode="json") for line in waiting]
                    },
                    "idempotency_key": f"{message.idempotency_key}/{suffix}",
                    "external_event_id": message.external_event_id,
                    "company_id": message.company_id.id,
                    "entity_code": message.entity_code,
                    "correlation_id": message.correlation_id or message.uuid,
                    # The sender's time of the approval: a void sent after
                    # it still wins over the child (see timesheet_plan.voided).
                    "occurred_at": message.occurred_at,
                }
            )
        self.env["pss.message"].enqueue_many(system, items, direction="in")
