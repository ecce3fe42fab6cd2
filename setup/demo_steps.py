#!/usr/bin/env python3
"""The steps of ``make demo`` that need Odoo (run by setup/demo.sh).

python3 setup/demo_steps.py prepare --config C --db D --http-port P --credentials F
    Fresh API credentials for the demo's CRM, PSA and HRIS (unless the ones
    in F still work), their receivers on ports P+1 (CRM) and P+2 (PSA),
    written to F (mode 600): {code: {api_key, signing_secret,
    outbound_secret, receiver_port[, entity_codes]}}.
python3 setup/demo_steps.py status --config C --db D
    Prints "simulated" when the demo month was simulated in this database,
    else "fresh".
python3 setup/demo_steps.py finance --config C --db D --summary S
    Month end as the demo's finance user, for the period of pss-simulate's
    summary S: a billing run per entity (the first half of the month; the
    US and UK invoices approved, the German ones left to approve), the
    intercompany charging run, a reconciliation run per entity against the
    PSA's control totals; records that the demo month is done; prints the
    finance control dashboard.
"""

import argparse
import json
import os
import sys
from datetime import date, timedelta

import odoo
from odoo import SUPERUSER_ID, api

MARK = "pss_demo.simulated_month"
SYSTEMS = ("system_crm", "system_psa", "system_hris")
RECEIVER_OFFSET = {"system_crm": 1, "system_psa": 2}


def environment(args):
    odoo.tools.config.parse_config(["-c", args.config, "-d", args.db])
    registry = odoo.registry(args.db)
    return registry


def prepare(env, args):
    """Credentials and receiver URLs of the demo systems; the file."""
    from odoo.addons.pss_api.lib.credentials import hash_key

    try:
        with open(args.credentials, encoding="utf-8") as handle:
            known = json.load(handle)
    except (OSError, ValueError):
        known = {}
    document = {}
    for xmlid in SYSTEMS:
        system = env.ref(f"pss_demo.{xmlid}")
        active = system.pss_credential_ids.filtered(lambda c: c.state == "active")
        entry = dict(known.get(system.code) or {})
        key = entry.get("api_key") or ""
        if not (key and hash_key(key) in active.mapped("key_hash")):
            # A fresh pair; the older ones (lost with the file) are revoked.
            if active:
                active.action_revoke()
            values = system.issue_credentials()
            entry = {
                "api_key": values["api_key"],
                "signing_secret": values["signing_secret"],
            }
            print(f"demo_steps: new API credentials for {system.code}")
        offset = RECEIVER_OFFSET.get(xmlid)
        if offset:
            port = args.http_port + offset
            system.outbound_url = f"http://127.0.0.1:{port}/{system.code}/hooks/pss"
            entry["receiver_port"] = port
            entry["outbound_secret"] = system.sudo().outbound_secret
        codes = {
            m.res_id: m.external_value
            for m in env["pss.value.map"].search(
                [("system_id", "=", system.id), ("kind", "=", "entity")]
            )
        }
        if codes:
            companies = env["res.company"].browse(list(codes))
            entry["entity_codes"] = {c.pss_entity_code: codes[c.id] for c in companies}
        document[system.code] = entry
    env.cr.commit()
    # Demo credentials: readable by this user only.
    descriptor = os.open(args.credentials, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=2)
        handle.write("\n")


def status(env, args):
    print("simulated" if env["ir.config_parameter"].get_param(MARK) else "fresh")


def finance(env, args):
    with open(args.summary, encoding="utf-8") as handle:
        summary = json.load(handle)
    start, end = (date.fromisoformat(d) for d in summary["period"])
    # The month a controller closes: the PSA's control totals, the close
    # screen and the nightly runs count the calendar month of the simulated
    # weeks (one period, not a second November beside the calendar one).
    month_start, month_end = (
        date.fromisoformat(d)
        for d in summary.get("statement_period", summary["period"])
    )
    user = env.ref("pss_demo.user_finance")
    companies = env["res.company"].search(
        [("pss_entity_code", "in", summary["entities"])]
    )
    fenv = env(user=user.id, context={"allowed_company_ids": companies.ids})
    half = min(end, start + timedelta(days=13))
    for company in companies.sorted("id"):
        run = (
            fenv["pss.billing.run"]
            .with_company(company)
            .create({"company_id": company.id, "date_from": start, "date_to": half})
        )
        run.action_run()
        approved = 0
        if company.pss_entity_code != "DE01":
            drafts = run.invoice_ids.filtered(
                lambda m: m.state == "draft" and m.pss_approval_state == "to_approve"
            )
            if drafts:
                drafts.action_pss_approve()
                approved = len(drafts)
        print(
            f"demo_steps: billing run {run.name}: {run.state}, "
            f"{run.invoice_count} invoice(s), {approved} approved; {run.summary or ''}"
        )
        env.cr.commit()
    ic_run = fenv["pss.ic.run"].create({"date_from": month_start, "date_to": month_end})
    ic_run.action_run()
    print(
        f"demo_steps: intercompany run {ic_run.name}: {ic_run.state}, "
        f"{ic_run.charge_count} charge(s), {ic_run.line_count} line(s), "
        f"{ic_run.mismatch_count} mismatch(es)"
        + (f"\n  {ic_run.error}" if ic_run.error else "")
    )
    env.cr.commit()
    for company in companies.sorted("id"):
        recon = (
            fenv["pss.recon.run"]
            .with_company(company)
            .create(
                {
                    "company_id": company.id,
                    "date_from": month_start,
                    "date_to": month_end,
                }
            )
        )
        recon.action_run()
        print(
            f"demo_steps: reconciliation {recon.name}: {recon.state}, "
            f"{recon.matched_count} matched, {recon.variance_count} variance(s), "
            f"{recon.exception_count} exception(s)"
        )
        env.cr.commit()
    # The nightly runs made while the month arrived found nothing (they
    # leave no record) or are superseded by these: the runs above are the
    # current ones, on top of the lists.
    env["ir.config_parameter"].set_param(
        MARK,
        json.dumps(
            {
                "seed": summary["seed"],
                "period": summary["period"],
                "ok": summary["ok"],
            }
        ),
    )
    env.cr.commit()
    print_close(fenv, companies, month_start, month_end)
    cards = fenv["pss.recon.dashboard"].search([("company_id", "in", companies.ids)])
    print("demo_steps: Finance -> Integration control:")
    for card in cards:
        print(
            f"  {card.company_id.pss_entity_code}: unbilled "
            f"{card.unbilled_hours:.2f} h = {card.unbilled_value:,.2f} "
            f"{card.currency_id.name}, dead & parked {card.failed_message_count}, "
            f"stuck retries {card.stuck_retry_count}, open variances "
            f"{card.open_variance_count}, IC mismatches {card.ic_mismatch_count}"
        )


def print_close(fenv, companies, date_from, date_to):
    """Finance -> Month-end close of the demo month, as the screen shows it
    to the finance user: the group's checklist, then each entity's."""
    Close = fenv["pss.close"]
    group = Close._pss_get_or_create_group(date_from, date_to)
    entities = Close._pss_get_or_create(companies, date_from, date_to)
    fenv.cr.commit()
    print("demo_steps: Finance -> Month-end close:")
    for close in group | entities.sorted(lambda c: c.company_id.id):
        print(
            f"  {close.name}: {close.state}; failed messages {close.message_count}, "
            f"unbilled {close.unbilled_count} row(s) = {close.unbilled_hours:.2f} h, "
            f"billing runs {close.billing_run_count}, "
            f"invoices to approve {close.draft_invoice_count}, "
            f"IC runs {close.ic_run_count}, IC mismatches {close.ic_mismatch_count}, "
            f"open variances {close.variance_count}, signed {close.signed_count}, "
            f"drafts blocking {close.blocking_draft_count}"
        )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("step", choices=("prepare", "status", "finance"))
    parser.add_argument("--config", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--http-port", type=int, default=8069)
    parser.add_argument("--credentials")
    parser.add_argument("--summary")
    args = parser.parse_args(argv)
    registry = environment(args)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        {"prepare": prepare, "status": status, "finance": finance}[args.step](env, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
