"""The month a services group lives through, as a stream of event envelopes.

Pure Python, no I/O: :func:`build_scenario` turns a :class:`Config` into a
:class:`Scenario`, the phases a simulator sends in order (who sends what, and
which of it is a deliberate fault), with the outcome each fault should have.
The same config (seed included) gives the same events, byte for byte.

What the month holds, for every entity of the config:

- the CRM's customers and engagements won (time and materials in every
  entity; a retainer, a fixed fee or a milestone engagement beside it),
  amendments, milestones reached, and a second engagement won mid-month;
- the HRIS's people (the PSA's for entities without an HRIS) with dated
  hourly costs, and the PSA's staffing plans (``assignment.updated``);
- the PSA's approved time, one ``timesheet.approved`` per person, engagement
  entity and week, including people of one entity working on another
  entity's engagement (intercompany), and expenses;
- the faults integrations meet: a batch resent after a timeout (duplicates),
  an amendment overtaken by a newer one (v3 before v2), time corrected (v2)
  then replayed in its old version, a person whose time arrives before the
  HRIS record (parked, then released), a contractor who never arrives
  (parked), bad lines the server rejects back to the PSA, an expense of an
  unmapped category (dead), a void, an event refused at the door (422) and
  one for an entity the HRIS may not write (403);
- at month end the PSA's ``control.totals`` per entity, with a few
  deliberate variances for the reconciliation.
"""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

__all__ = [
    "DEFAULT_ENTITIES",
    "DEFAULT_SEED",
    "DEFAULT_WEEKS",
    "Config",
    "Entity",
    "Phase",
    "Scenario",
    "Step",
    "build_scenario",
    "default_start",
    "parse_entities",
]

DEFAULT_SEED = 13
DEFAULT_WEEKS = 4
DEFAULT_ENTITIES = "US01:USD,GB01:GBP,DE01:EUR"
ROLES = ("crm", "psa", "hris")

_CURRENCY_OF_COUNTRY = {
    "US": "USD",
    "GB": "GBP",
    "UK": "GBP",
    "CH": "CHF",
    "CA": "CAD",
    "AU": "AUD",
    "JP": "JPY",
    "SE": "SEK",
    "DK": "DKK",
    "NO": "NOK",
    "PL": "PLN",
}
_PEOPLE = {
    "US": [
        "Emma Johnson",
        "Liam Carter",
        "Olivia Brooks",
        "Noah Bennett",
        "Ava Mitchell",
        "Ethan Parker",
        "Sophia Reed",
        "Mason Hayes",
    ],
    "GB": [
        "Oliver Hughes",
        "Amelia Clarke",
        "George Whitfield",
        "Isla Morgan",
        "Harry Lawson",
        "Poppy Reid",
        "Jack Pemberton",
        "Freya Doyle",
    ],
    "DE": [
        "Lukas Becker",
        "Mia Schneider",
        "Jonas Wagner",
        "Lea Hoffmann",
        "Felix Braun",
        "Hannah Krüger",
        "Paul Zimmermann",
        "Sophie Wolf",
    ],
    "": [
        "Alex Morgan",
        "Sam Rivera",
        "Jordan Lee",
        "Taylor Quinn",
        "Robin Adler",
        "Charlie Novak",
        "Kim Larsen",
        "Dana Costa",
    ],
}
_CUSTOMERS = {
    "US": [
        "Harbor Freight Logistics Inc.",
        "Bluewater Health Systems",
        "Summit Retail Group",
        "Cascade Credit Union",
    ],
    "GB": [
        "Thames Valley Utilities plc",
        "Kestrel Insurance Ltd",
        "Pennine Rail Services",
        "Albion Foods Ltd",
    ],
    "DE": [
        "Rheinwerk Maschinenbau AG",
        "Alpenblick Versicherung AG",
        "Nordlicht Energie GmbH",
        "Hansekontor Handel GmbH",
    ],
    "": [
        "Meridian Holdings",
        "Northstar Industries",
        "Atlas Components",
        "Horizon Services",
    ],
}
_TOPICS = ["ERP rollout", "Finance transformation", "Data platform"]
_CONTRACTORS = ["Riley Ashford (contractor)", "Morgan Vale (contractor)"]
_WORK = [
    "Workshop with client stakeholders",
    "Requirements analysis",
    "Data migration scripts",
    "Steering committee preparation",
    "Solution design",
    "Testing and defect triage",
    "Status reporting",
    "Training session for key users",
    "Interface specification",
    "Cut-over planning",
]
# role -> hourly (cost, price) in units of the entity's currency
_ROLE_FIGURES = {
    "manager": (Decimal("92"), Decimal("255")),
    "senior_consultant": (Decimal("74"), Decimal("205")),
    "consultant": (Decimal("55"), Decimal("160")),
}
_ROLE_ORDER = ("manager", "senior_consultant", "consultant")
_MONEY = Decimal("0.01")


@dataclass(frozen=True)
class Entity:
    """A legal entity: its canonical code, currency and country."""

    code: str
    currency: str
    country: str


def parse_entities(text: str) -> list[Entity]:
    """``"US01:USD,GB01:GBP,DE01"`` -> entities (the currency defaults from
    the code's first two letters: US -> USD, GB -> GBP, others EUR)."""
    entities = []
    for raw in (text or "").split(","):
        item = raw.strip()
        if not item:
            continue
        code, _sep, currency = item.partition(":")
        code = code.strip()
        country = code[:2].upper() if code[:2].isalpha() else ""
        currency = (
            currency.strip() or _CURRENCY_OF_COUNTRY.get(country, "EUR")
        ).upper()
        if len(currency) != 3 or not currency.isalpha():
            raise ValueError(f"{item!r}: the currency must be an ISO 4217 code")
        entities.append(Entity(code, currency, "GB" if country == "UK" else country))
    if not entities:
        raise ValueError("at least one entity code is needed")
    codes = [e.code for e in entities]
    if len(set(codes)) != len(codes):
        raise ValueError("an entity code is listed twice")
    return entities


def default_start(today: date, weeks: int = DEFAULT_WEEKS) -> date:
    """Monday of the ``weeks`` whole weeks that end on the last Sunday before
    ``today``."""
    last_sunday = today - timedelta(days=today.isoweekday())
    return last_sunday - timedelta(days=7 * weeks - 1)


@dataclass
class Config:
    """What to simulate. ``systems`` maps the roles crm, psa and hris to the
    system codes of the server (hris None: the PSA sends every person);
    ``hris_entities`` are the entities whose people come from the HRIS;
    ``aliases`` maps a system code to its own entity codes
    ({canonical: its code}), for a system the server has value maps for."""

    start: date
    weeks: int = DEFAULT_WEEKS
    seed: int = DEFAULT_SEED
    entities: list[Entity] = field(
        default_factory=lambda: parse_entities(DEFAULT_ENTITIES)
    )
    systems: dict[str, str | None] = field(
        default_factory=lambda: {"crm": "crm", "psa": "psa", "hris": "hris"}
    )
    hris_entities: list[str] | None = None
    aliases: dict[str, dict[str, str]] = field(default_factory=dict)
    people_per_entity: int = 4

    def __post_init__(self):
        if self.weeks < 1 or self.weeks > 26:
            raise ValueError("weeks must be between 1 and 26")
        if self.start.isoweekday() != 1:
            raise ValueError(f"the start {self.start} is not a Monday")
        if not 3 <= self.people_per_entity <= 8:
            raise ValueError("people per entity must be between 3 and 8")
        for role in ("crm", "psa"):
            if not self.systems.get(role):
                raise ValueError(f"the {role} system code is required")
        codes = [e.code for e in self.entities]
        if not self.systems.get("hris"):
            self.hris_entities = []
        elif self.hris_entities is None:
            self.hris_entities = codes[1:] if len(codes) > 1 else codes
        unknown = set(self.hris_entities) - set(codes)
        if unknown:
            raise ValueError(f"HRIS entities not in the entities: {sorted(unknown)}")

    @property
    def end(self) -> date:
        return self.start + timedelta(days=7 * self.weeks - 1)

    @property
    def statement_period(self) -> tuple[date, date]:
        """The period of the PSA's control totals: the calendar month of the
        simulated weeks when they lie in one month (the month a controller
        closes, as Odoo's nightly runs and the close screen count it), else
        the simulated weeks themselves."""
        month_start = self.start.replace(day=1)
        month_end = (month_start + timedelta(days=32)).replace(day=1) - timedelta(1)
        if self.end <= month_end:
            return month_start, month_end
        return self.start, self.end

    def fingerprint(self) -> str:
        """Six hex digits naming this config in event ids (another config
        never reuses an event id with other data)."""
        text = "|".join(
            [
                str(self.seed),
                self.start.isoformat(),
                str(self.weeks),
                ",".join(f"{e.code}:{e.currency}" for e in self.entities),
                ",".join(f"{r}={self.systems.get(r) or ''}" for r in ROLES),
                ",".join(self.hris_entities or ()),
                repr(sorted((s, sorted(m.items())) for s, m in self.aliases.items())),
                str(self.people_per_entity),
            ]
        )
        return hashlib.sha256(text.encode()).hexdigest()[:6]


@dataclass
class Step:
    """Events one system sends in one go (batched), or one by one
    (``single``: each alone, as refusals are expected)."""

    role: str
    label: str
    events: list[dict]
    single: bool = False
    resend: bool = False


@dataclass
class Phase:
    name: str
    steps: list[Step] = field(default_factory=list)
    #: Bring the PSA's receiver up once this phase has settled.
    receiver_up_after: bool = False


@dataclass
class Scenario:
    config: Config
    phases: list[Phase]
    #: What the server should make of the faults (see :meth:`Builder.expect`).
    expected: dict
    #: The control totals' deliberate variances, for the reader.
    variances: list[dict]

    def envelopes(self):
        """Every envelope in sending order, as (phase, step, envelope)."""
        for phase in self.phases:
            for step in phase.steps:
                for envelope in step.events:
                    yield phase, step, envelope


@dataclass
class _Line:
    external_id: str
    version: int
    resource: str
    engagement: str
    entity: str  # the engagement's entity
    day: date
    hours: Decimal
    state: str = "sent"  # sent | rejected | voided | parked


def _d(value) -> str:
    return str(Decimal(value).quantize(_MONEY))


def _moment(day: date, hour: int, minute: int = 0) -> str:
    return (
        datetime.combine(day, time(hour, minute), tzinfo=timezone.utc)
        .isoformat()
        .replace("+00:00", "Z")
    )


class Builder:
    """Builds the scenario of a config; one instance per build."""

    def __init__(self, config: Config):
        self.config = config
        # Deterministic on purpose (the same demo every time), not security.
        self.rng = random.Random(config.seed)  # noqa: S311
        self.prefix = f"sim{config.seed}-{config.start:%Y%m%d}-{config.fingerprint()}"
        self.counter = 0
        self.lines: dict[str, _Line] = {}
        self.expected = {
            "refused": defaultdict(int),
            "duplicates": 0,
            "dead": 0,
            "parked": 0,
            "released": 0,
            "stale": 0,
            "rejected_lines": 0,
            "rejected_events": 0,
            "variances": 0,
        }
        self.stale_ids: list[str] = []
        self.dead_ids: list[str] = []
        self.parked_ids: list[str] = []
        self.released_ids: list[str] = []
        self.rejecting_ids: list[str] = []

    # -- helpers -------------------------------------------------------------
    def event_id(self) -> str:
        self.counter += 1
        return f"{self.prefix}-{self.counter:05d}"

    def envelope(self, role, event_type, entity, data, occurred_at):
        system = self.config.systems[role]
        code = self.config.aliases.get(system, {}).get(entity, entity)
        return {
            "id": self.event_id(),
            "type": event_type,
            "schema_version": 1,
            "occurred_at": occurred_at,
            "entity": code,
            "data": data,
        }

    def workdays(self, week: int):
        monday = self.config.start + timedelta(days=7 * week)
        return [monday + timedelta(days=i) for i in range(5)]

    def friday(self, week: int) -> date:
        return self.config.start + timedelta(days=7 * week + 4)

    # -- the cast ----------------------------------------------------------
    def cast(self):
        cfg = self.config
        rng = self.rng
        self.people = {}  # external id -> dict
        self.staff = defaultdict(list)  # entity -> [external ids]
        self.customers = defaultdict(list)  # entity -> [customer dicts]
        for entity in cfg.entities:
            names = _PEOPLE.get(entity.country, _PEOPLE[""])
            chosen = rng.sample(names, min(cfg.people_per_entity, len(names)))
            while len(chosen) < cfg.people_per_entity:
                chosen.append(f"{rng.choice(names)} {len(chosen) + 1}")
            for index, name in enumerate(chosen):
                role = _ROLE_ORDER[min(index, 2)]
                ext = f"EMP-{entity.code}-{index + 1:03d}"
                cost, _price = _ROLE_FIGURES[role]
                cost = cost + Decimal(rng.randint(-4, 6))
                self.people[ext] = {
                    "external_id": ext,
                    "name": name,
                    "role": role,
                    "entity": entity,
                    "cost": cost,
                    "email": f"{ext.lower()}@staff.example.com",
                    "kind": "employee",
                }
                self.staff[entity.code].append(ext)
            pool = _CUSTOMERS.get(entity.country, _CUSTOMERS[""])
            for index, name in enumerate(rng.sample(pool, 3)):
                self.customers[entity.code].append(
                    {
                        "external_id": f"ACC-{entity.code}-{index + 1:03d}",
                        "name": name,
                        "is_company": True,
                        "country": entity.country or None,
                        "email": f"ap@{name.split()[0].lower()}.example.com",
                    }
                )
        # The late joiner: the last person of the last HRIS entity (or of the
        # last entity), known to the HRIS only mid-month.
        late_entity = (cfg.hris_entities or [cfg.entities[-1].code])[-1]
        self.late = self.staff[late_entity][-1]
        # A contractor of the first entity the HRIS never sends.
        first = cfg.entities[0]
        self.ghost = f"CTR-{first.code}-901"
        self.people[self.ghost] = {
            "external_id": self.ghost,
            "name": rng.choice(_CONTRACTORS),
            "role": "consultant",
            "entity": first,
            "cost": Decimal("80"),
            "email": None,
            "kind": "contractor",
        }

    def engagements(self):
        cfg = self.config
        rng = self.rng
        start, end = cfg.start, cfg.end
        self.engs = {}  # external id -> dict (entity, model, payload...)
        self.tm = {}  # entity -> T&M engagement id
        self.second = {}  # entity -> second engagement id
        kinds = ("retainer", "fixed_fee", "milestone")
        for index, entity in enumerate(cfg.entities):
            customers = self.customers[entity.code]
            tm = f"ENG-{entity.code}-101"
            rate_card = [
                {
                    "role": role,
                    "unit_price": _d(_ROLE_FIGURES[role][1] + rng.randint(-5, 5)),
                    "hours": _d(hours),
                }
                for role, hours in (
                    ("manager", 120),
                    ("senior_consultant", 480),
                    ("consultant", 800),
                )
            ]
            self.engs[tm] = {
                "entity": entity,
                "model": "time_and_materials",
                "customer": customers[0]["external_id"],
                "data": {
                    "external_id": tm,
                    "version": 1,
                    "name": f"{customers[0]['name'].split()[0]} {rng.choice(_TOPICS)}",
                    "customer": customers[0]["external_id"],
                    "billing_model": "time_and_materials",
                    "start_date": (start - timedelta(days=28)).isoformat(),
                    "end_date": (end + timedelta(days=150)).isoformat(),
                    "budget_hours": "1400.00",
                    "rate_card": rate_card,
                    "practice": "Consulting",
                    "tags": ["simulated"],
                },
            }
            self.tm[entity.code] = tm
            kind = kinds[index % len(kinds)]
            second = f"ENG-{entity.code}-102"
            data = {
                "external_id": second,
                "version": 1,
                "customer": customers[1]["external_id"],
                "billing_model": kind,
                "start_date": (start - timedelta(days=7)).isoformat(),
                "end_date": (end + timedelta(days=90)).isoformat(),
                "practice": "Advisory",
                "tags": ["simulated"],
            }
            who = customers[1]["name"].split()[0]
            if kind == "retainer":
                data["name"] = f"{who} managed services retainer"
                data["start_date"] = start.isoformat()
                data["retainer"] = {
                    "amount": _d(12000 + 500 * rng.randint(0, 6)),
                    "period": "month",
                    "hours_cap": "90.00",
                }
            elif kind == "fixed_fee":
                data["name"] = f"{who} operating model review (fixed fee)"
                data["fixed_amount"] = _d(38000 + 1000 * rng.randint(0, 12))
                data["budget_hours"] = "320.00"
            else:
                data["name"] = f"{who} platform implementation"
                data["milestones"] = [
                    {
                        "external_id": f"M{n}",
                        "name": title,
                        "amount": _d(amount),
                        "due_date": (start + timedelta(days=due)).isoformat(),
                    }
                    for n, (title, amount, due) in enumerate(
                        (
                            ("Discovery signed off", 18000, 10),
                            ("Design approved", 26000, 24),
                            ("Go-live", 30000, 60),
                        ),
                        start=1,
                    )
                ]
            self.engs[second] = {
                "entity": entity,
                "model": kind,
                "customer": customers[1]["external_id"],
                "data": data,
            }
            self.second[entity.code] = second
        # Won mid-month in the second entity (the first when alone), for a
        # new customer sent inline; its time starts on ``self.mid``.
        entity = cfg.entities[1 % len(cfg.entities)]
        self.mid = start + timedelta(days=7 * (cfg.weeks // 2) if cfg.weeks > 1 else 2)
        self.mid_week = (self.mid - start).days // 7
        customer = self.customers[entity.code][2]
        self.phase2 = f"ENG-{entity.code}-103"
        self.engs[self.phase2] = {
            "entity": entity,
            "model": "time_and_materials",
            "customer": customer["external_id"],
            "data": {
                "external_id": self.phase2,
                "version": 1,
                "name": f"{customer['name'].split()[0]} cloud migration",
                "customer": {k: v for k, v in customer.items() if v is not None},
                "billing_model": "time_and_materials",
                "start_date": self.mid.isoformat(),
                "end_date": (end + timedelta(days=90)).isoformat(),
                "budget_hours": "600.00",
                "rate_card": [
                    {
                        "role": role,
                        "unit_price": _d(_ROLE_FIGURES[role][1] + 10),
                    }
                    for role in _ROLE_ORDER
                ],
                "practice": "Cloud",
                "tags": ["simulated"],
            },
        }

    # -- who works where ---------------------------------------------------
    def plan(self):
        """{(person, engagement): weekdays (0-4) worked}, and its start day."""
        cfg = self.config
        codes = [e.code for e in cfg.entities]
        plan = {}
        for index, entity in enumerate(cfg.entities):
            staff = self.staff[entity.code]
            tm, second = self.tm[entity.code], self.second[entity.code]
            for position, person in enumerate(staff):
                if position == 0:
                    plan[(person, second)] = (0, 1)
                    plan[(person, tm)] = (2, 3, 4)
                elif position == 1 and len(codes) > 1:
                    # Three days at home, two for the previous entity's T&M.
                    other = codes[(index - 1) % len(codes)]
                    plan[(person, tm)] = (0, 1, 2)
                    plan[(person, self.tm[other])] = (3, 4)
                elif position == 2:
                    plan[(person, second)] = (0, 1, 2, 3, 4)
                else:
                    plan[(person, tm)] = (0, 1, 2, 3, 4)
        # From mid-month one person of the phase-2 entity moves over to it.
        # (Neither the person lent to another entity nor the late joiner.)
        staff = self.staff[self.engs[self.phase2]["entity"].code]
        mover = next(
            p for p in staff[2:] + staff[:1] if p != self.late and p != staff[1]
        )
        self.mover = mover
        plan[(mover, self.phase2)] = (0, 1, 2, 3, 4)
        # The ghost contractor helps on the first entity's T&M in the last week.
        plan[(self.ghost, self.tm[codes[0]])] = (1, 2)
        self.work_plan = plan

    def days_of(self, person, engagement, week):
        """Days ``person`` works on ``engagement`` in ``week``."""
        weekdays = self.work_plan.get((person, engagement), ())
        days = [d for i, d in enumerate(self.workdays(week)) if i in weekdays]
        if engagement == self.phase2:
            days = [d for d in days if d >= self.mid]
        elif person == self.mover:
            # The mover leaves their engagement for phase 2 at mid-month.
            days = [d for d in days if d < self.mid]
        if person == self.ghost:
            days = days if week == self.config.weeks - 1 else []
        return days

    # -- events --------------------------------------------------------------
    def customer_events(self, when):
        events = []
        for entity in self.config.entities:
            for customer in self.customers[entity.code][:2]:
                data = {k: v for k, v in customer.items() if v is not None}
                events.append(
                    self.envelope("crm", "customer.upserted", entity.code, data, when)
                )
        return events

    def resource_payload(self, person):
        info = self.people[person]
        data = {
            "external_id": person,
            "name": info["name"],
            "kind": info["kind"],
            "role": info["role"],
            "department": "Delivery",
            "hourly_cost": {
                "amount": _d(info["cost"]),
                "currency": info["entity"].currency,
                "effective_from": (self.config.start - timedelta(days=60)).isoformat(),
            },
        }
        if info["email"]:
            data["work_email"] = info["email"]
        return data

    def resource_events(self, when, people):
        by_role = defaultdict(list)
        for person in people:
            entity = self.people[person]["entity"].code
            role = "hris" if entity in self.config.hris_entities else "psa"
            by_role[role].append(
                self.envelope(
                    role,
                    "resource.upserted",
                    entity,
                    self.resource_payload(person),
                    when,
                )
            )
        return by_role

    def won_events(self, when, engagements):
        return [
            self.envelope(
                "crm",
                "engagement.won",
                self.engs[eng]["entity"].code,
                self.engs[eng]["data"],
                when,
            )
            for eng in engagements
        ]

    def assignment_events(self, when, pairs, version=1):
        """The PSA's staffing plan of each (person, engagement) of ``pairs``:
        planned hours per ISO week (7 a day it plans), over the period and
        four weeks after. A
        newer version replaces the plan (the mover's old engagement ends at
        mid-month in version 2)."""
        cfg = self.config
        events = []
        for person, engagement in pairs:
            weekdays = self.work_plan[(person, engagement)]
            weeks = []
            for week in range(cfg.weeks + 4):
                monday = cfg.start + timedelta(days=7 * week)
                if engagement == self.phase2 and monday + timedelta(days=4) < self.mid:
                    continue
                if (
                    version > 1
                    and person == self.mover
                    and engagement != self.phase2
                    and monday >= self.mid
                ):
                    continue
                year, number, _day = monday.isocalendar()
                weeks.append(
                    {"week": f"{year}-W{number:02d}", "hours": _d(7 * len(weekdays))}
                )
            events.append(
                self.envelope(
                    "psa",
                    "assignment.updated",
                    self.engs[engagement]["entity"].code,
                    {
                        "external_id": f"ASG-{person}-{engagement}",
                        "version": version,
                        "resource_external_id": person,
                        "engagement_external_id": engagement,
                        "role": self.people[person]["role"],
                        "weeks": weeks,
                    },
                    when,
                )
            )
        return events

    def pairs_of(self, people=None, engagements=None):
        return [
            pair
            for pair in sorted(self.work_plan)
            if (people is None or pair[0] in people)
            and (engagements is None or pair[1] in engagements)
        ]

    def line(self, person, engagement, day, hours, suffix="", state="sent"):
        """The payload of a new line (version 1), noted in the ledger."""
        ext = f"TL-{person}-{day:%Y%m%d}-{engagement}{suffix}"
        info = self.people[person]
        entity = self.engs.get(engagement, {}).get("entity", info["entity"]).code
        record = _Line(ext, 1, person, engagement, entity, day, Decimal(hours), state)
        self.lines[ext] = record
        manager = self.staff[entity][0] if entity in self.staff else person
        data = {
            "external_id": ext,
            "version": 1,
            "resource_external_id": person,
            "engagement_external_id": engagement,
            "date": day.isoformat(),
            "hours": _d(hours),
            "description": self.rng.choice(_WORK),
            "billable": self.rng.random() > 0.06,
            "approved_by": self.people.get(manager, {}).get("email")
            or "approver@staff.example.com",
            "approved_at": _moment(day + timedelta(days=(4 - day.weekday()) % 7), 16),
        }
        return data

    def week_time(self, week):
        """{(person, engagement entity): [lines]} of one week."""
        rng = self.rng
        events = defaultdict(list)
        for (person, engagement), _weekdays in sorted(self.work_plan.items()):
            for day in self.days_of(person, engagement, week):
                if person not in (self.ghost, self.late) and rng.random() < 0.06:
                    continue  # a day off
                hours = rng.choice(("8", "8", "7.5", "7", "8", "6.5"))
                entity = self.engs[engagement]["entity"].code
                events[(person, entity)].append(
                    self.line(person, engagement, day, hours)
                )
        return events

    def time_envelopes(self, week, grouped):
        when = _moment(self.friday(week), 17, 30)
        envelopes = []
        for (_person, entity), lines in sorted(grouped.items()):
            envelope = self.envelope(
                "psa", "timesheet.approved", entity, {"lines": lines}, when
            )
            envelopes.append(envelope)
            if any(self.lines[ln["external_id"]].state == "rejected" for ln in lines):
                self.rejecting_ids.append(envelope["id"])
        return envelopes

    def expense_events(self, week, with_fault):
        rng = self.rng
        when = _moment(self.friday(week), 18)
        events = []
        for entity in self.config.entities:
            staff = self.staff[entity.code]
            person = staff[week % len(staff)]
            day = self.workdays(week)[rng.randint(0, 4)]
            tm = self.tm[entity.code]
            events.append(
                self.envelope(
                    "psa",
                    "expense.approved",
                    entity.code,
                    {
                        "external_id": f"EXP-{person}-{day:%Y%m%d}-T",
                        "resource_external_id": person,
                        "engagement_external_id": tm,
                        "date": day.isoformat(),
                        "amount": _d(Decimal(rng.randint(180, 640)) + Decimal("0.40")),
                        "currency": entity.currency,
                        "category": "travel",
                        "description": "Train and hotel for the client workshop",
                        "billable": True,
                        "approved_by": self.people[staff[0]]["email"],
                        "approved_at": _moment(self.friday(week), 15),
                    },
                    when,
                )
            )
            events.append(
                self.envelope(
                    "psa",
                    "expense.approved",
                    entity.code,
                    {
                        "external_id": f"EXP-{person}-{day:%Y%m%d}-M",
                        "resource_external_id": person,
                        "date": day.isoformat(),
                        "amount": _d(Decimal(rng.randint(18, 64)) + Decimal("0.90")),
                        "currency": entity.currency,
                        "category": "meals",
                        "description": "Team lunch",
                        "billable": False,
                    },
                    when,
                )
            )
        if with_fault:
            entity = self.config.entities[0]
            person = self.staff[entity.code][1]
            day = self.workdays(week)[2]
            envelope = self.envelope(
                "psa",
                "expense.approved",
                entity.code,
                {
                    "external_id": f"EXP-{person}-{day:%Y%m%d}-P",
                    "resource_external_id": person,
                    "date": day.isoformat(),
                    "amount": "45.00",
                    "currency": entity.currency,
                    "category": "per_diem",
                    "description": "Per diem (a category Odoo has no value map for)",
                    "billable": False,
                },
                when,
            )
            events.append(envelope)
            self.dead_ids.append(envelope["id"])
        return events

    # -- the month -------------------------------------------------------------
    def build(self) -> Scenario:
        cfg = self.config
        codes = [e.code for e in cfg.entities]
        self.cast()
        self.engagements()
        self.plan()
        phases = []
        setup_day = cfg.start - timedelta(days=3)
        when = _moment(setup_day, 9)
        bad_week = min(1, cfg.weeks - 1)
        late_week = max(1, cfg.weeks // 2)

        # Setup: customers, people, engagements, staffing.
        setup = Phase("setup: customers, people, engagements, staffing plans")
        setup.steps.append(Step("crm", "customers", self.customer_events(when)))
        people = [p for p in self.people if p not in (self.late, self.ghost)]
        resources = self.resource_events(_moment(setup_day, 10), people)
        for role in ("hris", "psa"):
            if resources.get(role):
                setup.steps.append(Step(role, "people", resources[role]))
        first_won = [e for e in self.engs if e != self.phase2]
        won = self.won_events(_moment(setup_day, 11), first_won)
        setup.steps.append(Step("crm", "engagements won", won))
        # The CRM's connection timed out: it sends the same batch again.
        setup.steps.append(Step("crm", "engagements won, resent", won, resend=True))
        self.expected["duplicates"] += len(won)
        # Refused at the door, nothing stored: a country that is not a code.
        bad = self.envelope(
            "crm",
            "customer.upserted",
            codes[0],
            {
                "external_id": f"ACC-{codes[0]}-099",
                "name": "Misconfigured Mapping Corp.",
                "country": "Germany",
            },
            when,
        )
        refused = [bad]
        self.expected["refused"][422] += 1
        outsider = [e for e in codes if e not in cfg.hris_entities]
        if cfg.hris_entities and outsider:
            # The HRIS may not write people of an entity it does not serve.
            stray = self.envelope(
                "hris",
                "resource.upserted",
                outsider[0],
                self.resource_payload(self.staff[outsider[0]][0]),
                when,
            )
            setup.steps.append(
                Step("hris", "a person of an entity it does not serve", [stray], True)
            )
            self.expected["refused"][403] += 1
        setup.steps.append(Step("crm", "a customer with a bad country", refused, True))
        planned = self.pairs_of(
            people=set(people), engagements=set(self.engs) - {self.phase2}
        )
        setup.steps.append(
            Step(
                "psa",
                "staffing plans",
                self.assignment_events(_moment(setup_day, 14), planned),
            )
        )
        phases.append(setup)

        replay = None
        corrections_done = False
        for week in range(cfg.weeks):
            monday = cfg.start + timedelta(days=7 * week)
            phase = Phase(f"week {week + 1} ({monday:%d %b})")
            crm_events = []
            crm_when = _moment(monday + timedelta(days=2), 10)
            if week == self.mid_week:
                crm_events += self.won_events(crm_when, [self.phase2])
            if week == bad_week:
                crm_events += self.amendments(crm_when, monday)
            crm_events += self.milestones(week, crm_when)
            if crm_events:
                phase.steps.append(
                    Step("crm", "engagements and milestones", crm_events)
                )
            if week == self.mid_week:
                # The PSA staffs the new engagement and ends the mover's
                # plan on the old one (version 2).
                plans = self.assignment_events(
                    crm_when, self.pairs_of(engagements={self.phase2})
                ) + self.assignment_events(
                    crm_when,
                    self.pairs_of(
                        people={self.mover}, engagements=set(self.engs) - {self.phase2}
                    ),
                    version=2,
                )
                phase.steps.append(Step("psa", "staffing of the new engagement", plans))
            if week == late_week and late_week < cfg.weeks:
                phase.steps += self.late_joiner_steps(monday)
            grouped = self.week_time(week)
            if week == bad_week:
                self.add_bad_lines(week, grouped)
            if week == self.mid_week:
                self.add_early_line(grouped)
            envelopes = self.time_envelopes(week, grouped)
            self.mark_parking(week, envelopes, late_week)
            phase.steps.append(Step("psa", "approved time", envelopes))
            phase.steps.append(
                Step(
                    "psa",
                    "expenses",
                    self.expense_events(week, with_fault=week == bad_week),
                )
            )
            if week == bad_week:
                replay = envelopes
            elif replay is not None and not corrections_done:
                phase.steps += self.corrections(week, replay)
                corrections_done = True
            if week == bad_week + 1 or (week == cfg.weeks - 1 and week == bad_week):
                phase.receiver_up_after = True
            phases.append(phase)
        if late_week >= cfg.weeks:
            late = Phase("the HRIS catches up")
            late.steps += self.late_joiner_steps(cfg.end)
            phases.append(late)
        if replay is not None and not corrections_done:
            fix = Phase("corrections")
            fix.steps += self.corrections(cfg.weeks, replay)
            phases.append(fix)
        close = Phase("month end: control totals")
        close.steps.append(
            Step("psa", "control totals", self.control_totals(cfg.end + timedelta(1)))
        )
        phases.append(close)
        if not any(p.receiver_up_after for p in phases):
            phases[-1].receiver_up_after = True
        expected = dict(self.expected)
        expected["refused"] = dict(expected["refused"])
        expected.update(
            dead=len(self.dead_ids),
            parked=len(self.parked_ids),
            released=len(self.released_ids),
            stale=len(self.stale_ids),
            rejected_events=len(self.rejecting_ids),
            ids={
                "dead": self.dead_ids,
                "parked": self.parked_ids,
                "released": self.released_ids,
                "stale": self.stale_ids,
                "rejecting": self.rejecting_ids,
            },
            engagements=len(self.engs),
            people=len(self.people) - 1,
            period=[cfg.start.isoformat(), cfg.end.isoformat()],
            statement_period=[d.isoformat() for d in cfg.statement_period],
        )
        return Scenario(cfg, phases, expected, self.variances)

    def amendments(self, when, monday):
        """A rate increase, and an amendment overtaken by a newer one: v3
        arrives before v2 (v2 is then older than what is applied)."""
        cfg = self.config
        events = []
        first = cfg.entities[0].code
        tm = self.engs[self.tm[first]]
        raise_from = monday + timedelta(days=7)
        events.append(
            self.envelope(
                "crm",
                "engagement.amended",
                first,
                {
                    "external_id": tm["data"]["external_id"],
                    "version": 2,
                    "effective_date": raise_from.isoformat(),
                    "rate_card": [
                        {
                            "role": "senior_consultant",
                            "unit_price": _d(
                                Decimal(tm["data"]["rate_card"][1]["unit_price"]) + 15
                            ),
                        }
                    ],
                },
                when,
            )
        )
        other = cfg.entities[1 % len(cfg.entities)].code
        second = self.engs[self.second[other]]
        end = date.fromisoformat(second["data"]["end_date"]) + timedelta(days=61)
        v3 = self.envelope(
            "crm",
            "engagement.amended",
            other,
            {
                "external_id": second["data"]["external_id"],
                "version": 3,
                "end_date": end.isoformat(),
                "name": second["data"]["name"] + " (extended)",
            },
            when,
        )
        v2 = self.envelope(
            "crm",
            "engagement.amended",
            other,
            {
                "external_id": second["data"]["external_id"],
                "version": 2,
                "name": second["data"]["name"] + " (revised scope)",
            },
            when,
        )
        self.stale_ids.append(v2["id"])
        return [*events, v3, v2]

    def milestones(self, week, when):
        cfg = self.config
        events = []
        for entity in cfg.entities:
            eng = self.engs[self.second[entity.code]]
            if eng["model"] != "milestone":
                continue
            reached = {min(1, cfg.weeks - 1): "M1", cfg.weeks - 1: "M2"}
            if cfg.weeks == 1:
                reached = {0: "M1"}
            name = reached.get(week)
            if not name:
                continue
            events.append(
                self.envelope(
                    "crm",
                    "milestone.reached",
                    entity.code,
                    {
                        "engagement_external_id": eng["data"]["external_id"],
                        "milestone_external_id": name,
                        "reached_on": self.friday(week).isoformat(),
                        "accepted_by": "Programme sponsor",
                    },
                    when,
                )
            )
        return events

    def late_joiner_steps(self, day):
        people = self.resource_events(_moment(day, 8), [self.late])
        steps = [
            Step(role, "a person the HRIS sends late", events)
            for role, events in people.items()
        ]
        plans = self.assignment_events(
            _moment(day, 9), self.pairs_of(people={self.late})
        )
        steps.append(Step("psa", "their staffing plan", plans))
        return steps

    def mark_parking(self, week, envelopes, late_week):
        for envelope in envelopes:
            person = envelope["data"]["lines"][0]["resource_external_id"]
            if person == self.ghost:
                self.parked_ids.append(envelope["id"])
                for line in envelope["data"]["lines"]:
                    self.lines[line["external_id"]].state = "parked"
            elif person == self.late and week < late_week:
                self.released_ids.append(envelope["id"])

    def add_bad_lines(self, week, grouped):
        """Two lines the server rejects back to the PSA: 26 hours on a day,
        an engagement the CRM never sent."""
        keys = [
            key
            for key in sorted(grouped)
            if key[0] not in (self.ghost, self.late, self.mover)
        ]
        typo_key, unknown_key = keys[0], keys[min(1, len(keys) - 1)]
        if typo_key == unknown_key and len(keys) > 2:
            unknown_key = keys[2]
        person, entity = typo_key
        friday = self.friday(week)
        engagement = grouped[typo_key][0]["engagement_external_id"]
        line = self.line(
            person, engagement, friday - timedelta(days=2), "26", "-X", "rejected"
        )
        line["description"] = "Typed 26 instead of 2.6"
        grouped[typo_key].append(line)
        person, entity = unknown_key
        line = self.line(person, f"ENG-{entity}-999", friday, "2", state="rejected")
        line["description"] = "Pre-sales call (a PSA project the CRM never won)"
        grouped[unknown_key].append(line)
        self.expected["rejected_lines"] += 2

    def add_early_line(self, grouped):
        """Time booked on the mid-month engagement before it starts."""
        before = self.mid - timedelta(days=1)
        while before.isoweekday() > 5:
            before -= timedelta(days=1)
        key = (self.mover, self.engs[self.phase2]["entity"].code)
        line = self.line(self.mover, self.phase2, before, "3", state="rejected")
        line["description"] = "Kick-off preparation (before the engagement starts)"
        grouped[key].append(line)
        self.expected["rejected_lines"] += 1

    def corrections(self, week, replay):
        """After the bad week: two lines corrected (version 2), one voided and
        booked again on the right engagement, the bad week's batch resent as
        is (duplicates) and one of its events replayed under a new id with
        the old versions (stale: nothing changes)."""
        day = self.friday(min(week, self.config.weeks) - 1) + timedelta(days=3)
        when = _moment(day, 9)
        plain = [
            e
            for e in replay
            if e["id"] not in self.rejecting_ids
            and e["id"] not in self.parked_ids
            and e["id"] not in self.released_ids
        ]
        target = plain[0]
        fixed = []
        for line in target["data"]["lines"][:2]:
            data = dict(line, version=2, hours=_d(Decimal(line["hours"]) - 1))
            data["description"] = line["description"] + " (corrected)"
            self.lines[line["external_id"]].version = 2
            self.lines[line["external_id"]].hours = Decimal(data["hours"])
            fixed.append(data)
        steps = [
            Step(
                "psa",
                "corrected time (version 2)",
                [
                    self.envelope(
                        "psa",
                        "timesheet.approved",
                        target["entity"],
                        {"lines": fixed},
                        when,
                    )
                ],
            )
        ]
        # A line booked on the wrong engagement: voided, booked again.
        victim_event = plain[min(1, len(plain) - 1)]
        victim = victim_event["data"]["lines"][-1]
        if victim["external_id"] not in {f["external_id"] for f in fixed}:
            self.lines[victim["external_id"]].state = "voided"
            person = victim["resource_external_id"]
            home = self.people[person]["entity"].code
            right = (
                self.second[home]
                if victim["engagement_external_id"] != self.second[home]
                else self.tm[home]
            )
            day_of = date.fromisoformat(victim["date"])
            rebooked = self.line(person, right, day_of, victim["hours"], "-R")
            steps.append(
                Step(
                    "psa",
                    "a line voided and booked on the right engagement",
                    [
                        self.envelope(
                            "psa",
                            "timesheet.voided",
                            victim_event["entity"],
                            {
                                "lines": [victim["external_id"]],
                                "reason": "Booked on the wrong engagement",
                            },
                            when,
                        ),
                        self.envelope(
                            "psa",
                            "timesheet.approved",
                            self.engs[right]["entity"].code,
                            {"lines": [rebooked]},
                            _moment(day, 9, 5),
                        ),
                    ],
                )
            )
        # The PSA's outbox replays the bad week: first as is (duplicates),
        # then one event under a new id, its lines in their old versions.
        steps.append(Step("psa", "the bad week resent as is", replay, resend=True))
        self.expected["duplicates"] += len(replay)
        stale = dict(target, id=self.event_id())
        stale["occurred_at"] = when
        steps.append(Step("psa", "an old event replayed under a new id", [stale]))
        self.stale_ids.append(stale["id"])
        return steps

    def control_totals(self, day):
        """The PSA's totals of the period per entity: hours per engagement and
        per person of the lines it approved (the parked contractor's too; not
        the lines rejected or voided), with a few deliberate variances."""
        cfg = self.config
        when = _moment(day, 6)
        per_eng = defaultdict(lambda: defaultdict(Decimal))
        per_res = defaultdict(lambda: defaultdict(Decimal))
        for line in self.lines.values():
            if line.state in ("rejected", "voided"):
                continue
            if not cfg.start <= line.day <= cfg.end:
                continue
            per_eng[line.entity][line.engagement] += line.hours
            per_res[line.entity][line.resource] += line.hours
        self.variances = []
        parked = defaultdict(Decimal)
        for line in self.lines.values():
            if line.state == "parked":
                parked[(line.entity, line.resource, line.engagement)] += line.hours
        for (entity, resource, engagement), hours in sorted(parked.items()):
            self.variances.append(
                {
                    "entity": entity,
                    "kind": "parked",
                    "what": f"{resource} on {engagement}",
                    "hours": _d(hours),
                    "why": "time of a contractor Odoo does not know yet (its "
                    "message is parked): a variance on the engagement and on "
                    "the person",
                }
            )
        codes = [e.code for e in cfg.entities]
        # Deliberate: the PSA counts 4 h more on the first entity's T&M...
        first = codes[0]
        per_eng[first][self.tm[first]] += Decimal(4)
        self.variances.append(
            {
                "entity": first,
                "kind": "engagement",
                "what": self.tm[first],
                "hours": "4.00",
                "why": "the PSA counts time approved after its export",
            }
        )
        if len(codes) > 1:
            # ... 2.5 h less for a person of the second entity ...
            second = codes[1]
            person = next(
                (p for p in sorted(per_res[second]) if p in self.staff[second]),
                sorted(per_res[second])[0],
            )
            per_res[second][person] -= Decimal("2.5")
            self.variances.append(
                {
                    "entity": second,
                    "kind": "resource",
                    "what": person,
                    "hours": "-2.50",
                    "why": "a timesheet edited in the PSA after approval",
                }
            )
        if len(codes) > 2:
            # ... and an engagement Odoo never heard of in the third.
            third = codes[2]
            per_eng[third][f"ENG-{third}-998"] += Decimal(12)
            self.variances.append(
                {
                    "entity": third,
                    "kind": "engagement",
                    "what": f"ENG-{third}-998",
                    "hours": "12.00",
                    "why": "a PSA project never won in the CRM",
                }
            )
        self.expected["variances"] = len(self.variances)
        events = []
        for code in codes:
            lines = [
                {"engagement_external_id": eng, "hours": _d(hours)}
                for eng, hours in sorted(per_eng[code].items())
            ] + [
                {"resource_external_id": res, "hours": _d(hours)}
                for res, hours in sorted(per_res[code].items())
            ]
            events.append(
                self.envelope(
                    "psa",
                    "control.totals",
                    code,
                    {
                        "date_from": cfg.statement_period[0].isoformat(),
                        "date_to": cfg.statement_period[1].isoformat(),
                        "version": 1,
                        "lines": lines,
                    },
                    when,
                )
            )
        return events


def build_scenario(config: Config) -> Scenario:
    """The month of ``config`` (deterministic for its seed)."""
    return Builder(config).build()
