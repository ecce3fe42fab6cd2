from collections import defaultdict
from datetime import timedelta

from odoo import _, api, models

from odoo.addons.pss_core.lib.errors import PssDependencyError

from ..schemas.timesheet import TimesheetApproved, TimesheetRejected

EMPLOYEE = "hr.employee"
PROJECT = "project.project"
LINE = "account.analytic.line"
LOCKED = ("locked", None)

# Context of the bulk writes: no follower / notification per timesheet.
WRITE_CONTEXT = {
    "mail_create_nosubscribe": True,
    "mail_auto_subscribe_no_notify": True,
    "tracking_disable": True,
}


class PssHandlerTimesheetApproved(models.AbstractModel):
    """timesheet.approved: approved lines become timesheets on the engagement.

    Per line, in one pass over the whole batch (lookups: one query each):

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
    _inherit = "pss.handler"
    _description = "timesheet.approved"
    _pss_event_type = "timesheet.approved"
    _pss_groups = "pss_timesheet.group_pss_psa_time_integration"
    _pss_schema = TimesheetApproved
    _pss_description = "Approved time lines: timesheets on the engagement's project"

    # ------------------------------------------------------------------
    # Lookups
    # ------------------------------------------------------------------
    @api.model
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

    # ------------------------------------------------------------------
    # Processing
    # ------------------------------------------------------------------
    def _pss_process(self, batch):
        self.with_context(**WRITE_CONTEXT, pss_system_id=batch.system.id)._pss_apply(
            batch
        )

    def _pss_apply(self, batch):
        system = batch.system
        items = list(batch)
        lines = [line for _m, data in items for line in data.lines]
        binding = self.env["pss.binding"]
        employee_ids = binding._resolve_any(
            system, EMPLOYEE, {line.resource_external_id for line in lines}
        )
        project_ids = binding._resolve_any(
            system, PROJECT, {line.engagement_external_id for line in lines}
        )
        states = binding._states(system, LINE, [line.external_id for line in lines])
        queued_projects = self._pss_queued(
            "engagement",
            {e.engagement_external_id for e in lines} - set(project_ids),
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
        # A timesheet reversed in an open period (its period was locked) is
        # gone for the sender: a re-approval creates a new one.
        existing_by_id = {t.id: t for t in existing if not t.pss_reversal_id}
        tasks = self._pss_tasks(projects, {line.task for line in lines if line.task})
        # Time is no move and carries no tax: the tax lock date leaves it.
        locks = {
            c.id: c._pss_locked_until()
            for c in projects.company_id | existing.company_id
        }
        ctx = {
            "employees": {e.id: e for e in employees},
            "projects": {p.id: p for p in projects},
            "employee_ids": employee_ids,
            "project_ids": project_ids,
            "states": states,
            "existing": existing_by_id,
            "tasks": tasks,
            "locks": locks,
            "queued_projects": queued_projects,
        }
        # Employee rate maps of the projects, read once (sale_timesheet would
        # search them once per timesheet).
        maps = {}
        for entry in self.env["project.sale.line.employee.map"].search(
            [("project_id", "in", projects.ids)]
        ):
            maps[(entry.project_id.id, entry.employee_id.id)] = entry.id
        # Costs in force on each line's date, one read of the history.
        cost_pairs = {
            (ctx["employees"][employee_ids[line.resource_external_id]], line.date)
            for line in lines
            if line.resource_external_id in employee_ids
        }
        ctx["costs"] = self.env["pss.resource.cost"]._pss_costs_on(list(cost_pairs))

        # The same line twice in one batch (an event resent under a new id
        # before the first was applied): only its highest version applies.
        best = {}
        for line in lines:
            if (
                line.external_id not in best
                or line.version > best[line.external_id].version
            ):
                best[line.external_id] = line
        ctx["best"] = {id(line) for line in best.values()}
        to_create, create_refs = [], []
        to_update = []
        to_reverse = []
        exceptions = []
        rejected_out = []
        children = []
        for message, data in items:
            outcome = self._pss_sort_lines(message, data, ctx)
            deferred = outcome["deferred"]
            progressed = (
                outcome["create"]
                or outcome["update"]
                or outcome["reverse"]
                or outcome["rejected"]
                or outcome["exceptions"]
                or outcome["unchanged"]
            )
            if outcome["voided"] and not progressed and not deferred:
                # Every line was withdrawn by a void: nothing applies.
                batch.conflict(message, self._pss_summary(outcome))
                continue
            progressed = progressed or outcome["voided"]
            if not progressed and len(deferred) == 1:
                # Everything waits for one thing: the message itself waits.
                ((key, waiting),) = deferred.items()
                self._pss_defer_self(batch, message, key, waiting, ctx)
                continue
            for vals, line in outcome["create"]:
                to_create.append(vals)
                create_refs.append((message, line))
            to_update.extend((message, t, v, line) for t, v, line in outcome["update"])
            exceptions.extend((message, *entry) for entry in outcome["exceptions"])
            for timesheet, vals, line in outcome["reverse"]:
                to_reverse.append(timesheet)
                to_create.append(vals)
                create_refs.append((message, line))
            if outcome["rejected"]:
                rejected_out.append((message, outcome["rejected"]))
            for key, waiting in deferred.items():
                children.append((message, key, waiting))
            batch.note(message, self._pss_summary(outcome))

        timesheets = (
            self.env[LINE].with_context(pss_employee_maps=maps).create(to_create)
        )
        self._pss_reverse(to_reverse, maps)
        bind_items = []
        for (message, line), timesheet in zip(create_refs, timesheets, strict=True):
            batch.record(message, timesheet, "created", line.external_id)
            bind_items.append(self._pss_bind_item(message, line, timesheet))
        for message, timesheet, vals, line in to_update:
            timesheet.with_context(pss_employee_maps=maps).write(vals)
            batch.record(message, timesheet, "updated", line.external_id)
            bind_items.append(self._pss_bind_item(message, line, timesheet))
        binding._bind_many(system, LINE, bind_items)
        self._pss_exceptions(system, exceptions)
        self._pss_enqueue_rejected(system, rejected_out)
        self._pss_enqueue_children(system, children, ctx)

    def _pss_bind_item(self, message, line, timesheet):
        return {
            "external_id": line.external_id,
            "res_id": timesheet.id,
            "company_id": timesheet.company_id.id,
            "version": line.version,
            "message_id": message.id,
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

    def _pss_sort_lines(self, message, data, ctx):
        """Decide the fate of every line of one message (no query here but
        the cached reads of records fetched for the whole batch)."""
        outcome = {
            "create": [],
            "update": [],
            "reverse": [],
            "exceptions": [],
            "rejected": [],
            "unchanged": [],
            "voided": [],
            "moved": 0,
            "no_task": [],
            "deferred": defaultdict(list),
        }
        for line in data.lines:
            state = ctx["states"].get(line.external_id)
            if self._pss_voided(message, line, state):
                outcome["voided"].append(line.external_id)
                continue
            if line.hours <= 0 or line.hours > 24:
                outcome["rejected"].append(
                    (line.external_id, _("hours must be more than 0 and at most 24"))
                )
                continue
            project_id = ctx["project_ids"].get(line.engagement_external_id)
            if not project_id:
                queued = ctx["queued_projects"].get(line.engagement_external_id)
                if queued:
                    outcome["deferred"][(PROJECT, line.engagement_external_id)].append(
                        line
                    )
                else:
                    outcome["rejected"].append(
                        (
                            line.external_id,
                            _("unknown engagement %s", line.engagement_external_id),
                        )
                    )
                continue
            project = ctx["projects"][project_id]
            if (project.date_start and line.date < project.date_start) or (
                project.date and line.date > project.date
            ):
                outcome["rejected"].append(
                    (
                        line.external_id,
                        _(
                            "date %(date)s is outside the engagement "
                            "(%(start)s to %(end)s)",
                            date=line.date,
                            start=project.date_start or "-",
                            end=project.date or "-",
                        ),
                    )
                )
                continue
            employee_id = ctx["employee_ids"].get(line.resource_external_id)
            if not employee_id:
                outcome["deferred"][(EMPLOYEE, line.resource_external_id)].append(line)
                continue
            employee = ctx["employees"][employee_id]
            if id(line) not in ctx["best"]:
                outcome["unchanged"].append(line.external_id)
                continue
            timesheet = ctx["existing"].get(state.res_id) if state else None
            if timesheet is not None and line.version <= state.version:
                outcome["unchanged"].append(line.external_id)
                continue
            if timesheet is not None and self._pss_invoiced(timesheet):
                outcome["exceptions"].append((timesheet, line))
                continue
            # Time already recorded in a period locked since: a change (a new
            # date, hours...) follows the company's locked-period behaviour.
            old_lock = (
                ctx["locks"].get(timesheet.company_id.id)
                if timesheet is not None
                else None
            )
            reverse = False
            if old_lock and timesheet.date <= old_lock:
                behaviour = timesheet.company_id.sudo().pss_period_lock_behaviour
                if behaviour == "reject":
                    outcome["rejected"].append(
                        (
                            line.external_id,
                            _(
                                "the approved time is in a locked period "
                                "(until %s): it cannot be changed",
                                old_lock,
                            ),
                        )
                    )
                    continue
                if behaviour != "next_open_date":
                    outcome["exceptions"].append(
                        (timesheet, line, self._pss_locked_reason(old_lock))
                    )
                    continue
                # Reversed on the first open date, the new version is new time.
                reverse = True
            on_date = line.date
            lock = ctx["locks"].get(project.company_id.id)
            if lock and on_date <= lock:
                behaviour = project.company_id.sudo().pss_period_lock_behaviour
                if behaviour == "reject":
                    outcome["rejected"].append(
                        (
                            line.external_id,
                            _("period is locked until %s", lock),
                        )
                    )
                    continue
                if behaviour == "next_open_date":
                    on_date = lock + timedelta(days=1)
                    outcome["moved"] += 1
                else:
                    outcome["deferred"][LOCKED].append(line)
                    continue
            vals = self._pss_line_vals(line, on_date, project, employee, ctx)
            if line.task and not vals["task_id"]:
                outcome["no_task"].append(line.task)
            if reverse:
                outcome["reverse"].append((timesheet, vals, line))
            elif timesheet is not None:
                for key in ("project_id", "employee_id", "company_id"):
                    if timesheet[key].id == vals[key]:
                        vals.pop(key)
                outcome["update"].append((timesheet, vals, line))
            else:
                outcome["create"].append((vals, line))
        return outcome

    @api.model
    def _pss_voided(self, message, line, state):
        """The sender voided this line after sending this approval (or at a
        version at least as high): it must never come back."""
        if not state or not state.voided_at:
            return False
        if line.version <= state.voided_version:
            return True
        return bool(message.occurred_at) and message.occurred_at < state.voided_at

    @api.model
    def _pss_invoiced(self, timesheet):
        invoice = timesheet.timesheet_invoice_id
        return bool(invoice) and invoice.state != "cancel"

    def _pss_line_vals(self, line, on_date, project, employee, ctx):
        cost = ctx["costs"].get((employee.id, line.date))
        task_id = ctx["tasks"].get((project.id, line.task)) if line.task else False
        vals = {
            "name": line.description or "/",
            "date": on_date,
            "unit_amount": float(line.hours),
            "project_id": project.id,
            "task_id": task_id or False,
            "employee_id": employee.id,
            "company_id": project.company_id.id,
            "pss_system_id": self.env.context.get("pss_system_id"),
            "pss_external_id": line.external_id,
            "pss_version": line.version,
            "pss_approved_by": line.approved_by or False,
            "pss_approved_at": line.approved_at if line.approved_at else False,
            "pss_hourly_cost": cost or 0.0,
            # amount (cost) set here only when the dated cost is known;
            # otherwise hr_timesheet computes it from the employee.
            "pss_intercompany": employee.company_id != project.company_id,
            "pss_resource_company_id": employee.company_id.id,
        }
        if cost:
            vals["amount"] = self._pss_amount(line, on_date, project, employee, cost)
        if not line.billable:
            vals.update(so_line=False, is_so_line_edited=True)
        return vals

    def _pss_amount(self, line, on_date, project, employee, cost):
        """Cost of the line as hr_timesheet computes it, with the dated cost:
        in the currency of the project's analytic account (else company)."""
        amount = -float(line.hours) * cost
        target = (
            project.analytic_account_id.currency_id or project.company_id.currency_id
        )
        if employee.currency_id == target:
            return target.round(amount)
        return employee.currency_id._convert(
            amount, target, project.company_id, on_date
        )

    def _pss_summary(self, outcome):
        parts = [
            _("%s created", len(outcome["create"])),
            _("%s updated", len(outcome["update"])),
        ]
        if outcome["unchanged"]:
            parts.append(
                _("%s unchanged (version already applied)", len(outcome["unchanged"]))
            )
        if outcome["voided"]:
            parts.append(
                _(
                    "%s ignored: voided by the sender (at or after this version)",
                    len(outcome["voided"]),
                )
            )
        if outcome["moved"]:
            parts.append(_("%s moved to the first open date", outcome["moved"]))
        if outcome["rejected"]:
            parts.append(_("%s rejected to the sender", len(outcome["rejected"])))
        if outcome["reverse"]:
            parts.append(
                _(
                    "%s in a locked period: reversed on the first open date "
                    "and recorded again",
                    len(outcome["reverse"]),
                )
            )
        if outcome["exceptions"]:
            parts.append(
                _(
                    "%s already invoiced or in a locked period: exception for finance",
                    len(outcome["exceptions"]),
                )
            )
        waiting = sum(len(v) for k, v in outcome["deferred"].items() if k != LOCKED)
        if waiting:
            parts.append(_("%s waiting for a resource or engagement", waiting))
        if outcome["deferred"].get(LOCKED):
            parts.append(
                _(
                    "%s in a locked period, held for finance",
                    len(outcome["deferred"][LOCKED]),
                )
            )
        if outcome["no_task"]:
            names = sorted(set(outcome["no_task"]))
            parts.append(
                _(
                    "%(count)s recorded without a task: the project has no task "
                    "named %(names)s",
                    count=len(outcome["no_task"]),
                    names=", ".join(repr(n) for n in names[:5])
                    + (" …" if len(names) > 5 else ""),
                )
            )
        return ", ".join(parts)

    # ------------------------------------------------------------------
    # Deferred lines
    # ------------------------------------------------------------------
    def _pss_wait_reason(self, key, waiting):
        model, external_id = key
        what = _("resource") if model == EMPLOYEE else _("engagement")
        return _(
            "%(count)s line(s) wait for %(what)s %(ext)s, not known yet",
            count=len(waiting),
            what=what,
            ext=external_id,
        )

    def _pss_lock_reason(self, waiting, ctx):
        return _(
            "%(count)s line(s) dated in a locked accounting period "
            "(%(dates)s): finance can move them to the first open date or "
            "reject them.",
            count=len(waiting),
            dates=", ".join(sorted({str(line.date) for line in waiting})),
        )

    def _pss_defer_self(self, batch, message, key, waiting, ctx):
        if key == LOCKED:
            batch.hold(message, self._pss_lock_reason(waiting, ctx))
            return
        model, external_id = key
        batch.fail(
            message,
            PssDependencyError(
                self._pss_wait_reason(key, waiting),
                model,
                external_id,
                # Resources and engagements resolve from any system (see
                # pss.binding._resolve_any), so any system's binding releases.
                any_system=True,
            ),
        )

    def _pss_enqueue_children(self, system, children, ctx):
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
                    # it still wins over the child (see _pss_voided).
                    "occurred_at": message.occurred_at,
                }
            )
        self.env["pss.message"].enqueue_many(system, items, direction="in")

    def _pss_enqueue_rejected(self, system, rejected_out):
        """One timesheet.rejected per message, with a reason per line."""
        if not rejected_out:
            return
        items = []
        for message, rejected in rejected_out:
            payload = TimesheetRejected(
                event_id=message.external_event_id,
                lines=[{"external_id": ext, "reason": str(r)} for ext, r in rejected],
            ).model_dump(mode="json")
            items.append(
                {
                    "event_type": "timesheet.rejected",
                    "payload": payload,
                    "idempotency_key": f"timesheet.rejected:{message.idempotency_key}",
                    "company_id": message.company_id.id,
                    "entity_code": message.entity_code,
                    "correlation_id": message.correlation_id or message.uuid,
                }
            )
        self.env["pss.message"].enqueue_many(system, items, direction="out")

    @api.model
    def _pss_locked_reason(self, lock):
        return _("dated in a locked period (until %s)", lock)

    def _pss_exceptions(self, system, exceptions, kind="update", reason=None):
        """Time the sender wants changed that finance must decide on: already
        invoiced, or in a locked period (park for finance). Entries are
        (message, timesheet, line or external id[, why])."""
        if not exceptions:
            return
        vals_list = []
        for message, timesheet, line, *why in exceptions:
            external_id = line if isinstance(line, str) else line.external_id
            invoice = timesheet.timesheet_invoice_id
            where = why[0] if why else _("invoiced in %s", invoice.name)
            vals_list.append(
                {
                    "name": f"{external_id}: {where}",
                    "kind": kind,
                    "timesheet_id": timesheet.id,
                    "invoice_id": invoice.id,
                    "company_id": timesheet.company_id.id,
                    "system_id": system.id,
                    "message_id": message.id,
                    "external_id": external_id,
                    "version": 0 if isinstance(line, str) else line.version,
                    "requested": None
                    if isinstance(line, str)
                    else line.model_dump(mode="json"),
                    "reason": "; ".join(filter(None, [reason, why[0] if why else None]))
                    or None,
                }
            )
        self.env["pss.timesheet.exception"].create(vals_list)

    def _pss_reverse(self, timesheets, maps=None):
        """Reverse ``timesheets`` (dated in a locked period) with a negative
        line on the first open date of their company: the locked month is
        untouched and the sale order's delivered hours net out."""
        if not timesheets:
            return self.env[LINE]
        vals_list = []
        for timesheet in timesheets:
            lock = timesheet.company_id._pss_locked_until()
            vals_list.append(
                {
                    "name": _("Reversal of %s", timesheet.name),
                    "date": (lock or timesheet.date) + timedelta(days=1),
                    "unit_amount": -timesheet.unit_amount,
                    "amount": -timesheet.amount,
                    "project_id": timesheet.project_id.id,
                    "task_id": timesheet.task_id.id,
                    "employee_id": timesheet.employee_id.id,
                    "company_id": timesheet.company_id.id,
                    "so_line": timesheet.so_line.id,
                    "is_so_line_edited": True,
                    "pss_system_id": timesheet.pss_system_id.id,
                    "pss_external_id": timesheet.pss_external_id,
                    "pss_version": timesheet.pss_version,
                    "pss_hourly_cost": timesheet.pss_hourly_cost,
                    "pss_intercompany": timesheet.pss_intercompany,
                    "pss_resource_company_id": timesheet.pss_resource_company_id.id,
                    "pss_reverses_id": timesheet.id,
                }
            )
        reversals = (
            self.env[LINE].with_context(pss_employee_maps=maps or {}).create(vals_list)
        )
        for timesheet, reversal in zip(timesheets, reversals, strict=True):
            timesheet.pss_reversal_id = reversal
        return reversals
