"""Texts a user reads with a count in them (plain Python)."""


def counted(count, one, other, /, **values):
    """The text for ``count`` things: ``one`` when ``count`` is 1, else
    ``other``; both are translated texts with ``%(count)s`` (``values``
    fill their other placeholders). Odoo 17 has no ngettext in Python: the
    caller passes the pair of ``_()`` texts, chosen here by English rules
    ("1 open variance", "0 open variances", "2 open variances")."""
    return (one if count == 1 else other) % {**values, "count": count}
