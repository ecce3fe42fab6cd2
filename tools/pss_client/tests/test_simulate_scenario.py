"""pss-simulate's month: deterministic, valid for the API, faults as planned.

No server here: the event stream is checked as data. Its validity is checked
against the JSON schemas the API serves (its OpenAPI document, built from the
addons' pydantic models with pss_api's own builder) and against those models
themselves, which is what the server runs; that part needs the ``odoo``
package importable (no database).
"""

import io
import json
import sys
from collections import Counter, defaultdict
from contextlib import redirect_stdout
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from pss_client.scenario import (
    Config,
    build_scenario,
    default_start,
    parse_entities,
)
from pss_client.simulate import UsageError, load_credentials, main

ADDONS = Path(__file__).resolve().parents[3] / "addons"
START = date(2026, 3, 2)  # a Monday


def config(**values):
    values.setdefault("start", START)
    return Config(**values)


def stream(scenario):
    return [
        json.dumps([phase.name, step.role, envelope], sort_keys=True)
        for phase, step, envelope in scenario.envelopes()
    ]


def envelopes(scenario, event_type=None):
    return [
        envelope
        for _p, _s, envelope in scenario.envelopes()
        if event_type is None or envelope["type"] == event_type
    ]


# -- determinism ---------------------------------------------------------------


def test_the_same_seed_gives_the_same_events_byte_for_byte():
    first = stream(build_scenario(config()))
    second = stream(build_scenario(config()))
    assert first == second
    assert len(first) > 100


def test_another_seed_gives_another_month_under_other_event_ids():
    one = build_scenario(config(seed=1))
    two = build_scenario(config(seed=2))
    assert stream(one) != stream(two)
    # Same business ids (customers, engagements...), never the same event id
    # with other data: a server that saw one run can take the other.
    assert not {e["id"] for e in envelopes(one)} & {e["id"] for e in envelopes(two)}
    hours = [
        [
            line["hours"]
            for e in envelopes(s, "timesheet.approved")
            for line in e["data"]["lines"]
        ]
        for s in (one, two)
    ]
    assert hours[0] != hours[1]


def test_default_start_is_the_monday_of_the_whole_weeks_before_today():
    # Monday 30 November 2026: the four weeks end on Sunday the 29th.
    assert default_start(date(2026, 11, 30)) == date(2026, 11, 2)
    assert default_start(date(2026, 12, 2)) == date(2026, 11, 2)
    assert default_start(date(2026, 12, 7), weeks=1) == date(2026, 11, 30)


def test_bad_configs_are_refused():
    with pytest.raises(ValueError, match="Monday"):
        config(start=date(2026, 3, 3))
    with pytest.raises(ValueError, match="weeks"):
        config(weeks=0)
    with pytest.raises(ValueError, match="twice"):
        parse_entities("US01,US01")
    with pytest.raises(ValueError, match="HRIS"):
        config(hris_entities=["ZZ01"])
    assert [
        (e.code, e.currency) for e in parse_entities("US01,GB01,DE01:eur,NL01")
    ] == [
        ("US01", "USD"),
        ("GB01", "GBP"),
        ("DE01", "EUR"),
        ("NL01", "EUR"),
    ]


# -- what the month holds ----------------------------------------------------


def test_event_ids_are_unique_but_for_the_resent_batches():
    scenario = build_scenario(config())
    seen = {}
    resent = 0
    for _phase, step, envelope in scenario.envelopes():
        if envelope["id"] in seen:
            assert step.resend, envelope["id"]
            # A resend is the very same event (else the server answers 422).
            assert seen[envelope["id"]] == envelope
            resent += 1
        else:
            assert not step.resend
            seen[envelope["id"]] = envelope
    assert resent == scenario.expected["duplicates"] > 0


def test_every_billing_model_and_event_type_is_in_the_month():
    scenario = build_scenario(config())
    types = Counter(e["type"] for e in envelopes(scenario))
    assert set(types) == {
        "customer.upserted",
        "resource.upserted",
        "engagement.won",
        "engagement.amended",
        "milestone.reached",
        "assignment.updated",
        "timesheet.approved",
        "timesheet.voided",
        "expense.approved",
        "control.totals",
    }
    models = {e["data"]["billing_model"] for e in envelopes(scenario, "engagement.won")}
    assert models == {"time_and_materials", "retainer", "fixed_fee", "milestone"}
    # Every entity sends time and has engagements.
    entities = {e.code for e in scenario.config.entities}
    assert {e["entity"] for e in envelopes(scenario, "timesheet.approved")} == entities
    assert {e["entity"] for e in envelopes(scenario, "engagement.won")} == entities


def test_people_of_one_entity_work_on_engagements_of_another():
    scenario = build_scenario(config())
    home = {}
    for envelope in envelopes(scenario, "resource.upserted"):
        home[envelope["data"]["external_id"]] = envelope["data"]["external_id"][4:8]
    crossed = Counter()
    for envelope in envelopes(scenario, "timesheet.approved"):
        for line in envelope["data"]["lines"]:
            person = line["resource_external_id"]
            if person in home and home[person] != envelope["entity"]:
                crossed[(home[person], envelope["entity"])] += 1
    # Each entity lends someone to another one (intercompany charging).
    assert set(crossed) == {("US01", "DE01"), ("GB01", "US01"), ("DE01", "GB01")}


def test_the_hris_sends_its_entities_people_in_its_own_codes():
    scenario = build_scenario(
        config(
            aliases={"hris": {"GB01": "200", "DE01": "300"}},
            hris_entities=["GB01", "DE01"],
        )
    )
    by_role = defaultdict(set)
    for _phase, step, envelope in scenario.envelopes():
        if envelope["type"] == "resource.upserted":
            by_role[step.role].add(envelope["entity"])
    assert by_role["hris"] == {"200", "300", "US01"}  # US01: the refused stray
    assert by_role["psa"] == {"US01"}
    without = build_scenario(config(systems={"crm": "crm", "psa": "psa", "hris": None}))
    roles = {s.role for _p, s, e in without.envelopes()}
    assert roles == {"crm", "psa"}
    assert without.expected["refused"] == {422: 1}


def test_the_faults_are_planned_with_their_outcome():
    scenario = build_scenario(config())
    expected = scenario.expected
    ids = expected["ids"]
    by_id = {e["id"]: e for e in envelopes(scenario)}
    assert expected["refused"] == {422: 1, 403: 1}
    # Dead: an expense of a category the server has no map for.
    assert [by_id[i]["data"]["category"] for i in ids["dead"]] == ["per_diem"]
    # Parked for good: the contractor no resource.upserted ever names.
    people = {
        e["data"]["external_id"] for e in envelopes(scenario, "resource.upserted")
    }
    for event_id in ids["parked"]:
        for line in by_id[event_id]["data"]["lines"]:
            assert line["resource_external_id"] not in people
    # Released: time of a person sent before the person.
    order = [e["id"] for e in envelopes(scenario)]
    late = {
        line["resource_external_id"]
        for i in ids["released"]
        for line in by_id[i]["data"]["lines"]
    }
    assert len(late) == 1
    (person,) = late
    arrival = next(
        order.index(e["id"])
        for e in envelopes(scenario, "resource.upserted")
        if e["data"]["external_id"] == person
    )
    assert all(order.index(i) < arrival for i in ids["released"])
    assert ids["released"]
    # Stale: v2 of an amendment after its v3, and time replayed in its old
    # version after a correction (version 2).
    amended = [
        by_id[i] for i in ids["stale"] if by_id[i]["type"] == "engagement.amended"
    ]
    assert [e["data"]["version"] for e in amended] == [2]
    newer = [
        e
        for e in envelopes(scenario, "engagement.amended")
        if e["data"]["external_id"] == amended[0]["data"]["external_id"]
    ]
    assert [e["data"]["version"] for e in newer] == [3, 2]
    replayed = [
        by_id[i] for i in ids["stale"] if by_id[i]["type"] == "timesheet.approved"
    ]
    corrected = {
        line["external_id"]: line["version"]
        for e in envelopes(scenario, "timesheet.approved")
        for line in e["data"]["lines"]
        if line["version"] > 1
    }
    assert len(corrected) == 2
    assert set(corrected) <= {ln["external_id"] for ln in replayed[0]["data"]["lines"]}
    assert order.index(replayed[0]["id"]) > max(
        order.index(e["id"])
        for e in envelopes(scenario, "timesheet.approved")
        if any(ln["version"] > 1 for ln in e["data"]["lines"])
    )
    # Rejected back: 26 hours, an engagement never won, a day before the start.
    won = {
        e["data"]["external_id"]: e["data"]
        for e in envelopes(scenario, "engagement.won")
    }
    bad = []
    for event_id in ids["rejecting"]:
        for line in by_id[event_id]["data"]["lines"]:
            engagement = won.get(line["engagement_external_id"])
            if (
                Decimal(line["hours"]) > 24
                or engagement is None
                or line["date"] < engagement["start_date"]
            ):
                bad.append(line["external_id"])
    assert len(bad) == expected["rejected_lines"] == 3
    assert len(ids["rejecting"]) == expected["rejected_events"] == 3


def test_control_totals_are_the_approved_time_plus_the_planned_variances():
    scenario = build_scenario(config())
    start, end = scenario.expected["period"]
    won = {e["data"]["external_id"]: e for e in envelopes(scenario, "engagement.won")}
    rejected, voided = set(), set()
    lines = {}
    for envelope in envelopes(scenario, "timesheet.voided"):
        voided.update(envelope["data"]["lines"])
    for envelope in envelopes(scenario, "timesheet.approved"):
        for line in envelope["data"]["lines"]:
            engagement = won.get(line["engagement_external_id"])
            if (
                Decimal(line["hours"]) > 24
                or engagement is None
                or line["date"] < engagement["data"]["start_date"]
            ):
                rejected.add(line["external_id"])
            current = lines.get(line["external_id"])
            if current is None or line["version"] > current[1]["version"]:
                lines[line["external_id"]] = (envelope["entity"], line)
    expected = defaultdict(Decimal)
    for ext, (entity, line) in lines.items():
        if ext in rejected or ext in voided or not start <= line["date"] <= end:
            continue
        expected[(entity, "engagement", line["engagement_external_id"])] += Decimal(
            line["hours"]
        )
        expected[(entity, "resource", line["resource_external_id"])] += Decimal(
            line["hours"]
        )
    for variance in scenario.variances:
        if variance["kind"] in ("engagement", "resource"):
            key = (variance["entity"], variance["kind"], variance["what"])
            expected[key] += Decimal(variance["hours"])
    sent = {}
    # The statement is the calendar month of the simulated weeks (issue 18:
    # the simulated weeks made a second November beside the calendar one).
    month_start = start[:8] + "01"
    assert scenario.expected["statement_period"][0] == month_start
    assert scenario.expected["statement_period"][1] >= end
    for envelope in envelopes(scenario, "control.totals"):
        assert [
            envelope["data"]["date_from"],
            envelope["data"]["date_to"],
        ] == scenario.expected["statement_period"]
        for line in envelope["data"]["lines"]:
            kind = "engagement" if "engagement_external_id" in line else "resource"
            key = (envelope["entity"], kind, line[f"{kind}_external_id"])
            sent[key] = Decimal(line["hours"])
    assert sent == {k: v for k, v in expected.items() if v}
    kinds = Counter(v["kind"] for v in scenario.variances)
    assert kinds == {"parked": 1, "engagement": 2, "resource": 1}


def test_a_one_week_month_still_holds_every_fault():
    scenario = build_scenario(
        config(weeks=1, entities=parse_entities("AA01:EUR,BB01:USD"))
    )
    expected = scenario.expected
    assert expected["rejected_lines"] == 3
    assert expected["released"] >= 1
    assert expected["parked"] == 1
    assert expected["stale"] == 2
    assert expected["duplicates"] > 0
    assert any(p.receiver_up_after for p in scenario.phases)


# -- valid for the API ---------------------------------------------------------


@pytest.fixture(scope="module")
def api_schemas():
    """(OpenAPI document, {event type: pydantic model}) of the addons."""
    pytest.importorskip("odoo", reason="the addons' schemas import odoo")
    import odoo.addons

    if str(ADDONS) not in odoo.addons.__path__:
        odoo.addons.__path__.append(str(ADDONS))
    from odoo.addons.pss_api.lib.openapi import build_openapi
    from odoo.addons.pss_core.schemas import Envelope
    from odoo.addons.pss_project import schemas as project
    from odoo.addons.pss_reconcile.schemas import ControlTotals
    from odoo.addons.pss_reporting.schemas import AssignmentUpdated
    from odoo.addons.pss_timesheet import schemas as timesheet

    models = {
        "customer.upserted": project.CustomerUpserted,
        "engagement.won": project.EngagementWon,
        "engagement.amended": project.EngagementAmended,
        "milestone.reached": project.MilestoneReached,
        "resource.upserted": timesheet.ResourceUpserted,
        "timesheet.approved": timesheet.TimesheetApproved,
        "timesheet.voided": timesheet.TimesheetVoided,
        "expense.approved": timesheet.ExpenseApproved,
        "control.totals": ControlTotals,
        "assignment.updated": AssignmentUpdated,
    }
    document = build_openapi([(t, m, t, (1,)) for t, m in models.items()])
    return document, models, Envelope


def test_every_event_is_valid_against_the_served_json_schemas(api_schemas):
    jsonschema = pytest.importorskip("jsonschema")
    document, _models, _envelope = api_schemas
    components = document["components"]
    scenario = build_scenario(config())
    refused = {"Germany"}  # the one event meant to be refused (422)
    checked = Counter()
    for envelope in envelopes(scenario):
        schema = {
            "$ref": f"#/components/schemas/Event_{envelope['type'].replace('.', '_')}",
            "components": components,
        }
        validator = jsonschema.Draft202012Validator(
            schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
        )
        errors = [e.message for e in validator.iter_errors(envelope)]
        if envelope["data"].get("country") in refused:
            assert errors, "the refused customer must be invalid"
            continue
        assert errors == [], (envelope["id"], envelope["type"], errors)
        checked[envelope["type"]] += 1
    assert len(checked) == 10


def test_every_event_is_valid_for_the_servers_own_models(api_schemas):
    from pydantic import ValidationError

    _document, models, Envelope = api_schemas
    scenario = build_scenario(config(seed=99, weeks=2))
    invalid = []
    for envelope in envelopes(scenario):
        try:
            Envelope.model_validate(envelope)
            models[envelope["type"]].model_validate(envelope["data"])
        except ValidationError as error:
            invalid.append((envelope["data"].get("country"), str(error)[:200]))
    assert [country for country, _error in invalid] == ["Germany"]


# -- the command line ------------------------------------------------------------


def run_cli(*argv):
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(list(argv))
    return code, out.getvalue()


def test_dry_run_prints_the_stream_and_sends_nothing():
    args = ("--url", "http://127.0.0.1:9", "--dry-run", "--start", "2026-03-02")
    code, first = run_cli(*args)
    assert code == 0
    lines = [json.loads(line) for line in first.splitlines()]
    assert len(lines) == len(list(build_scenario(config()).envelopes()))
    assert {line["role"] for line in lines} == {"crm", "psa", "hris"}
    code, second = run_cli(*args)
    assert second == first
    code, other = run_cli(*args, "--seed", "7")
    assert other != first


def test_credentials_come_from_the_file_or_the_environment(tmp_path, monkeypatch):
    path = tmp_path / "creds.json"
    path.write_text(json.dumps({"crm": {"api_key": "k", "signing_secret": "s"}}))
    monkeypatch.setenv("PSS_PSA_API_KEY", "pk")
    monkeypatch.setenv("PSS_PSA_SIGNING_SECRET", "ps")
    found = load_credentials(str(path), ["crm", "psa"])
    assert found["crm"]["api_key"] == "k"
    assert (found["psa"]["api_key"], found["psa"]["signing_secret"]) == ("pk", "ps")
    with pytest.raises(UsageError, match="hris"):
        load_credentials(str(path), ["crm", "psa", "hris"])
    code = main(["--url", "http://127.0.0.1:9", "--credentials", str(path)])
    assert code == 2  # no credentials for the HRIS


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__]))
