"""A pss console user of several entities opens Odoo on all of them: at
login, when the browser has no company selection yet, every entity of the
user is ticked (the `cids` cookie Odoo's web client reads), current first."""

import re

from odoo.tests import HttpCase, tagged

from pss_testing import make_company, make_user, unique


@tagged("post_install", "-at_install")
class TestConsoleLoginCompanies(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = make_company(
            cls.env, "Login Entity A", unique("LA"), "EUR", "DE"
        )
        cls.company_b = make_company(
            cls.env, "Login Entity B", unique("LB"), "EUR", "DE"
        )
        cls.both = cls.company_a | cls.company_b

    def user(self, groups, companies, company):
        user = make_user(self.env, unique("login"), groups, companies, company)
        user.password = user.login
        return user

    def login(self, user, cookies=None):
        self.opener.cookies.clear()
        for name, value in (cookies or {}).items():
            self.opener.cookies.set(name, value)
        page = self.url_open("/web/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        response = self.url_open(
            "/web/login",
            data={"login": user.login, "password": user.login, "csrf_token": token},
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 303, response.text[:300])
        return response

    def test_finance_user_of_two_entities_opens_on_both_current_first(self):
        user = self.user(
            ["base.group_user", "pss_core.group_pss_finance"],
            self.both,
            self.company_b,
        )
        response = self.login(user)
        self.assertEqual(
            response.cookies.get("cids"), f"{self.company_b.id},{self.company_a.id}"
        )

    def test_a_choice_made_in_the_switcher_is_kept(self):
        user = self.user(
            ["base.group_user", "pss_core.group_pss_user"], self.both, self.company_a
        )
        response = self.login(user, cookies={"cids": str(self.company_a.id)})
        self.assertNotIn("cids", response.cookies)

    def test_one_entity_or_no_console_no_change(self):
        single = self.user(
            ["base.group_user", "pss_core.group_pss_finance"],
            self.company_a,
            self.company_a,
        )
        self.assertNotIn("cids", self.login(single).cookies)
        outsider = self.user(["base.group_user"], self.both, self.company_a)
        self.assertNotIn("cids", self.login(outsider).cookies)

    def test_wrong_password_sets_nothing(self):
        user = self.user(
            ["base.group_user", "pss_core.group_pss_finance"], self.both, self.company_a
        )
        self.opener.cookies.clear()
        page = self.url_open("/web/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        response = self.url_open(
            "/web/login",
            data={"login": user.login, "password": "wrong", "csrf_token": token},
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("Wrong login/password", response.text)
        self.assertNotIn("cids", response.cookies)
