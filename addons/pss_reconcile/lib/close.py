"""The month-end close's checklist: its figures and what each opens
(plain Python, used by pss.close and its steps)."""

from datetime import timedelta

from odoo.tools import date_utils

FINANCE_GROUP = "pss_core.group_pss_finance"
ACCOUNTING_GROUP = "account.group_account_manager"
FAILED_STATES = ("dead", "parked", "retrying")
STEP_STATES = [("done", "Done"), ("todo", "To do"), ("blocked", "Blocked")]
# Figures whose records belong to one entity each: the group's count is the
# sum of its entities'. The others (intercompany runs and balances concern
# two entities, an all-pairs run every entity) are counted once.
STEPS = (
    "message",
    "unbilled",
    "billing_run",
    "draft_invoice",
    "ic_run",
    "ic_mismatch",
    "recon_run",
    "variance",
    "signed",
    "blocking_draft",
)

# What each figure of the checklist opens: figure -> (model, title).
OPENS = {
    "message": ("pss.message", "Dead, parked and retrying messages"),
    "unbilled": ("pss.billing.wip", "Approved time not yet billed"),
    "billing_run": ("pss.billing.run", "Billing runs of the period"),
    "draft_invoice": ("account.move", "Invoices to approve"),
    "ic_run": ("pss.ic.run", "Intercompany runs of the period"),
    "ic_mismatch": ("pss.ic.balance", "Mismatched intercompany balances"),
    "recon_run": ("pss.recon.run", "Reconciliation run of the period"),
    "variance": ("pss.recon.line", "Open variances"),
    "signed": ("pss.recon.run", "Signed-off reconciliation run"),
    "blocking_draft": ("account.move", "Drafts blocking the lock"),
}


def last_closed_month(today):
    """(first day, last day) of the month before ``today``."""
    end = date_utils.start_of(today, "month") - timedelta(days=1)
    return date_utils.start_of(end, "month"), end
