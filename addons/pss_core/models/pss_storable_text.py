# Copyright 2026 PSS contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, models
from odoo.exceptions import ValidationError

from ..schemas.common import text_problem

TEXT_TYPES = ("char", "text", "html")


class PssStorableText(models.AbstractModel):
    """Free text typed by a user that PostgreSQL cannot store (a NUL
    character, a lone surrogate: the API's ``text_problem``) is refused
    with a clear error before anything is written, instead of the raw
    database error the caller would see."""

    _name = "pss.storable.text"
    _description = "pss text that PostgreSQL can store"

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._pss_check_storable(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._pss_check_storable(vals)
        return super().write(vals)

    @api.model
    def _pss_check_storable(self, vals):
        for name, value in vals.items():
            field = self._fields.get(name)
            if (
                field is None
                or field.type not in TEXT_TYPES
                or not isinstance(value, str)
                or text_problem(value) is None
            ):
                continue
            raise ValidationError(
                _(
                    "%(field)s contains a character that cannot be stored "
                    "(a NUL character or an invalid Unicode character): "
                    "remove it; nothing was saved.",
                    field=field._description_string(self.env),
                )
            )
