"""(model, id) references: display names, one read per model; the action
that opens one."""

from collections import defaultdict

from odoo.exceptions import AccessError
from odoo.tools.translate import _lt

__all__ = ["display_names", "form_action"]

NO_LONGER = _lt("%s no longer exists.")
NOT_ALLOWED = _lt("%s: you may not open this record.")


def display_names(env, refs):
    """Return {(model, id): display name} for the references that exist.

    ``refs`` is an iterable of (model name, record id); unknown models and
    deleted records are simply absent from the result. Names are read as
    superuser: a console line names the record it links to even when the
    reader may not open it (opening it still checks access).
    """
    by_model = defaultdict(set)
    for model, res_id in refs:
        if model in env and res_id:
            by_model[model].add(res_id)
    names = {}
    for model, ids in by_model.items():
        for record in env[model].sudo().browse(list(ids)).exists():
            names[(model, record.id)] = record.display_name
    return names


def form_action(env, model, res_id, name=None):
    """The window action that opens the record ``res_id`` of ``model`` for
    the user of ``env``, as what they may open: Odoo's own form redirection
    (an employee is opened as the public employee for a user without HR
    rights), or, when the user may not read the record at all, a
    notification naming it instead of an error."""
    label = name or f"{model} #{res_id}"
    record = env[model].browse(res_id).exists() if model in env else None
    if not record:
        return _notification(str(NO_LONGER) % label)
    action = record.get_formview_action(access_uid=env.uid)
    target = env[action["res_model"]].browse(res_id)
    try:
        target.check_access_rights("read")
        target.check_access_rule("read")
    except AccessError:
        return _notification(str(NOT_ALLOWED) % label, "warning")
    action.update(
        {
            "name": name or action.get("name") or label,
            "target": "current",
            "context": {"create": False},
        }
    )
    return action


def _notification(message, kind="info"):
    return {
        "type": "ir.actions.client",
        "tag": "display_notification",
        "params": {"message": message, "type": kind, "sticky": False},
    }
