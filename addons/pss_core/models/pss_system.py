import logging
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..lib.delivery import circuit_open_seconds

_logger = logging.getLogger(__name__)
# The messages of the Dead / parked button and count.
FAILED_STATES = ("dead", "parked")


class PssSystem(models.Model):
    _name = "pss.system"
    _description = "External System"
    _inherit = ["pss.mail.thread"]
    _order = "name"

    name = fields.Char(required=True, tracking=True)
    code = fields.Char(
        required=True,
        index=True,
        tracking=True,
        help="Short code used in URLs: /pss/v1/<code>/events",
    )
    kind = fields.Selection(
        [
            ("crm", "CRM"),
            ("psa", "PSA / time"),
            ("hris", "HRIS"),
            ("payroll", "Payroll"),
            ("other", "Other"),
        ],
        required=True,
        default="other",
        tracking=True,
    )
    active = fields.Boolean(default=True, tracking=True)
    company_ids = fields.Many2many(
        "res.company",
        string="Allowed Companies",
        help="Legal entities this system may send events for.",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Technical User",
        help="Inbound events of this system are applied as this user, limited "
        "to the allowed companies. Give it only the rights its events need.",
    )
    event_type_ids = fields.Many2many(
        "pss.event.type",
        "pss_system_event_type_in_rel",
        "system_id",
        "event_type_id",
        string="Allowed Events",
        domain=[("direction", "=", "in")],
        tracking=True,
        help="Inbound event types this system may send; any other is refused "
        "with 403 and stores nothing. New systems get the defaults of their "
        "kind.",
    )
    outbound_event_type_ids = fields.Many2many(
        "pss.event.type",
        "pss_system_event_type_out_rel",
        "system_id",
        "event_type_id",
        string="Events Received",
        domain=[("direction", "=", "out")],
        help="Outbound event types this system receives; any other is not "
        "sent to it (the message is cancelled with a note).",
    )
    # Outbound
    outbound_url = fields.Char(
        string="Outbound URL", help="Where outbound events are POSTed."
    )
    outbound_token = fields.Char(
        groups="base.group_system",
        copy=False,
        help="Bearer token sent with outbound events, if the receiver wants one.",
    )
    outbound_secret = fields.Char(
        groups="base.group_system",
        copy=False,
        help="HMAC secret used to sign outbound events (X-PSS-Signature).",
    )
    outbound_timeout = fields.Float(default=10.0, help="Seconds, connect and read.")
    # Retry policy
    retry_base = fields.Integer(
        string="Backoff Base (s)", default=10, help="First retry waits up to this."
    )
    retry_cap = fields.Integer(
        string="Backoff Cap (s)", default=3600, help="No retry waits longer."
    )
    max_attempts = fields.Integer(
        default=8, help="Attempts before a transient error becomes dead."
    )
    internal_max_attempts = fields.Integer(
        string="Max Attempts (internal errors)",
        default=3,
        help="Attempts before an unexpected error (a bug) becomes dead.",
    )
    lease_seconds = fields.Integer(
        default=300,
        help="A running message whose worker did not finish within this time "
        "is considered lost and reclaimed.",
    )
    batch_size = fields.Integer(
        default=500,
        help="Inbound: messages of one type handed to a handler at once. "
        "Outbound: messages of this system claimed for sending at once.",
    )
    circuit_failures = fields.Integer(
        readonly=True,
        copy=False,
        help="Consecutive outbound sends that could not reach the receiver "
        "(timeout, connection refused). Reset by the next answer.",
    )
    circuit_open_until = fields.Datetime(
        string="Sending Paused Until",
        readonly=True,
        copy=False,
        help="The receiver kept timing out: no message of this system is sent "
        "before this time, then one probe decides whether sending resumes.",
    )
    retention_days = fields.Integer(
        default=90,
        help="Payloads of done messages are emptied after this many days; "
        "metadata and hashes stay.",
    )
    rate_limit_per_minute = fields.Integer(
        default=0, help="Inbound requests per minute, 0 for no limit."
    )
    message_ids = fields.One2many("pss.message", "system_id", string="Messages")
    message_count = fields.Integer(compute="_compute_message_stats")
    failed_count = fields.Integer(compute="_compute_message_stats")
    pending_count = fields.Integer(compute="_compute_message_stats")

    _sql_constraints = [
        (
            "batch_size_positive",
            "check(batch_size > 0)",
            "Batch size must be positive.",
        ),
        ("code_unique", "unique(code)", "The system code must be unique."),
        (
            "retry_positive",
            "check(retry_base > 0 and retry_cap >= retry_base)",
            "Backoff base must be positive and not above the cap.",
        ),
        (
            "attempts_positive",
            "check(max_attempts > 0 and internal_max_attempts > 0)",
            "Maximum attempts must be positive.",
        ),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        """A system created without allowed events gets its kind's defaults."""
        EventType = self.env["pss.event.type"]
        for vals in vals_list:
            kind = vals.get("kind") or "other"
            for field, direction in (
                ("event_type_ids", "in"),
                ("outbound_event_type_ids", "out"),
            ):
                if field not in vals:
                    defaults = EventType._pss_defaults(kind).filtered(
                        lambda t, d=direction: t.direction == d
                    )
                    vals[field] = [fields.Command.set(defaults.ids)]
        return super().create(vals_list)

    @api.onchange("kind")
    def _onchange_kind_event_types(self):
        if self.kind and not (self.event_type_ids or self.outbound_event_type_ids):
            defaults = self.env["pss.event.type"]._pss_defaults(self.kind)
            self.event_type_ids = defaults.filtered(lambda t: t.direction == "in")
            self.outbound_event_type_ids = defaults.filtered(
                lambda t: t.direction == "out"
            )

    def _pss_allowed_types(self, direction="in"):
        """Names of the event types this system may send (in) or receives
        (out), read past record rules (the queue and the API ask)."""
        self.ensure_one()
        types = (
            self.sudo().event_type_ids
            if direction == "in"
            else self.sudo().outbound_event_type_ids
        )
        return set(types.filtered("active").mapped("name"))

    @api.constrains("code")
    def _check_code(self):
        for system in self:
            code = system.code or ""
            if (
                not code.replace("_", "").replace("-", "").isalnum()
                or not code.isascii()
            ):
                raise ValidationError(
                    _("System code %s may only hold letters, digits, '-' and '_'.")
                    % code
                )

    @api.depends_context("uid", "allowed_company_ids")
    def _compute_message_stats(self):
        """Counts of the messages the reader may see (record rules: their
        allowed entities), as the lists the buttons open show."""
        counts = {}
        Message = self.env["pss.message"]
        if self.ids and Message.check_access_rights("read", raise_exception=False):
            rows = Message._read_group(
                [("system_id", "in", self.ids)], ["system_id", "state"], ["__count"]
            )
            for system, state, count in rows:
                counts.setdefault(system.id, {})[state] = count
        for system in self:
            by_state = counts.get(system.id, {})
            system.message_count = sum(by_state.values())
            system.failed_count = sum(by_state.get(s, 0) for s in FAILED_STATES)
            system.pending_count = by_state.get("pending", 0) + by_state.get(
                "retrying", 0
            )

    def action_view_messages(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "pss_core.pss_message_action"
        )
        action["domain"] = [("system_id", "=", self.id)]
        action["context"] = {"default_system_id": self.id}
        return action

    def action_view_failed_messages(self):
        """The Dead / parked button: those messages only."""
        action = self.action_view_messages()
        action["domain"] = [
            ("system_id", "=", self.id),
            ("state", "in", list(FAILED_STATES)),
        ]
        action["name"] = _("%s: dead and parked messages", self.name)
        return action

    def _outbound_credentials(self):
        """Token and secret for sending; sudo only reads this system's secrets."""
        self.ensure_one()
        # Secrets are restricted to base.group_system; the queue worker sends
        # on behalf of the system, never returns them to the caller.
        record = self.sudo()
        return record.outbound_token, record.outbound_secret

    def _pss_circuit_record(self, error, now=None):
        """Count one send's result towards the receiver's circuit.

        Returns the seconds sending to this system now pauses (0 when the
        circuit stays closed): the caller stops sending to it until
        ``circuit_open_until``. An answer of any kind from the receiver (even
        an error status) shows it is reachable and closes the circuit.
        """
        self.ensure_one()
        if error is None or not getattr(error, "unreachable", False):
            if self.circuit_failures or self.circuit_open_until:
                self.write({"circuit_failures": 0, "circuit_open_until": False})
            return 0
        failures = self.circuit_failures + 1
        seconds = circuit_open_seconds(failures, self.retry_base, self.retry_cap)
        vals = {"circuit_failures": failures}
        if seconds:
            now = now or fields.Datetime.now()
            vals["circuit_open_until"] = now + timedelta(seconds=seconds)
            _logger.warning(
                "pss: %s unreachable %d time(s) in a row, sending paused for %d s",
                self.code,
                failures,
                seconds,
            )
        self.write(vals)
        return seconds
