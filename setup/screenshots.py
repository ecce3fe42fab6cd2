"""Screenshots of the main screens for docs/, taken from a running server.

    make screenshots            # against `make demo` (http://localhost:8069)
    PSS_URL=http://127.0.0.1:18700 PSS_LOGIN=admin PSS_PASSWORD=admin \\
        python3 setup/screenshots.py [--out docs/screenshots] [NAME ...]

Drives Debian's headless Chromium over its DevTools socket (websocket-client,
as Odoo's own browser tests do): logs in, opens each screen with every entity
of the user selected, waits until the web client is idle, and writes
``<out>/<name>.png``. The screens are the ones docs/SCREENS.md shows; a
screen that cannot be opened (missing action, error dialog) fails the run, so
the pictures in docs/ always come from a working screen.
"""

import argparse
import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import websocket

# name -> (action XML id, what to do once the view is loaded)
SCREENS = {
    "console_messages": ("pss_core.pss_message_action", None),
    "console_needs_attention": ("pss_core.pss_message_action_failed", None),
    "console_dead_message": ("pss_core.pss_message_action_failed", "open_first"),
    "console_runs": ("pss_core.pss_run_action", None),
    "console_systems": ("pss_core.pss_system_action", None),
    "finance_control_dashboard": ("pss_reconcile.pss_recon_dashboard_action", None),
    "finance_exceptions": ("pss_reconcile.pss_recon_line_action", None),
    # the run with the most variances (the one against the control totals)
    "finance_reconciliation_run": (
        "pss_reconcile.pss_recon_run_action",
        "open_most:variance_count",
    ),
    # the month-end close of the last closed month (the menu's server
    # action makes it): the group's, and the German entity's (as finance)
    "finance_close_group": (
        "pss_reconcile.pss_close_action_server_open",
        "open_row:Group",
    ),
    "finance_close_entity": (
        "pss_reconcile.pss_close_action_server_open",
        "open_row:DE01",
    ),
    "billing_runs": ("pss_billing.pss_billing_run_action", None),
    "billing_wip": ("pss_billing.pss_billing_wip_action", None),
    "intercompany_charges": ("pss_intercompany.pss_ic_charge_action", None),
    "intercompany_balances": ("pss_intercompany.pss_ic_balance_action", None),
    # it opens on the previous month; the demo's month is the current one
    "reporting_dashboard": (
        "pss_reporting.pss_report_dashboard_action_open",
        "click:action_next_month",
    ),
}

IDLE = """
(() => {
    const $ = (selector) => document.querySelector(selector);
    const error = $('.o_error_dialog');
    if (error) return 'error: ' + error.innerText;
    const busy = $('.o_blockUI, .o_loading_indicator');
    const view = $('.o_main_navbar') && $('.o_action_manager > *');
    return view && !busy ? 'ready' : 'wait';
})()
"""
LOGIN = """
(() => {
    const $ = (selector) => document.querySelector(selector);
    $('input[name=login]').value = %s;
    $('input[name=password]').value = %s;
    $('form.oe_login_form').submit();
})()
"""
OPEN_FIRST = """
(() => {
    const cell = document.querySelector('.o_data_row td.o_data_cell');
    if (cell) cell.click();
    return !!cell;
})()
"""
# Set date field %s (en_US format) to the first day of the current month.
THIS_MONTH = """
(() => {
    const input = document.querySelector('.o_field_widget[name="%s"] input');
    if (!input) return false;
    const today = new Date();
    const month = String(today.getMonth() + 1).padStart(2, '0');
    input.value = `${month}/01/${today.getFullYear()}`;
    input.dispatchEvent(new Event('input', {bubbles: true}));
    input.dispatchEvent(new Event('change', {bubbles: true}));
    return true;
})()
"""
# Click the form's button named %s.
CLICK = """
(() => {
    const button = document.querySelector('.o_form_view button[name="%s"]');
    if (button) button.click();
    return !!button;
})()
"""
# Open the first row whose name contains %s.
OPEN_ROW = """
(() => {
    for (const row of document.querySelectorAll('.o_data_row')) {
        const cell = row.querySelector('td[name="name"]');
        if (cell && cell.innerText.includes(%s)) {
            cell.click();
            return true;
        }
    }
    return false;
})()
"""
# Open the row with the highest number in column %s.
OPEN_MOST = """
(() => {
    let best = null, most = -1;
    for (const row of document.querySelectorAll('.o_data_row')) {
        const cell = row.querySelector('td[name="%s"]');
        const value = cell ? parseFloat(cell.innerText.replace(/[^0-9.-]/g, '')) : NaN;
        if (!isNaN(value) && value > most) { most = value; best = row; }
    }
    if (best) best.querySelector('td.o_data_cell').click();
    return !!best;
})()
"""


class Browser:
    def __init__(self, width=1440, height=900):
        binary = next(
            (
                b
                for b in ("chromium", "chromium-browser", "google-chrome")
                if shutil.which(b)
            ),
            None,
        )
        if not binary:
            sys.exit("screenshots: no Chromium (Debian: apt-get install chromium)")
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.profile = tempfile.mkdtemp(prefix="pss_shots_")
        self.proc = subprocess.Popen(  # noqa: S603 (a fixed argv, no shell)
            [
                binary,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                f"--remote-debugging-port={port}",
                f"--window-size={width},{height}",
                f"--user-data-dir={self.profile}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.time() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json") as answer:
                    tabs = json.load(answer)
                break
            except OSError:
                if time.time() > deadline:
                    self.close()
                    sys.exit("screenshots: Chromium did not start")
                time.sleep(0.2)
        page = next(t for t in tabs if t["type"] == "page")
        self.ws = websocket.create_connection(
            page["webSocketDebuggerUrl"], suppress_origin=True, timeout=60
        )
        self.counter = 0

    def call(self, method, **params):
        self.counter += 1
        self.ws.send(
            json.dumps({"id": self.counter, "method": method, "params": params})
        )
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.counter:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def js(self, expression):
        result = self.call(
            "Runtime.evaluate",
            expression=expression,
            awaitPromise=True,
            returnByValue=True,
        )
        return result.get("result", {}).get("value")

    def wait(self, what, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            state = self.js(IDLE)
            if state == "ready":
                time.sleep(0.8)  # let charts and avatars settle
                if self.js(IDLE) == "ready":
                    return
            elif state and state.startswith("error"):
                self.fail(what, state)
            time.sleep(0.3)
        self.fail(what, f"the web client did not become idle in {timeout} s")

    def fail(self, what, why):
        path = os.path.join(tempfile.gettempdir(), f"pss_screenshot_failed_{what}.png")
        self.shot(path)
        raise RuntimeError(f"{what}: {why} (what the browser showed: {path})")

    def goto(self, url):
        self.call("Page.navigate", url=url)

    def shot(self, path):
        data = self.call("Page.captureScreenshot", format="png")["data"]
        with open(path, "wb") as out:
            out.write(base64.b64decode(data))

    def close(self):
        if getattr(self, "proc", None):
            self.proc.terminate()
            self.proc.wait(10)
        shutil.rmtree(self.profile, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("names", nargs="*", help="screens to take (default: all)")
    parser.add_argument("--out", default=os.path.join("docs", "screenshots"))
    args = parser.parse_args()
    base = os.environ.get("PSS_URL", "http://localhost:8069").rstrip("/")
    login = os.environ.get("PSS_LOGIN", "admin")
    password = os.environ.get("PSS_PASSWORD", "admin")
    names = args.names or list(SCREENS)
    unknown = set(names) - set(SCREENS)
    if unknown:
        sys.exit(
            f"screenshots: unknown screens {sorted(unknown)}; known: {list(SCREENS)}"
        )
    os.makedirs(args.out, exist_ok=True)

    browser = Browser()
    try:
        browser.goto(base + "/web/login")
        time.sleep(2)
        browser.js(LOGIN % (json.dumps(login), json.dumps(password)))
        time.sleep(3)
        browser.wait("login")
        info = browser.js(
            "fetch('/web/session/get_session_info', {method: 'POST', headers:"
            " {'Content-Type': 'application/json'}, body: '{}'}).then(r => r.json())"
        )
        allowed = sorted(
            int(cid) for cid in info["result"]["user_companies"]["allowed_companies"]
        )
        cids = "-".join(str(c) for c in allowed)
        for name in names:
            action, then = SCREENS[name]
            browser.goto(f"{base}/web#action={action}&cids={cids}")
            browser.wait(name)
            if then:
                action, _sep, column = then.partition(":")
                if action == "open_most":
                    opened = browser.js(OPEN_MOST % column)
                elif action == "this_month":
                    opened = browser.js(THIS_MONTH % column)
                elif action == "open_row":
                    opened = browser.js(OPEN_ROW % json.dumps(column))
                elif action == "click":
                    opened = browser.js(CLICK % column)
                else:
                    opened = browser.js(OPEN_FIRST)
                if not opened:
                    browser.fail(
                        name, f"{then}: nothing to open or set (is the demo seeded?)"
                    )
                time.sleep(1)
                browser.wait(name)
            path = os.path.join(args.out, f"{name}.png")
            browser.shot(path)
            print(f"screenshots: {path}")
    finally:
        browser.close()


if __name__ == "__main__":
    main()
