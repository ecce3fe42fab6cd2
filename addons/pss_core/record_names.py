"""(model, id) references: display names, one read per model; the action
that opens one."""

from collections import defaultdict

__all__ = ["display_names", "form_action"]


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


def form_action(model, res_id):
    """The window action that opens the record ``res_id`` of ``model``."""
    return {
        "type": "ir.actions.act_window",
        "res_model": model,
        "res_id": res_id,
        "view_mode": "form",
        "target": "current",
    }
