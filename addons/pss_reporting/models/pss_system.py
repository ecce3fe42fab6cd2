from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

# Reports of the read API (DESIGN §8): {name: model}.
REPORTS = {
    "utilization": "pss.report.utilization",
    "engagement": "pss.report.engagement",
    "backlog": "pss.report.backlog",
    "wip": "pss.billing.wip",
}


class PssSystem(models.Model):
    _inherit = "pss.system"

    pss_allowed_reports = fields.Char(
        string="Readable Reports",
        help="Reports this system may read through the read API, "
        "comma-separated: " + ", ".join(REPORTS) + ". Empty: none.",
    )

    @api.model
    def _pss_report_names(self, value):
        return [name.strip() for name in (value or "").split(",") if name.strip()]

    @api.constrains("pss_allowed_reports")
    def _check_pss_allowed_reports(self):
        for system in self:
            unknown = set(self._pss_report_names(system.pss_allowed_reports)) - set(
                REPORTS
            )
            if unknown:
                raise ValidationError(
                    _(
                        "Unknown report(s) %(names)s; known: %(known)s",
                        names=", ".join(sorted(unknown)),
                        known=", ".join(REPORTS),
                    )
                )

    def _pss_may_read(self, report):
        self.ensure_one()
        return report in self._pss_report_names(self.sudo().pss_allowed_reports)
