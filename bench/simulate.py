"""The life of one referral, played forward in time until today, as rows for every table it touches.

Each referral gets a planned course (accepted or not, how its case ends) and random delays between
steps; whatever would happen after `now` does not happen yet, so that recent referrals and cases are
left in the state they would really be in. Every row follows the same rules as the services: moves
only along the allowed transitions, one event per move, consents and signed-off assessments before
`ready`, facilitators and venues never double-booked, follow-ups created when a case closes.
"""

import json
import uuid
from datetime import date, timedelta

from . import people
from .cases import play_case
from .clock import DAY, SLOT, WORKING_SLOTS, age_on, day_of, ts

OFFENCE_WEIGHTS = {
    "shoplifting": 22, "theft": 12, "criminal-damage": 14, "common-assault": 14, "public-order": 8,
    "burglary": 5, "vehicle-crime": 4, "drugs-possession": 6, "harassment": 4, "online-harm": 3,
    "fraud": 2, "arson": 1, "sexual-offence": 1, "domestic-abuse": 1.5, "other": 3,
}  # fmt: skip
CONFERENCE_KINDS = [
    "victim_offender", "family_group", "community_circle", "peacemaking_circle", "surrogate_victim", "shuttle",
]  # fmt: skip
DECLINE_ELIGIBLE_REASONS = (["harmed_party_objects", "risk", "insufficient_information", "other"], [40, 30, 20, 10])
MONTHS = (6, 12, 24)


class Ids:
    """The next primary key of each table: rows are written with their ids, so that they can refer to each other."""

    def __init__(self, start: dict[str, int]):
        self.next = dict(start)

    def __call__(self, table: str) -> int:
        value = self.next[table]
        self.next[table] = value + 1
        return value


class Calendar:
    """Half-hour slots of facilitators and venues, so that no two active bookings overlap."""

    def __init__(self, start: float, end: float):
        self.start = start
        days = int((end - start) // DAY) + 2
        day = bytearray(b"\x01" * 48)
        for slot in WORKING_SLOTS:
            day[slot] = 0
        self.template = bytes(day) * days
        self.maps: dict[object, bytearray] = {}

    def _map(self, owner) -> bytearray:
        if owner not in self.maps:
            self.maps[owner] = bytearray(self.template)
        return self.maps[owner]

    def book(self, owners: list, wanted: float, slots: int) -> float | None:
        """Return the first start at or after `wanted` when every owner is free, and book it."""
        maps = [self._map(owner) for owner in owners]
        free = b"\x00" * slots
        pos = max(0, int((wanted - self.start) // SLOT) + 1)
        while True:
            pos = maps[0].find(free, pos)
            if pos < 0:
                return None
            clash = next((m for m in maps[1:] if m[pos : pos + slots] != free), None)
            if clash is None:
                break
            pos += 1
        for m in maps:
            m[pos : pos + slots] = b"\x01" * slots
        return self.start + pos * SLOT

    def take(self, owner, starts: float, slots: int) -> bool:
        """Book `owner` at `starts` if free then; say whether it was."""
        pos = int((starts - self.start) // SLOT)
        calendar = self._map(owner)
        if calendar[pos : pos + slots] != b"\x00" * slots:
            return False
        calendar[pos : pos + slots] = b"\x01" * slots
        return True

    def release(self, owners: list, starts: float, slots: int) -> None:
        pos = int((starts - self.start) // SLOT)
        for owner in owners:
            self._map(owner)[pos : pos + slots] = b"\x00" * slots


class Programme:
    """Generates referrals one after another into `out`, a dict of table name -> list of row tuples."""

    def __init__(self, rng, *, now: float, start: float, refs: dict, ids: Ids):
        self.rng = rng
        self.now = now
        self.start = start
        self.refs = refs
        self.ids = ids
        self.calendar = Calendar(start, now + 180 * DAY)
        self.out: dict[str, list] = {}
        self.counters: dict[int, int] = {}
        self.responsible_pool: list[tuple[int, date | None]] = []
        self._results_cache: dict[tuple, str] = {}
        offences = refs["offences"]
        self.offence_codes = [code for code in OFFENCE_WEIGHTS if code in offences]
        self.offence_weights = [OFFENCE_WEIGHTS[code] for code in self.offence_codes]
        self.excluded = set(refs["excluded"])

    # helpers

    def row(self, table: str, *values) -> None:
        self.out.setdefault(table, []).append(values)

    def pick(self, options, weights):
        return self.rng.choices(options, weights)[0]

    def later(self, at: float, low_days: float, high_days: float) -> float:
        return at + self.rng.uniform(low_days, high_days) * DAY

    # people

    def person(self, role: str, *, at: float, age: tuple[int, int] | None, by: int) -> tuple[int, date | None]:
        rng = self.rng
        genders, weights = people.GENDERS[role]
        gender = rng.choices(genders, weights)[0]
        ethnicity = rng.choices(*people.ETHNICITIES)[0]
        first = rng.choice(people.FIRST_NAMES[gender])
        last = rng.choices(people.SURNAMES, cum_weights=people.SURNAME_CUM_WEIGHTS)[0]
        born = None
        if age is not None:
            born = day_of(at) - timedelta(days=rng.randint(age[0] * 365 + 1, age[1] * 365 + 360))
        pk = self.ids("cases_person")
        self.row("cases_person", pk, "individual", first, last, "", born, gender, ethnicity, ts(at), by)
        if rng.random() < 0.8:
            phone = f"07{rng.randint(100000000, 999999999)}"
            email = f"{first}.{last}{rng.randint(1, 999)}@example.org".lower() if rng.random() < 0.6 else ""
            address = f"{rng.randint(1, 200)} {rng.choice(people.STREETS)}, {rng.choice(people.TOWNS)}"
            self.row("cases_contactdetails", self.ids("cases_contactdetails"), pk, phone, email, address, "")
        return pk, born

    def organisation(self, *, at: float, by: int) -> int:
        pk = self.ids("cases_person")
        name = f"{self.rng.choice(people.SHOPS)}, {self.rng.choice(people.STREETS)}"
        self.row("cases_person", pk, "organisation", "", "", name, None, "not_stated", "not_stated", ts(at), by)
        phone = f"01{self.rng.randint(100000000, 999999999)}"
        self.row("cases_contactdetails", self.ids("cases_contactdetails"), pk, phone, "", "", "")
        return pk

    # referral

    def referral(self, created: float) -> None:
        rng, refs = self.rng, self.refs
        officer = rng.choices(refs["officers"], cum_weights=refs["officer_cum_weights"])[0]
        officer_id, unit_id = officer
        code = self.pick(self.offence_codes, self.offence_weights)
        pk = self.ids("referrals_referral")
        year = ts(created).astimezone(refs["tz"]).year
        self.counters[year] = self.counters.get(year, 0) + 1
        reference = f"RJ-{year}-{self.counters[year]:06d}"
        incident = created - rng.uniform(0.2, 20) * DAY

        # parties: responsible (sometimes two, sometimes known from earlier), harmed, guardians of juveniles
        parties = []  # (person_id, role, born, admits, prior, is_org)
        for n in range(1 if rng.random() < 0.9 else 2):
            if n == 0 and self.responsible_pool and rng.random() < 0.05:
                person_id, born = rng.choice(self.responsible_pool)
                prior = rng.choice([1, 1, 1, 2, 2, 3])
            else:
                juvenile = rng.random() < 0.35
                age = (10, 17) if juvenile else self.pick([(18, 24), (25, 39), (40, 70)], [45, 40, 15])
                person_id, born = self.person("responsible", at=created, age=age, by=officer_id)
                prior = self.pick([0, 1, 2, 3], [82, 11, 5, 2])
                if rng.random() < 0.1:
                    self.responsible_pool.append((person_id, born))
            admits = rng.random() < 0.93
            parties.append([person_id, "responsible", born, admits, prior, False, None])
        organisation_harmed = code == "shoplifting" and rng.random() < 0.75
        for _ in range(1 if rng.random() < 0.93 else 2):
            if organisation_harmed:
                parties.append([self.organisation(at=created, by=officer_id), "harmed", None, None, None, True, None])
                organisation_harmed = False
                continue
            age = self.pick([(10, 17), (18, 39), (40, 85)], [15, 45, 40])
            person_id, born = self.person("harmed", at=created, age=age, by=officer_id)
            parties.append([person_id, "harmed", born, None, None, False, None])
        incident_day = day_of(incident)
        for party in list(parties):
            if party[2] is not None and age_on(party[2], incident_day) < 18 and not party[5]:
                guardian, _ = self.person("guardian", at=created, age=(28, 60), by=officer_id)
                party[6] = guardian
                parties.append([guardian, "guardian", None, None, None, False, None])
        seen = set()
        for person_id, role, _born, admits, prior, _org, _guardian in parties:
            if (person_id, role) in seen:
                continue
            seen.add((person_id, role))
            self.row("referrals_referralparty", self.ids("referrals_referralparty"), pk, person_id, role,
                     admits if role == "responsible" else None, prior if role == "responsible" else None,
                     "", False)  # fmt: skip

        # screening
        responsible = [p for p in parties if p[1] == "responsible"]
        passes = (
            code not in self.excluded,
            True,
            all(p[3] for p in responsible),
            all(p[2] is not None and age_on(p[2], incident_day) >= 10 for p in responsible),
            all(p[4] <= 2 for p in responsible),
        )
        eligible = all(passes)
        events = [(created, "", "draft", officer_id, "Referral created.")]
        submitted = screened = None
        status, screened_by, decline_reason, info_request, info_response, override = "draft", None, "", "", "", ""
        course = rng.random()
        if course < 0.012:  # abandoned draft, or withdrawn before submission
            if rng.random() < 0.5 and (t := self.later(created, 1, 30)) < self.now:
                events.append((t, "draft", "withdrawn", officer_id, "Duplicate of another referral."))
                status = "withdrawn"
        else:
            t = created + rng.uniform(0.01, 2) * DAY
            if t < self.now:
                submitted, status = t, "submitted"
                events.append((t, "draft", "submitted", officer_id, ""))
                supervisor = rng.choice(refs["supervisors"])
                if rng.random() < 0.08 and (t := self.later(t, 0.5, 5)) < self.now:
                    info_request = "Please add whether the harmed party has been told about the referral."
                    events.append((t, "submitted", "needs_info", supervisor, info_request))
                    status = "needs_info"
                    if rng.random() < 0.85 and (t := self.later(t, 0.5, 7)) < self.now:
                        info_response = "Yes, the harmed party knows and is willing to be contacted."
                        events.append((t, "needs_info", "submitted", officer_id, ""))
                        submitted, status = t, "submitted"
                    elif rng.random() < 0.3 and (t := self.later(t, 7, 20)) < self.now:
                        events.append((t, "needs_info", "withdrawn", officer_id, "No further information available."))
                        status = "withdrawn"
                if status == "submitted" and rng.random() < 0.02 and (t := self.later(t, 0.2, 3)) < self.now:
                    events.append((t, "submitted", "withdrawn", officer_id, "The responsible party was charged."))
                    status = "withdrawn"
                elif status == "submitted" and (t := self.later(submitted, 0.1, 6)) < self.now:
                    accept = rng.random() < (0.9 if eligible else 0.08)
                    screened, screened_by = t, supervisor
                    if accept:
                        status = "accepted"
                        if not eligible:
                            override = "Accepted after discussion with the harmed party and the youth service."
                        events.append((t, "submitted", "accepted", supervisor, override))
                    else:
                        status = "declined"
                        if not eligible:
                            decline_reason = "no_admission" if passes[0] and not passes[2] else "not_eligible"
                        else:
                            decline_reason = self.pick(*DECLINE_ELIGIBLE_REASONS)
                        events.append((t, "submitted", "declined", supervisor, refs["decline_labels"][decline_reason]))
        incident_number = f"{rng.randint(10, 99)}/{rng.randint(100000, 999999)}/{year % 100}"
        self.row(
            "referrals_referral", pk, reference, status, incident_number, incident_day,
            f"{rng.choice(people.STREETS)}, {rng.choice(people.TOWNS)}", refs["offences"][code],
            "Incident as described in the police report.", "Loss and distress to the harmed party.",
            officer_id, unit_id, ts(created), ts(submitted) if submitted else None, ts(screened) if screened else None,
            screened_by, info_request, info_response, decline_reason,
            eligible if screened else None, self._results(passes) if screened else "[]", override,
        )  # fmt: skip
        for at, old, new, actor, reason in events:
            self.row(
                "referrals_referralevent", self.ids("referrals_referralevent"), pk, actor, old, new, reason, ts(at)
            )
        if status == "submitted":
            due = submitted + refs["screening_backlog_days"] * DAY
            self.reminder("screening_backlog", f"{refs['screening_backlog_days']}d", f"r{pk}", due, submitted,
                          referral=pk, sup=True)  # fmt: skip
        if status == "accepted":
            play_case(self, referral_id=pk, officer_id=officer_id, opened=screened, supervisor=screened_by,
                      parties=parties, offence=code)  # fmt: skip

    def _results(self, passes: tuple) -> str:
        if passes not in self._results_cache:
            rules = ["Offence category", "Responsible party", "Admission of responsibility", "Age", "Prior diversions"]
            self._results_cache[passes] = json.dumps(
                [
                    {"rule": rule, "passed": ok, "reason": "Meets the policy." if ok else "Fails the policy."}
                    for rule, ok in zip(rules, passes, strict=True)
                ]
            )
        return self._results_cache[passes]

    def reminder(self, kind, variant, subject, due, created, *, stamp="", channel="in_app", cancelled_at=None,
                 cancel_reason="", expires=None, referral=None, case=None, conference=None, item=None, user=None,
                 person=None, sup=False):  # fmt: skip
        """Write a reminder as the planner would have, sent, pending or cancelled as of `now`."""
        recipient = f"u{user}" if user else f"p{person}" if person else "sup"
        key = ":".join(part for part in (kind, subject, stamp, variant, recipient, channel) if part)
        sent_at, attempts, reason = None, 0, ""
        if cancelled_at is not None and cancelled_at < min(due, self.now):
            status, reason = "cancelled", cancel_reason
        elif expires is not None and expires <= due:
            status, reason = "cancelled", "Too late to be worth sending."
        elif due <= self.now:
            status, sent_at, attempts = "sent", ts(min(due + 20, self.now)), 1
        else:
            status = "pending"
        self.row("reminders_reminder", self.ids("reminders_reminder"), kind, variant, referral, case, conference,
                 item, user, person, None, sup, channel, ts(due), ts(expires) if expires else None, key, status,
                 attempts, "", None, None, sent_at, reason, ts(created))  # fmt: skip

    def new_uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)
