"""Decisions of the customer upsert (plain Python, no ORM).

The engine (``pss.customer.upsert``) reads, locks and writes; what it
decides in between is here:

==============================  ============================================
question                        answer
==============================  ============================================
which customers cannot apply    :class:`CustomerErrors`: a customer waits
                                for a parent (``waiting``) or has data
                                problems (``problems``, which win: a cycle
                                found later replaces a wait)
which wait for a parent         :func:`missing_parents`: a parent neither
                                bound nor in the batch, or failing itself
                                (followed until nothing changes)
which become one new partner    :func:`group_new`: an existing partner found
                                by VAT or e-mail domain + name is linked;
                                the others sharing a key in the batch are
                                one group (the first one gives the data)
in which order they are made    :func:`creation_rounds`: parents before
                                their children; what is left is a cycle
==============================  ============================================
"""

from dataclasses import dataclass, field

__all__ = [
    "CustomerErrors",
    "creation_rounds",
    "group_new",
    "missing_parents",
]


@dataclass
class CustomerErrors:
    """Why customers (by external id) cannot be applied."""

    # customer -> parent external id it waits for (parked)
    waiting: dict = field(default_factory=dict)
    # customer -> [(field, text), ...] (a data error)
    problems: dict = field(default_factory=dict)

    def __contains__(self, ext):
        return ext in self.waiting or ext in self.problems

    def wait(self, ext, parent):
        self.problems.pop(ext, None)
        self.waiting[ext] = parent

    def problem(self, ext, field_name, text):
        """A data error on ``field_name``; it replaces a wait."""
        self.waiting.pop(ext, None)
        self.problems.setdefault(ext, []).append((field_name, text))


def missing_parents(parent_of, batch, bound, failing):
    """{customer: parent} of the customers whose parent is neither bound
    (``bound``) nor a customer of the ``batch`` that can be applied.

    ``parent_of`` maps the batch's customers to their parent (or None), in
    batch order; ``failing`` holds the customers that fail already. A
    customer whose parent waits, waits too.
    """
    waiting = {}
    changed = True
    while changed:
        changed = False
        for ext, parent in parent_of.items():
            if ext in failing or ext in waiting or not parent or parent in bound:
                continue
            if parent not in batch or parent in failing or parent in waiting:
                waiting[ext] = parent
                changed = True
    return waiting


def group_new(unbound, vat_keys, name_keys, by_vat, by_name):
    """(matches, groups) of the ``unbound`` customers, in order.

    ``matches`` is {customer: existing partner id} found by VAT key, else by
    (e-mail domain, name) key; ``groups`` lists the new partners to create,
    each as the customers sharing a VAT or name key in the batch.
    """
    matches, groups = {}, []
    pending_vat, pending_name = {}, {}
    for ext in unbound:
        vkey, nkey = vat_keys.get(ext), name_keys.get(ext)
        match = (vkey and by_vat.get(vkey)) or (nkey and by_name.get(nkey))
        if match:
            matches[ext] = match
            continue
        group = (vkey and pending_vat.get(vkey)) or (nkey and pending_name.get(nkey))
        if group is None:
            group = []
            groups.append(group)
        group.append(ext)
        if vkey:
            pending_vat.setdefault(vkey, group)
        if nkey:
            pending_name.setdefault(nkey, group)
    return matches, groups


def creation_rounds(groups, parent_of, known):
    """(rounds, stuck): the ``groups`` in creation rounds, parents first.

    A group is ready when its first customer has no parent or a parent in
    ``known`` (partners that exist) or in an earlier round. ``stuck`` lists
    the groups never ready (a parent cycle inside the batch).
    """
    known = set(known)
    todo = list(groups)
    rounds = []
    while todo:
        ready = [g for g in todo if not parent_of.get(g[0]) or parent_of[g[0]] in known]
        if not ready:
            return rounds, todo
        rounds.append(ready)
        known.update(ext for group in ready for ext in group)
        todo = [g for g in todo if all(g is not r for r in ready)]
    return rounds, []
