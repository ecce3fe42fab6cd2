from odoo import http
from odoo.http import request

from odoo.addons.web.controllers.home import Home


class PssHome(Home):
    """A pss console user who works in several entities opens Odoo on all
    of them.

    Odoo's web client shows the companies ticked in its company switcher,
    kept in the browser's ``cids`` cookie; without one (first login, new
    browser) only the user's current company is ticked and the console,
    the finance control dashboard and the runs show one entity's records.
    At login, when the browser has no such choice yet, this selects every
    entity of the user (the current one first, so new records still go to
    it). A choice made in the switcher is never overridden.
    """

    @http.route()
    def web_login(self, redirect=None, **kw):
        response = super().web_login(redirect=redirect, **kw)
        uid = request.session.uid
        if (
            request.httprequest.method == "POST"
            and uid
            and request.params.get("login_success")
            and not request.httprequest.cookies.get("cids")
            and hasattr(response, "headers")
        ):
            user = request.env["res.users"].sudo().browse(uid)
            if user.has_group("pss_core.group_pss_user") and len(user.company_ids) > 1:
                ids = [user.company_id.id, *(user.company_ids - user.company_id).ids]
                # As the web client writes it (comma-separated, unquoted:
                # werkzeug's set_cookie would quote the commas).
                value = ",".join(str(i) for i in ids)
                response.headers.add(
                    "Set-Cookie", f"cids={value}; Path=/; SameSite=Lax"
                )
        return response
