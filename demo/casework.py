"""Take the demo cases through every stage with the real services, each step at its own moment.

Every accepted referral's case gets a stage that suits its age: old cases are mostly closed, recent
ones are in the earlier stages, and a few quotas make sure that each stage is there (and that the
`facilitator` demo user has work in every open one). A case's script is a list of timed steps, each
a call of cases/services.py or conferences/services.py, run with the clock moved to its moment
(time-machine), so that whatever the services stamp (events, history, consents, bookings, items)
reads in order. Nothing is backdated afterwards, and the audit log is not touched.
"""

import math
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import partial

from django.core.management.base import CommandError
from django.utils import timezone

from cases.followups import answer_survey, create_follow_ups, issue_survey_link, record_reoffending_check
from cases.models import (
    OPEN_CASE_STATUSES,
    Assessment,
    Case,
    CaseStatus,
    Consent,
    ConsentPurpose,
    ContactAttempt,
    ReoffendingCheck,
    ReturnReason,
    SatisfactionSurvey,
)
from cases.services import (
    add_note,
    add_party_to_case,
    assign_facilitators,
    close_without_conference,
    complete_case,
    log_contact,
    mark_case_ready,
    record_assessment,
    record_consent,
    return_case,
    sign_off_assessment,
    withdraw_consent,
)
from conferences.exchanges import StatementRequest, apology_items, open_exchange, write_statement
from conferences.models import (
    Conference,
    ConferenceFacilitator,
    ConferenceStatus,
    ExchangePurpose,
    ItemKind,
    ItemStatus,
    Participant,
    Venue,
)
from conferences.services import (
    ConferencePlan,
    ItemInput,
    add_participant,
    cancel_conference,
    hold_conference,
    record_agreement,
    record_hours,
    record_payment,
    renegotiate_agreement,
    reschedule_conference,
    schedule_conference,
    set_item_status,
    update_invitation,
)
from demo.data import (
    AGREEMENT_SUMMARIES,
    ASSESSMENT_NOTES,
    CANCEL_REASONS,
    CASE_NOTES,
    CLOSE_REASONS,
    COMMUNITY_MEMBERS,
    CONFERENCE_ADDRESSES,
    CONFERENCE_NOTES,
    CONTACT_NOTES,
    FIRST_NAMES,
    ITEM_DONE_NOTES,
    ITEM_TEXTS,
    MISSED_NOTES,
    RENEGOTIATION_REASONS,
    REOFFENDING_NOTES,
    RESCHEDULE_REASONS,
    RETURN_NOTES,
    SURVEY_COMMENTS,
    VENUES,
    VENUES_BY_AGENCY,
    WAIVE_NOTES,
)
from people.models import Gender, Partner, Person, Role, User
from referrals.models import PartyRole
from referrals.services import PartyInput
from reminders.models import ReminderSettings

S = CaseStatus
INTAKE, READY, SCHEDULED, HELD, MONITORING = S.INTAKE, S.READY, S.SCHEDULED, S.CONFERENCE_HELD, S.MONITORING
COMPLETED, RETURNED, CLOSED = S.COMPLETED, S.RETURNED, S.CLOSED_NO_CONFERENCE

STAGE_WEIGHTS = [  # (cases opened up to this many days ago, how likely each stage is)
    (12, {INTAKE: 80, READY: 20}),
    (30, {INTAKE: 40, READY: 30, SCHEDULED: 25, CLOSED: 5}),
    (50, {INTAKE: 8, READY: 14, SCHEDULED: 33, HELD: 20, MONITORING: 15, CLOSED: 5, RETURNED: 5}),
    (80, {READY: 4, SCHEDULED: 12, HELD: 10, MONITORING: 52, CLOSED: 10, RETURNED: 8, COMPLETED: 4}),
    (140, {SCHEDULED: 2, MONITORING: 50, COMPLETED: 26, RETURNED: 11, CLOSED: 11}),
    (210, {MONITORING: 15, COMPLETED: 59, RETURNED: 13, CLOSED: 13}),
    (None, {COMPLETED: 68, RETURNED: 16, CLOSED: 16}),
]
MIN_AGE = {INTAKE: 0, READY: 3, SCHEDULED: 6, HELD: 12, MONITORING: 20, COMPLETED: 45, RETURNED: 12, CLOSED: 8}
IDEAL_AGE = {INTAKE: 8, READY: 20, SCHEDULED: 30, HELD: 40, MONITORING: 80, COMPLETED: 250, RETURNED: 200, CLOSED: 200}
# (stage, at least this many cases, of the `facilitator` demo user?): filled from other stages if short.
QUOTAS = [
    (SCHEDULED, 2, True),
    (INTAKE, 1, True),
    (READY, 1, True),
    (HELD, 1, True),
    (MONITORING, 3, True),
    (INTAKE, 4, False),
    (READY, 3, False),
    (SCHEDULED, 5, False),
    (HELD, 3, False),
    (MONITORING, 10, False),
    (COMPLETED, 10, False),
    (RETURNED, 5, False),
    (CLOSED, 5, False),
]
# How a case that is returned or closed without a conference got there: (minimum age, weight).
ENDINGS = {
    RETURNED: {
        "no_contact": (12, 22),
        "withdrew_ready": (15, 15),
        "withdrew_scheduled": (25, 10),
        "non_compliance": (60, 25),
        "re_arrest_intake": (12, 8),
        "re_arrest_monitoring": (60, 10),
        "other": (12, 10),
    },
    CLOSED: {"intake": (8, 55), "ready": (15, 25), "scheduled": (25, 20)},
}
SLOTS = [time(10, 0), time(13, 30), time(16, 0), time(18, 0)]  # conference start times
BOOKING_GAP = timedelta(minutes=30)  # facilitators need time between two conferences
RISKS = {Assessment.Risk.LOW: 60, Assessment.Risk.MEDIUM: 32, Assessment.Risk.HIGH: 8}


def ensure_venues(partners: dict[str, Partner]) -> dict[str, Venue]:
    """Return the demo venues by name, creating those missing."""
    venues = {}
    for name, partner_name, address in VENUES:
        venues[name], _ = Venue.objects.get_or_create(
            name=name, partner=partners[partner_name], defaults={"address": address}
        )
    return venues


@dataclass
class Target:
    """Where one case will be when the demo data is done, and who facilitates it."""

    case: Case
    opened: datetime
    age: float  # days since the case was opened
    stage: str
    facilitator: User | None = None
    co_facilitator: User | None = None
    locked: bool = False  # counted for a quota: not moved to fill another
    renegotiate: bool = False
    ending: str = ""  # how a returned or closed case got there (ENDINGS)


class PersonRef:
    """A person on the case, or one (a guardian) that a step will add: filled when the step runs."""

    def __init__(self, person: Person | None = None):
        self.person = person


@dataclass
class ItemPlan:
    """One agreement item: what it is, and its events in days after the agreement."""

    kind: str
    description: str
    partner: Partner | None
    amount: Decimal | None = None
    hours: Decimal | None = None
    harmed_party: Person | None = None
    due_days: float = 30
    events: list = field(default_factory=list)  # (days, action, value) with action pay, hours or a status
    version: int = 1

    def input(self, due_date: date) -> ItemInput:
        return ItemInput(
            kind=self.kind,
            description=self.description,
            due_date=due_date,
            amount=self.amount,
            hours=self.hours,
            harmed_party=self.harmed_party,
            partner=self.partner,
        )


class CaseWork:
    """Plans and runs the scripts of all demo cases."""

    def __init__(self, users: dict[str, User], venues: dict[str, Venue], now: datetime):
        try:
            import time_machine
        except ImportError:  # pragma: no cover - a production image without the dev requirements
            raise CommandError(
                "seed_demo needs the time-machine package (requirements-dev.txt) to date the case work."
            ) from None
        self.travel = time_machine.travel
        self.rng = random.Random(4417)
        self.now = now
        self.tz = timezone.get_current_timezone()
        self.users = users
        self.venues = venues
        self.supervisors = [u for u in users.values() if u.role == Role.SUPERVISOR]
        self.facilitators = [u for u in users.values() if u.role == Role.FACILITATOR]
        self.lead_facilitator = users["facilitator"]
        self.partners = {p.name: p for p in Partner.objects.all()}
        self.staff = {}  # partner pk -> its demo users
        for user in users.values():
            if user.role == Role.PARTNER:
                self.staff.setdefault(user.partner_id, []).append(user)

    def seed(self, opened: list[tuple[int, datetime]]) -> None:
        cases = Case.objects.select_related("referral__offence_category", "referral__unit__agency").in_bulk(
            [pk for pk, _ in opened]
        )
        targets = [self.target(cases[pk], when) for pk, when in opened]
        self.fill_quotas(targets)
        self.leave_unassigned(targets)
        self.choose_endings(targets)
        self.choose_renegotiation(targets)
        for target in sorted(targets, key=lambda t: t.opened):
            CaseScript(self, target).run()
        FollowUpWork(self).seed(list(cases))

    # Where each case will be -------------------------------------------------------------------

    def target(self, case: Case, opened: datetime) -> Target:
        age = (self.now - opened).total_seconds() / 86400
        weights = next(w for limit, w in STAGE_WEIGHTS if limit is None or age < limit)
        weights = {stage: n for stage, n in weights.items() if age >= MIN_AGE[stage]} or {INTAKE: 1}
        stage = self.rng.choices(list(weights), list(weights.values()))[0]
        facilitator = self.rng.choices(self.facilitators, [3, 2, 2, 1][: len(self.facilitators)])[0]
        target = Target(case, opened, age, stage, facilitator)
        self.choose_co_facilitator(target)
        return target

    def choose_co_facilitator(self, target: Target) -> None:
        others = [f for f in self.facilitators if f != target.facilitator]
        target.co_facilitator = None
        if target.facilitator and others and self.rng.random() < 0.25:
            target.co_facilitator = self.rng.choice(others)

    def fill_quotas(self, targets: list[Target]) -> None:
        """Make sure every stage has a few cases, and the lead demo facilitator work in every open one."""
        minimum = Counter()
        for stage, count, own in QUOTAS:
            if not own:
                minimum[stage] = max(minimum[stage], count)
        for stage, count, own in QUOTAS:

            def fits(t, stage=stage, own=own):
                return t.stage == stage and (not own or t.facilitator == self.lead_facilitator)

            matching = [t for t in targets if fits(t)]
            for t in matching[:count]:
                t.locked = True
            for _ in range(count - len(matching)):
                counts = Counter(t.stage for t in targets)
                free = [t for t in targets if not t.locked and t.age >= MIN_AGE[stage]]
                # Another facilitator's case at that stage first, then a case of a stage with cases to spare.
                donors = [t for t in free if t.stage == stage] or [
                    t for t in free if counts[t.stage] > minimum[t.stage]
                ]
                if not donors:
                    break
                donor = min(donors, key=lambda t: abs(t.age - IDEAL_AGE[stage]))
                donor.stage, donor.locked = stage, True
                if own:
                    donor.facilitator = self.lead_facilitator
                elif donor.facilitator is None:
                    donor.facilitator = self.rng.choice(self.facilitators)
                if donor.co_facilitator == donor.facilitator:
                    self.choose_co_facilitator(donor)

    def leave_unassigned(self, targets: list[Target]) -> None:
        """The newest intake case, and some other recent ones, wait for a supervisor to assign someone."""
        waiting = sorted(
            (t for t in targets if t.stage == INTAKE and t.facilitator != self.lead_facilitator), key=lambda t: t.age
        )
        for n, target in enumerate(waiting):
            if n == 0 or (target.age < 14 and (n == 1 or self.rng.random() < 0.4)):
                target.facilitator = target.co_facilitator = None

    def choose_endings(self, targets: list[Target]) -> None:
        """Say how each returned or closed case got there: every way at least once, then by weight."""
        for stage, endings in ENDINGS.items():
            cases = [t for t in targets if t.stage == stage]
            self.rng.shuffle(cases)
            for name, (age, _) in endings.items():
                fits = [t for t in cases if not t.ending and t.age >= age]
                if fits:
                    fits[0].ending = name
            for target in cases:
                if not target.ending:
                    weights = {name: w for name, (age, w) in endings.items() if target.age >= age}
                    weights = weights or {next(iter(endings)): 1}
                    target.ending = self.rng.choices(list(weights), list(weights.values()))[0]

    def choose_renegotiation(self, targets: list[Target]) -> None:
        """One monitored case, the lead facilitator's if possible, has a renegotiated agreement."""
        candidates = [t for t in targets if t.stage == MONITORING and t.age >= 70]
        candidates.sort(key=lambda t: (t.facilitator != self.lead_facilitator, t.age))
        if candidates:
            candidates[0].renegotiate = True

    # Time --------------------------------------------------------------------------------------

    def local(self, day: date, at: time) -> datetime:
        return datetime.combine(day, at, tzinfo=self.tz)

    def when(self, moment: datetime, *, after: datetime, before: datetime | None = None) -> datetime:
        """Return a time in office hours on the day of `moment`, later than `after`.

        A weekend day becomes the Friday before if that is after `after`, or else the Monday after
        if that is before `before` (by default, earlier today); failing both, someone worked at the weekend.
        """
        before = before or self.now - timedelta(hours=6)
        day = timezone.localtime(moment).date()
        minutes = self.rng.randint(9 * 60, 17 * 60 + 30)
        at = time(minutes // 60, minutes % 60)
        result = self.local(day, at)
        if day.weekday() >= 5:
            friday = self.local(day - timedelta(days=day.weekday() - 4), at)
            monday = self.local(day + timedelta(days=7 - day.weekday()), at)
            if friday > after:
                result = friday
            elif monday < before:
                result = monday
        if result <= after:
            result = after + timedelta(minutes=self.rng.randint(5, 45))
        return result

    def days(self, lo: float, hi: float) -> timedelta:
        return timedelta(days=self.rng.uniform(lo, hi))

    # Conferences -------------------------------------------------------------------------------

    def is_free(self, starts_at: datetime, minutes: int, facilitators: list[User], venue: Venue | None) -> bool:
        """Is every facilitator (with time to travel) and the venue free? Held conferences count too."""
        ends_at = starts_at + timedelta(minutes=minutes)
        busy = ConferenceFacilitator.objects.filter(
            active=True,
            facilitator__in=facilitators,
            starts_at__lt=ends_at + BOOKING_GAP,
            ends_at__gt=starts_at - BOOKING_GAP,
        )
        if busy.exists():
            return False
        if venue is None:
            return True
        taken = Conference.objects.filter(venue=venue, starts_at__lt=ends_at, ends_at__gt=starts_at)
        return not taken.exclude(status=ConferenceStatus.CANCELLED).exists()

    def find_start(self, days: list[date], minutes: int, facilitators: list[User], venue: Venue | None, not_before):
        """Return the first free slot after `not_before` on the first of `days` that has one (weekdays only)."""
        for day in days:
            if day.weekday() >= 5:
                continue
            for slot in self.rng.sample(SLOTS, len(SLOTS)):
                starts_at = self.local(day, slot)
                if starts_at > not_before and self.is_free(starts_at, minutes, facilitators, venue):
                    return starts_at
        return None


class FollowUpWork:
    """The follow-ups of the closed demo cases, each step at its moment: most 6-month reoffending
    checks answered (about 1 in 8 re-arrested), fewer later ones; most surveys of completed cases
    answered, mostly satisfied, some sent and never answered."""

    CHECK_ANSWERED = {6: 0.85, 12: 0.6}  # other months: 0.4
    SCORES = {  # overall satisfaction, 5 (very satisfied) to 1, by how the case ended
        COMPLETED: {5: 44, 4: 34, 3: 12, 2: 6, 1: 4},
        "other": {5: 14, 4: 28, 3: 30, 2: 16, 1: 12},
    }

    # The chance of a re-arrest by each check: lower for those who took part, as evaluations
    # of police-led conferencing have found (a smaller share, not none).
    REARRESTED, REARRESTED_COMPARISON = 1 / 8, 1 / 5

    def __init__(self, work: CaseWork):
        self.w = work
        self.rng = random.Random(1217)  # its own, so that the case scripts' draws stay as they were
        self.settings = ReminderSettings.current()

    def seed(self, case_pks: list[int]) -> None:
        closed = Case.objects.filter(pk__in=case_pks, closed_at__isnull=False).select_related("referral")
        for case in closed.order_by("closed_at", "pk"):
            with self.w.travel(case.closed_at, tick=False):
                checks, surveys = create_follow_ups(case=case)
            self.answer_checks(timezone.localdate(case.closed_at), checks, self.REARRESTED)
            for survey in surveys:
                self.survey(case, survey)
        # Referrals declined while eligible were given checks when declined: the comparison group.
        comparison = ReoffendingCheck.objects.filter(case__isnull=True).select_related("referral")
        by_referral = {}
        for check in comparison.order_by("referral__screened_at", "months"):
            by_referral.setdefault(check.referral_id, []).append(check)
        for checks in by_referral.values():
            self.answer_checks(checks[0].followed_from, checks, self.REARRESTED_COMPARISON)

    def latest(self) -> datetime:
        return self.w.now - timedelta(hours=6)

    def answer_checks(self, closed_on, checks, rearrested: float) -> None:
        rng = self.rng
        rearrested_on = None  # a check asks "since the case closed": a re-arrest stays on later checks
        for check in sorted(checks, key=lambda c: c.months):
            due = self.w.local(check.due_on, time(9, 0))
            when = self.w.when(due + self.w.days(0, 20), after=due)
            if when >= self.latest() or rng.random() > self.CHECK_ANSWERED.get(check.months, 0.4):
                return
            if rearrested_on is None and rng.random() < rearrested:
                span = (check.due_on - closed_on).days
                rearrested_on = closed_on + timedelta(days=rng.randint(span // 6, span - 7))
            with self.w.travel(when, tick=False):
                record_reoffending_check(
                    check=check,
                    by=rng.choice(self.w.supervisors),
                    reoffended=rearrested_on is not None,
                    reoffended_on=rearrested_on,
                    offences=rng.choice((1, 1, 1, 2, 3)) if rearrested_on else None,
                    note=rng.choice(REOFFENDING_NOTES[rearrested_on is not None]),
                )

    def survey(self, case: Case, survey: SatisfactionSurvey) -> None:
        rng = self.rng
        after = case.closed_at + timedelta(days=self.settings.survey_days_after_close)
        sent = self.w.when(after, after=after)
        if sent >= self.latest():
            return  # not sent yet: the reminders will
        with self.w.travel(sent, tick=False):
            issue_survey_link(survey=survey)
        answered = sent + self.w.days(0.1, 12)
        chance = 0.8 if case.status == COMPLETED else 0.45
        if answered >= self.latest() or rng.random() > chance:
            return
        scores = self.SCORES[COMPLETED if case.status == COMPLETED else "other"]
        score = rng.choices(list(scores), list(scores.values()))[0]
        mood = "good" if score >= 4 else "mixed" if score == 3 else "poor"

        def yes(chance):
            return None if rng.random() < 0.06 else rng.random() < chance

        with self.w.travel(answered, tick=False):
            answer_survey(
                survey=survey,
                satisfaction=score,
                felt_heard=yes({"good": 0.95, "mixed": 0.7, "poor": 0.3}[mood]),
                harm_repaired=yes({"good": 0.8, "mixed": 0.45, "poor": 0.1}[mood]),
                would_recommend=yes({"good": 0.93, "mixed": 0.6, "poor": 0.2}[mood]),
                comment=rng.choice(SURVEY_COMMENTS[mood]) if rng.random() < 0.5 else "",
            )


class CaseScript:
    """The timed steps of one case, planned first and then run in time order."""

    def __init__(self, work: CaseWork, target: Target):
        self.w, self.rng, self.t = work, work.rng, target
        # Passed to the services as it is: those that move the case lock it and read it again.
        self.case = target.case
        self.opened = target.opened
        self.horizon = work.now - timedelta(minutes=5)  # no step at or after this moment
        self.facilitator = target.facilitator
        self.co_facilitator = target.co_facilitator
        self.supervisor = self.rng.choice(work.supervisors)
        self.steps = []
        parties = list(self.case.referral.parties.select_related("person").order_by("pk"))
        self.responsible = [PersonRef(p.person) for p in parties if p.role == PartyRole.RESPONSIBLE]
        self.harmed = [PersonRef(p.person) for p in parties if p.role == PartyRole.HARMED]
        self.guardians = [PersonRef(p.person) for p in parties if p.role == PartyRole.GUARDIAN]
        self.supporters = [PersonRef(p.person) for p in parties if p.role == PartyRole.SUPPORTER]
        self.attends = dict.fromkeys(self.responsible, True)
        for ref in self.harmed:
            organisation = ref.person.kind == Person.Kind.ORGANISATION
            self.attends[ref] = self.rng.random() < (0.7 if organisation else 0.8)
        # What the steps make, for the steps after them.
        self.assessments = {}  # PersonRef -> Assessment
        self.consents = {}  # PersonRef -> its own consent to take part
        self.conference = None
        self.items = {}  # (version, n) -> AgreementItem

    # Planning and running ----------------------------------------------------------------------

    def add(self, when: datetime, fn, *args) -> datetime:
        if when < self.horizon:
            self.steps.append((when, len(self.steps), partial(fn, *args)))
        return when

    def run(self) -> None:
        plan = getattr(self, f"plan_{self.t.stage}")
        plan()
        for when, _, step in sorted(self.steps, key=lambda s: s[:2]):
            with self.w.travel(when, tick=False):
                step()

    def scale(self, total_days: float) -> float:
        """Return how much to shorten a natural timeline of `total_days` to fit before now."""
        budget = self.t.age - 4
        return min(1.0, max(budget, 1) / total_days)

    # Plans by stage ----------------------------------------------------------------------------

    def plan_intake(self):
        if self.facilitator is None:
            return
        ready = max(self.opened + self.w.days(10, 35), self.w.now + self.w.days(1, 10))
        self.prep(self.opened, ready, mark_ready=False)

    def plan_ready(self):
        ready = self.w.now - self.w.days(1, max(1.2, min(10, self.t.age / 2)))
        self.prep(self.opened, ready)

    def plan_scheduled(self):
        scheduled = self.w.now - self.w.days(1, max(1.2, min(8, self.t.age / 3)))
        ready = scheduled - self.w.days(0.2, max(0.3, min(4, (scheduled - self.opened).days / 5)))
        days = [self.w.now.date() + timedelta(days=n) for n in range(2, 22)]
        self.rng.shuffle(days)
        conference = self.choose_conference(days, not_before=self.w.now + timedelta(days=2))
        ready = self.prep(self.opened, ready)
        self.schedule(conference, after=ready, scheduled=scheduled)

    def plan_conference_held(self):
        days = [self.w.now.date() - timedelta(days=n) for n in range(2, 8)]
        self.rng.shuffle(days)
        conference = self.choose_conference(days)
        self.conference_chain(conference)

    def plan_monitoring(self):
        latest = min(120, self.t.age - 10)
        earliest = 45 if self.t.renegotiate else 10
        days = [self.w.now.date() - timedelta(days=n) for n in range(earliest, int(max(latest, earliest + 1)))]
        self.rng.shuffle(days)
        conference = self.choose_conference(days)
        held = self.conference_chain(conference)
        agreed = self.agreement_time(held)
        if self.t.renegotiate:
            self.renegotiated_items(agreed)
        else:
            self.agreement(agreed, self.plan_items("open"), f=1.0)

    def plan_completed(self):
        self.natural_chain("complete")

    def plan_returned(self):
        ending = self.t.ending
        if ending in ("non_compliance", "re_arrest_monitoring"):
            self.natural_chain(ending)
            return
        f = self.scale(50)
        if ending == "no_contact":
            last = self.prep(self.opened, self.opened + self.w.days(18, 40) * f, variant="no_contact")
            self.close(last, self.w.days(1, 5) * f, ReturnReason.NO_CONTACT)
        elif ending in ("re_arrest_intake", "other"):
            ready = self.opened + self.w.days(15, 35) * f
            self.horizon = self.opened + (ready - self.opened) * self.rng.uniform(0.3, 0.8)
            last = self.prep(self.opened, ready, mark_ready=False)
            last = max((when for when, _, _ in self.steps), default=self.opened)
            self.horizon = self.w.now - timedelta(minutes=5)
            reason = ReturnReason.RE_ARREST if ending == "re_arrest_intake" else ReturnReason.OTHER
            self.close(last, self.w.days(0.5, 3) * f, reason)
        elif ending == "withdrew_ready":
            ready = self.prep(self.opened, self.opened + self.w.days(10, 30) * f)
            withdrawn = self.withdraw(self.responsible[0], ready, self.w.days(2, 10) * f)
            self.close(withdrawn, self.w.days(0.1, 2), ReturnReason.WITHDREW_CONSENT)
        else:  # withdrew_scheduled
            cancelled = self.cancelled_conference(f, CANCEL_REASONS["returned"][0])
            withdrawn = self.withdraw(self.responsible[0], cancelled, timedelta(minutes=10))
            self.close(withdrawn, self.w.days(0.1, 2), ReturnReason.WITHDREW_CONSENT)

    def plan_closed_no_conference(self):
        ending = self.t.ending
        f = self.scale(45)
        if ending == "intake":
            last = self.prep(self.opened, self.opened + self.w.days(10, 35) * f, variant="harmed_refuses")
            self.close(last, self.w.days(1, 7) * f, reason=self.rng.choice(CLOSE_REASONS["intake"]))
        elif ending == "ready":
            last = self.prep(self.opened, self.opened + self.w.days(10, 30) * f)
            consenting = [ref for ref in self.harmed if self.attends[ref]]
            if consenting:
                last = self.withdraw(consenting[0], last, self.w.days(1, 8) * f)
                reason = CLOSE_REASONS["ready"][0]
            else:
                reason = CLOSE_REASONS["ready"][1]
            self.close(last, self.w.days(0.5, 3), reason=reason)
        else:
            reason = self.rng.choice(CANCEL_REASONS["closed_no_conference"])
            cancelled = self.cancelled_conference(f, reason)
            self.close(cancelled, self.w.days(0.2, 3), reason=self.rng.choice(CLOSE_REASONS["scheduled"]))

    def natural_chain(self, mode: str):
        """A case that went all the way through a conference and an agreement, then closed."""
        items = self.plan_items(mode)
        prep, to_schedule, lead = self.rng.uniform(10, 35), self.rng.uniform(0.3, 6), self.rng.uniform(7, 21)
        after = max((e[0] for item in items for e in item.events), default=30) + self.rng.uniform(1, 10)
        f = self.scale(prep + to_schedule + lead + after + 8)  # 8: the agreement's write-up, a moved slot
        target = self.opened + timedelta(days=(prep + to_schedule + lead) * f)
        near = self.rng.sample(range(-3, 3), 6)  # a weekday near the natural date, not always the nearest
        days = [target.date() + timedelta(days=n) for n in (*near, -4, -5, -6)]
        conference = self.choose_conference(days, not_before=self.opened + timedelta(days=3))
        held = self.conference_chain(conference, f=f)
        agreed = self.agreement_time(held)
        last = self.agreement(agreed, items, f=f)
        gap = timedelta(days=self.rng.uniform(1, 10) * f)
        if mode == "complete":
            self.add(self.w.when(min(last + gap, self.w.now - timedelta(hours=12)), after=last), self.do_complete)
        else:
            reason = ReturnReason.NON_COMPLIANCE if mode == "non_compliance" else ReturnReason.RE_ARREST
            self.close(last, gap, reason)

    # Preparation -------------------------------------------------------------------------------

    def prep(self, start: datetime, end: datetime, *, mark_ready=True, variant=None) -> datetime:
        """Plan the work from opening to readiness at `end`; return the time of the last step."""
        w, rng, span = self.w, self.rng, end - start

        def frac(lo, hi):
            return start + span * rng.uniform(lo, hi)

        def office(moment, after):
            return w.when(moment, after=after, before=end)

        assigned = office(frac(0, 0.08), after=start)
        others = [f for f in self.w.facilitators if f not in (self.facilitator, self.co_facilitator)]
        if self.facilitator != self.w.lead_facilitator and others and variant is None and rng.random() < 0.06:
            # A first facilitator handed the case on early; the one who carries it takes over.
            self.add(assigned, self.do_assign, rng.choice(others), None)
            assigned = office(frac(0.1, 0.2), after=assigned)
        last = self.add(assigned, self.do_assign, self.facilitator, self.co_facilitator)
        reached = {}
        people = [*self.responsible, *self.harmed, *self.guardians]
        people += [ref for ref in self.supporters if rng.random() < 0.4]
        for ref in people:
            when = office(frac(0.03, 0.3), after=last)
            failed = variant == "no_contact" and ref in self.responsible
            refuses = variant == "harmed_refuses" and ref in self.harmed
            misses = rng.randint(3, 5) if failed else rng.choices([0, 1, 2], [55, 30, 15])[0]
            for n in range(misses):
                channel = ["phone", "phone", "letter", "in_person", "text"][n % 5] if failed else "phone"
                self.add(when, self.do_contact, ref, channel, ContactAttempt.Outcome.NO_ANSWER)
                when = office(when + span * rng.uniform(0.04, 0.12), after=when)
            if failed:
                last = max(last, when)
                continue
            outcome = ContactAttempt.Outcome.REFUSED if refuses else ContactAttempt.Outcome.REACHED
            channel = rng.choices(["phone", "in_person", "email", "video"], [55, 30, 10, 5])[0]
            reached[ref] = self.add(when, self.do_contact, ref, channel, outcome)
            last = max(last, when)
        if variant == "no_contact":
            return last
        if variant == "harmed_refuses":
            if rng.random() < 0.5:
                for ref in self.responsible:
                    when = office(frac(0.35, 0.7), after=reached[ref])
                    last = max(last, self.add(when, self.do_assess, ref, True, True))
            return last
        juvenile_day = timezone.localtime(end).date()
        attending = [ref for ref in [*self.responsible, *self.harmed] if self.attends[ref]]
        guardian_of = {}
        for ref in attending:
            if not ref.person.is_juvenile_on(juvenile_day):
                continue
            same_name = [g for g in self.guardians if g.person.last_name == ref.person.last_name]
            if ref in self.responsible and (same_name or self.guardians):
                guardian_of[ref] = (same_name or self.guardians)[0]
                continue
            # No guardian on the referral: the facilitator hears of one on the first call and adds them.
            guardian = PersonRef()
            found = self.add(reached[ref] + timedelta(minutes=rng.randint(5, 40)), self.do_add_guardian, ref, guardian)
            reached[guardian] = self.add(
                office(found + span * rng.uniform(0.02, 0.1), after=found),
                self.do_contact,
                guardian,
                "phone",
                ContactAttempt.Outcome.REACHED,
            )
            guardian_of[ref] = guardian
            last = max(last, reached[guardian])
        assessed = {}
        for ref in [*self.responsible, *self.harmed]:
            when = office(frac(0.35, 0.7), after=reached[ref])
            if rng.random() < 0.12:  # not ready at first: a second visit, and a new assessment
                self.add(when, self.do_assess, ref, self.attends[ref], False)
                when = office(frac(0.72, 0.85), after=when)
            assessed[ref] = self.add(when, self.do_assess, ref, self.attends[ref], True)
            last = max(last, when)
            if not self.attends[ref]:
                continue
            method = rng.choice(list(Consent.Method))
            consented = self.add(when + timedelta(minutes=rng.randint(5, 30)), self.do_consent, ref, ref, method)
            last = max(last, consented)
            if rng.random() < (0.7 if ref in self.responsible else 0.4):
                self.add(consented + timedelta(minutes=2), self.do_consent, ref, ref, method, "share_outcome")
            if ref in guardian_of:
                guardian = guardian_of[ref]
                after = max(consented, reached.get(guardian, consented))
                given = office(after + span * rng.uniform(0, 0.05), after=after)
                last = max(last, self.add(given, self.do_consent, ref, guardian, Consent.Method.WRITTEN))
        if rng.random() < 0.3:
            self.add(office(frac(0.2, 0.9), after=assigned), self.do_note)
        signed = office(frac(0.86, 0.97), after=max(assessed.values()))
        for n, ref in enumerate(assessed):
            last = max(last, self.add(signed + timedelta(minutes=2 * n), self.do_sign_off, ref))
        if not mark_ready:
            return last
        return self.add(office(max(end, last), after=last + timedelta(minutes=10)), self.do_ready)

    def withdraw(self, ref: PersonRef, after: datetime, gap: timedelta) -> datetime:
        return self.add(self.w.when(after + gap, after=after), self.do_withdraw, ref)

    def close(self, after: datetime, gap: timedelta, reason_code: str | None = None, reason: str = "") -> datetime:
        """Plan the case's return (with a reason code) or closing without a conference (with a reason)."""
        when = self.w.when(min(after + gap, self.w.now - timedelta(hours=6)), after=after)
        if reason_code is None:
            return self.add(when, self.do_close, reason)
        return self.add(when, self.do_return, reason_code)

    # Conference --------------------------------------------------------------------------------

    def facilitators(self) -> list[User]:
        return [f for f in (self.facilitator, self.co_facilitator) if f]

    def choose_conference(self, days: list[date], *, not_before: datetime | None = None) -> dict:
        """Choose the kind, the place and a free start on the first of `days` that has one."""
        rng = self.rng
        juvenile = any(ref.person.is_juvenile_on(days[0]) for ref in self.responsible)
        community = any(ref.person.kind == Person.Kind.ORGANISATION for ref in self.harmed)
        if not any(self.attends[ref] for ref in self.harmed):
            kind = rng.choices(["surrogate_victim", "shuttle", "community_circle"], [50, 30, 20])[0]
        elif juvenile:
            kind = rng.choices(["family_group", "victim_offender", "peacemaking_circle"], [45, 40, 15])[0]
        elif community:
            kind = rng.choices(["victim_offender", "community_circle", "peacemaking_circle"], [55, 30, 15])[0]
        else:
            kind = rng.choices(["victim_offender", "community_circle", "peacemaking_circle"], [70, 15, 15])[0]
        minutes = {"shuttle": 90, "victim_offender": 120, "family_group": 150}.get(kind, 150)
        not_before = not_before or self.opened + timedelta(days=1)
        agency = self.case.referral.unit.agency.code
        mode = rng.choices(["venue", "address", "virtual"], [65, 20, 15])[0]
        choices = [None] if mode != "venue" else [self.w.venues[n] for n in VENUES_BY_AGENCY.get(agency, [])]
        facilitators = self.facilitators()
        for venue in [*choices, None]:
            starts_at = self.w.find_start(days, minutes, facilitators, venue, not_before)
            if starts_at is not None:
                break
        else:
            raise CommandError(f"No free time for a demo conference of case {self.case} on {days[0]:%d %b %Y}.")
        if venue is not None:
            place = {"mode": Conference.Mode.IN_PERSON, "venue": venue}
        elif mode == "virtual":
            link = f"https://meet.example.org/rj-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}"
            place = {"mode": Conference.Mode.VIRTUAL, "meeting_link": link}
        else:
            address = rng.choice(CONFERENCE_ADDRESSES.get(agency, CONFERENCE_ADDRESSES["NSP"]))
            place = {"mode": Conference.Mode.IN_PERSON, "address": address}
        return {"kind": kind, "starts_at": starts_at, "duration_minutes": minutes, **place}

    def conference_chain(self, conference: dict, *, f: float = 1.0) -> datetime:
        """Plan preparation, scheduling and holding for a conference at the chosen time; return held time."""
        starts_at = conference["starts_at"]
        room = (starts_at - self.opened).total_seconds() / 86400
        lead = min(self.rng.uniform(7, 21) * f, room * 0.45)
        scheduled = starts_at - timedelta(days=lead)
        ready = scheduled - timedelta(days=min(self.rng.uniform(0.2, 5) * f, room * 0.1))
        ready = self.prep(self.opened, max(ready, self.opened + timedelta(hours=20)))
        return self.schedule(conference, after=ready, scheduled=scheduled, hold=True)

    def cancelled_conference(self, f: float, reason: str) -> datetime:
        """Plan a case that was scheduled and then had its conference cancelled; return the cancel time."""
        target = self.opened + timedelta(days=self.rng.uniform(20, 40) * f)
        days = [target.date() + timedelta(days=n) for n in (0, 1, -1, 2, -2, 3)]
        conference = self.choose_conference(days, not_before=self.opened + timedelta(days=3))
        starts_at = conference["starts_at"]
        room = (starts_at - self.opened).total_seconds() / 86400
        scheduled = starts_at - timedelta(days=min(self.rng.uniform(7, 14) * f, room * 0.45))
        ready = self.prep(self.opened, scheduled - timedelta(days=min(1, room * 0.1)))
        cancel = scheduled + (starts_at - scheduled) * self.rng.uniform(0.35, 0.8)
        self.horizon = cancel  # nothing else happens to the conference before it is cancelled
        scheduled = self.schedule(conference, after=ready, scheduled=scheduled, may_move=False)
        self.horizon = self.w.now - timedelta(minutes=5)
        when = self.w.when(cancel, after=scheduled)
        if when >= starts_at - timedelta(hours=2):
            when = max(cancel, scheduled + timedelta(minutes=30))
        return self.add(when, self.do_cancel, reason)

    def schedule(self, conference: dict, *, after: datetime, scheduled: datetime, hold=False, may_move=True):
        """Plan scheduling (perhaps at a first time, then moved), invitations and, if `hold`, holding."""
        w, rng = self.w, self.rng
        starts_at = conference["starts_at"]
        if after >= starts_at - timedelta(hours=2):
            raise CommandError(f"Demo case {self.case}: preparation runs past its conference ({starts_at}).")
        scheduled = w.when(max(scheduled, after), after=after)
        if scheduled >= starts_at - timedelta(hours=20):
            scheduled = after + (starts_at - after) * 0.3
        first = dict(conference)
        move_at = None
        if may_move and rng.random() < 0.12 and starts_at - scheduled > timedelta(days=4):
            # First booked for another day, then moved: both times stay in the history.
            span = (starts_at - scheduled).days
            days = [scheduled.date() + timedelta(days=n) for n in rng.sample(range(2, span), max(0, span - 2))]
            minutes, venue = conference["duration_minutes"], conference.get("venue")
            earlier = w.find_start(days, minutes, self.facilitators(), venue, scheduled + timedelta(days=1))
            if earlier is not None:
                first["starts_at"] = earlier
                move_at = w.when(scheduled + (earlier - scheduled) * rng.uniform(0.3, 0.7), after=scheduled)
                if move_at >= earlier - timedelta(hours=1):
                    move_at = scheduled + (earlier - scheduled) / 2
                if move_at >= self.horizon:  # not moved yet: keep to the one time
                    first, move_at = conference, None
        invite_officer = rng.random() < 0.25
        self.add(scheduled, self.do_schedule, first, invite_officer)
        if conference["kind"] in ("community_circle", "peacemaking_circle"):
            for name in rng.sample(COMMUNITY_MEMBERS, rng.randint(1, 2)):
                self.add(scheduled + timedelta(minutes=5), self.do_add_community, name)
        invited = w.when(scheduled + timedelta(hours=rng.uniform(1, 30)), after=scheduled + timedelta(minutes=10))
        if invited >= starts_at - timedelta(hours=3):
            invited = scheduled + (starts_at - scheduled) * 0.2
        self.add(invited, self.do_invitations, Participant.Invitation.INVITED)
        answered = w.when(invited + (starts_at - invited) * rng.uniform(0.2, 0.6), after=invited)
        self.add(min(answered, starts_at - timedelta(hours=2)), self.do_invitations, "answers")
        if move_at is not None:
            self.add(move_at, self.do_reschedule, conference)
        if not hold:
            return scheduled
        held = starts_at + timedelta(minutes=conference["duration_minutes"] + rng.randint(10, 50))
        return self.add(held, self.do_hold)

    # Agreement ---------------------------------------------------------------------------------

    def agreement_time(self, held: datetime) -> datetime:
        if self.rng.random() < 0.7:
            return held + timedelta(minutes=self.rng.randint(10, 30))  # written up at the end of the meeting
        return self.w.when(held + self.w.days(1, 4), after=held)

    def plan_items(self, mode: str) -> list[ItemPlan]:
        """Choose 1-4 items and what happens to each, in days after the agreement.

        `mode`: complete (every item completed or waived), open (still being monitored),
        non_compliance (the responsible party stops: items missed) or re_arrest_monitoring.
        """
        rng = self.rng
        referral = self.case.referral
        juvenile = any(ref.person.is_juvenile_on(referral.incident_date) for ref in self.responsible)
        harmed = self.harmed[0].person if self.harmed else None
        loss = re.search(r"£(\d+)", referral.harm_description)
        kinds = []
        if loss and rng.random() < 0.75:
            kinds.append(ItemKind.RESTITUTION)
        if harmed and rng.random() < 0.7:
            kinds.append(ItemKind.APOLOGY)
        if rng.random() < 0.45:
            kinds.append(ItemKind.COMMUNITY_SERVICE)
        if rng.random() < 0.35:
            kinds.append(ItemKind.PROGRAMME)
        if juvenile and rng.random() < 0.3:
            kinds.append(ItemKind.SCHOOL)
        if rng.random() < 0.1:
            kinds.append(ItemKind.OTHER)
        kinds = kinds[:4] or [rng.choice([ItemKind.APOLOGY if harmed else ItemKind.PROGRAMME])]
        items = []
        for kind in kinds:
            text, partner_name = rng.choice(ITEM_TEXTS[kind])
            if not partner_name and rng.random() < 0.3 and kind != ItemKind.OTHER:
                partner_name = "Northshire Victim Support"
            item = ItemPlan(kind=kind, description="", partner=self.w.partners.get(partner_name))
            if kind == ItemKind.RESTITUTION:
                amount = int(loss.group(1))
                item.amount = Decimal(amount if amount <= 150 else round(amount * rng.uniform(0.25, 0.6), -1))
            if kind == ItemKind.COMMUNITY_SERVICE:
                item.hours = Decimal(rng.choice([6, 8, 10, 12, 15, 20, 24]))
            if kind in (ItemKind.RESTITUTION, ItemKind.APOLOGY):
                item.harmed_party = harmed
            item.description = text.format(
                amount=item.amount,
                hours=item.hours,
                hp=harmed.display_name if harmed else "the harmed party",
                place=referral.incident_place.split(",")[0],
            )
            items.append(item)
        for n, item in enumerate(items):
            self.item_events(item, mode, force_missed=mode == "non_compliance" and n == 0)
        return items

    def item_events(self, item: ItemPlan, mode: str, *, force_missed=False, start=0.0, due=None):
        """Plan payments, hours and the status of one item, in days after the agreement."""
        rng = self.rng
        short = item.kind in (ItemKind.APOLOGY, ItemKind.OTHER)
        item.due_days = due if due is not None else start + rng.uniform(10, 40) if short else rng.uniform(30, 100)
        # behind: some progress, no status yet (overdue once the due date has passed); open cases only.
        weights = [55, 20, 12, 8, 5] if mode == "open" else [70, 15, 0, 10, 5]
        outcome = rng.choices(["ok", "late", "behind", "missed", "waived"], weights)[0]
        if force_missed:
            outcome = "missed"
        elif mode == "non_compliance" and outcome == "ok":
            outcome = "late"
        if outcome == "ok":
            done = item.due_days - rng.uniform(0, min(14, (item.due_days - start) * 0.5))
        elif outcome == "late":
            done = item.due_days + rng.uniform(2, 25)
        else:
            done = item.due_days + rng.uniform(-5, 3)
        share = 1.0 if outcome in ("ok", "late") else rng.uniform(0.2, 0.6)
        begin = start + rng.uniform(2, 8)
        if item.kind == ItemKind.RESTITUTION:
            total = int(item.amount)
            count = 1 if total <= 60 else rng.randint(2, 4)
            paid = [round(total / count)] * (count - 1)
            paid.append(total - sum(paid))
            for n, amount in enumerate(paid):
                day = begin + (done - begin) * (n + 1) / count
                if n / count < share or share == 1.0:
                    item.events.append((day, "pay", Decimal(amount)))
        elif item.kind == ItemKind.COMMUNITY_SERVICE:
            session = Decimal(rng.choice([2, 3, 3, 4]))
            count = math.ceil(item.hours / session)
            left = item.hours
            for n in range(count):
                if n and (n + 1) / count > share and share < 1.0:
                    break
                day = begin + (done - begin) * n / max(1, count - 1)
                item.events.append((day, "hours", min(session, left)))
                left -= min(session, left)
        if outcome in ("ok", "late"):
            item.events.append((done + rng.uniform(0, 1), ItemStatus.COMPLETED, ITEM_DONE_NOTES[item.kind]))
        elif outcome == "waived" or (outcome == "missed" and mode == "complete"):
            if outcome == "missed":
                item.events.append((item.due_days + rng.uniform(3, 10), ItemStatus.MISSED, rng.choice(MISSED_NOTES)))
            waived = max(e[0] for e in item.events) + rng.uniform(1, 15) if item.events else done
            item.events.append((waived, ItemStatus.WAIVED, rng.choice(WAIVE_NOTES)))
        elif outcome == "missed" and (mode != "open" or rng.random() < 0.6):
            item.events.append((item.due_days + rng.uniform(3, 10), ItemStatus.MISSED, rng.choice(MISSED_NOTES)))
        unfinished = not any(e[1] in ItemStatus.values for e in item.events)
        if unfinished and mode in ("non_compliance", "re_arrest_monitoring"):
            # A returned case's unfinished items are marked missed; a monitored case's wait.
            item.events.append((max([done, *(e[0] for e in item.events)]), ItemStatus.MISSED, "Not done."))
        item.events.sort(key=lambda e: e[0])

    def agreement(self, agreed: datetime, items: list[ItemPlan], *, f: float) -> datetime:
        """Plan the agreement and its items' events (days scaled by `f`); return the last event's time."""
        w, rng = self.w, self.rng
        summary = rng.choice(AGREEMENT_SUMMARIES)
        self.add(agreed, self.do_agreement, items, agreed, f, summary)
        last = agreed
        for n, item in enumerate(items):
            key = (1, n)
            previous = agreed
            for days, action, value in item.events:
                when = w.when(agreed + timedelta(days=days * f), after=previous)
                previous = self.add(when, self.do_item, key, action, value)
            last = max(last, previous)
        return last

    def renegotiated_items(self, agreed: datetime) -> None:
        """Version 1: community service missed after a few sessions, an apology done. Version 2: less,
        over a longer time, with a course; in progress now."""
        w = self.w
        harmed = self.harmed[0].person if self.harmed else None
        youth = self.w.partners.get("Eastvale Youth Service")
        victims = self.w.partners.get("Northshire Victim Support")
        hp = harmed.display_name if harmed else "the harmed party"
        first = [
            ItemPlan(
                ItemKind.COMMUNITY_SERVICE,
                "20 hours helping at the youth centre's Saturday sessions",
                youth,
                hours=Decimal(20),
                due_days=28,
                events=[(5, "hours", Decimal(3)), (12, "hours", Decimal(3)), (33, ItemStatus.MISSED, MISSED_NOTES[0])],
            ),
            ItemPlan(
                ItemKind.APOLOGY,
                f"Write a letter of apology to {hp}, passed on by the facilitator",
                victims,
                harmed_party=harmed,
                due_days=21,
                events=[(9, ItemStatus.COMPLETED, ITEM_DONE_NOTES[ItemKind.APOLOGY])],
            ),
        ]
        self.agreement(agreed, first, f=1.0)
        moment = w.when(agreed + timedelta(days=36), after=agreed + timedelta(days=34))
        second = [
            ItemPlan(
                ItemKind.COMMUNITY_SERVICE,
                "14 hours of litter picking and graffiti removal, fortnightly",
                youth,
                hours=Decimal(14),
                due_days=90,
                version=2,
            ),
            ItemPlan(
                ItemKind.PROGRAMME, "Attend a four-session victim awareness course", victims, due_days=80, version=2
            ),
        ]
        self.item_events(second[0], "open", start=38, due=second[0].due_days)
        self.item_events(second[1], "open", start=38, due=second[1].due_days)
        self.add(moment, self.do_renegotiate, second, agreed, RENEGOTIATION_REASONS[0])
        for n, item in enumerate(second):
            previous = moment
            for days, action, value in item.events:
                when = w.when(agreed + timedelta(days=days), after=previous)
                previous = self.add(when, self.do_item, (2, n), action, value)

    # The steps: one service call each (or a few of the same kind) ------------------------------

    def do_assign(self, facilitator, co_facilitator):
        assign_facilitators(case=self.case, by=self.supervisor, facilitator=facilitator, co_facilitator=co_facilitator)

    def do_contact(self, ref, channel, outcome):
        note = self.rng.choice(CONTACT_NOTES[outcome]) if self.rng.random() < 0.7 else ""
        log_contact(
            case=self.case,
            by=self.facilitator,
            person=ref.person,
            contacted_at=timezone.now(),
            channel=channel,
            outcome=outcome,
            note=note,
        )

    def do_add_guardian(self, ward, guardian):
        rng, person = self.rng, ward.person
        gender = rng.choice([Gender.FEMALE, Gender.FEMALE, Gender.MALE])
        born = person.date_of_birth.replace(year=person.date_of_birth.year - rng.randint(22, 38), day=14)
        party = PartyInput(
            role=PartyRole.GUARDIAN,
            first_name=rng.choice(FIRST_NAMES[gender]),
            last_name=person.last_name,
            gender=gender,
            ethnicity=person.ethnicity,
            date_of_birth=born,
            phone=f"07700 900{rng.randint(0, 999):03d}",
        )
        add_party_to_case(case=self.case, by=self.facilitator, party=party)
        guardian.person = self.case.referral.parties.filter(role=PartyRole.GUARDIAN).latest("pk").person
        self.guardians.append(guardian)

    def do_assess(self, ref, will_attend, ready):
        risk = self.rng.choices(list(RISKS), list(RISKS.values()))[0]
        self.assessments[ref] = record_assessment(
            case=self.case,
            by=self.facilitator,
            person=ref.person,
            will_attend=will_attend,
            ready=ready,
            risk=risk,
            notes=self.rng.choice(ASSESSMENT_NOTES[risk]),
        )

    def do_consent(self, ref, giver, method, purpose=ConsentPurpose.CONFERENCE):
        consent = record_consent(
            case=self.case,
            by=self.facilitator,
            person=ref.person,
            purpose=purpose,
            given_by=giver.person,
            given_on=timezone.localdate(),
            method=method,
        )
        if purpose == ConsentPurpose.CONFERENCE and giver is ref:
            self.consents[ref] = consent

    def do_withdraw(self, ref):
        reason = "Withdrew consent to take part, by phone."
        withdraw_consent(consent=self.consents[ref], by=self.facilitator, reason=reason)

    def do_note(self):
        add_note(case=self.case, by=self.facilitator, text=self.rng.choice(CASE_NOTES))

    def do_sign_off(self, ref):
        sign_off_assessment(assessment=self.assessments[ref], by=self.supervisor)

    def do_ready(self):
        mark_case_ready(case=self.case, by=self.facilitator)

    def do_schedule(self, conference, invite_officer):
        plan = ConferencePlan(**conference)
        self.conference = schedule_conference(
            case=self.case,
            by=self.facilitator,
            plan=plan,
            facilitators=self.facilitators(),
            invite_officer=invite_officer,
        )

    def do_add_community(self, name):
        add_participant(conference=self.conference, by=self.facilitator, role=Participant.Role.COMMUNITY, name=name)

    def do_invitations(self, invitation):
        for participant in self.conference.participants.all():
            answer = invitation
            if invitation == "answers":
                declines = {Participant.Role.RESPONSIBLE: 0, Participant.Role.HARMED: 0.03}.get(participant.role, 0.25)
                declined = self.rng.random() < declines
                answer = Participant.Invitation.DECLINED if declined else Participant.Invitation.ACCEPTED
            update_invitation(participant=participant, by=self.facilitator, invitation=answer)

    def do_reschedule(self, conference):
        self.conference = reschedule_conference(
            conference=self.conference,
            by=self.facilitator,
            plan=ConferencePlan(**conference),
            reason=self.rng.choice(RESCHEDULE_REASONS),
        )

    def do_cancel(self, reason):
        cancel_conference(conference=self.conference, by=self.facilitator, reason=reason)

    def do_hold(self):
        attended = {}
        for participant in self.conference.participants.all():
            chance = {"accepted": 0.95, "declined": 0.0}.get(participant.invitation, 0.5)
            if participant.role == Participant.Role.RESPONSIBLE:
                chance = 1  # the conference goes ahead only with them
            attended[participant.pk] = self.rng.random() < chance
        names = self.names()
        notes = self.rng.choice(CONFERENCE_NOTES).format(**names)
        self.conference = hold_conference(
            conference=self.conference, by=self.facilitator, attended=attended, notes=notes
        )

    def do_agreement(self, items, agreed, f, summary):
        inputs = [item.input((agreed + timedelta(days=item.due_days * f)).date()) for item in items]
        agreement = record_agreement(
            case=self.case, by=self.facilitator, items=inputs, summary=summary.format(**self.names())
        )
        self.remember_items(agreement, 1)

    def do_renegotiate(self, items, agreed, reason):
        inputs = [item.input((agreed + timedelta(days=item.due_days)).date()) for item in items]
        summary = "Renegotiated at a review meeting with everyone's agreement."
        agreement = renegotiate_agreement(
            case=self.case, by=self.facilitator, items=inputs, reason=reason, summary=summary
        )
        self.remember_items(agreement, 2)

    def remember_items(self, agreement, version):
        # bulk_create keeps the order of the inputs; the items' pks follow it.
        for n, item in enumerate(agreement.items.order_by("pk")):
            self.items[version, n] = item

    def do_item(self, key, action, value):
        item = self.items[key]
        recorder = self.recorder(item)
        today = timezone.localdate()
        if action == "pay":
            record_payment(item=item, by=recorder, amount=value, paid_on=today)
        elif action == "hours":
            record_hours(item=item, by=recorder, hours=value, worked_on=today)
        else:  # a supervisor waives; the facilitator marks an item missed; who supervises it, completed
            by = {ItemStatus.WAIVED: self.supervisor, ItemStatus.MISSED: self.facilitator}.get(action, recorder)
            self.items[key] = set_item_status(item=item, by=by, status=action, note=value)

    def recorder(self, item) -> User:
        """Partner staff record the items their organisation supervises; the facilitator the others."""
        staff = self.w.staff.get(item.partner_id)
        return self.rng.choice(staff) if staff else self.facilitator

    def do_complete(self):
        complete_case(case=self.case, by=self.facilitator)

    def do_return(self, reason_code):
        note = self.rng.choice(RETURN_NOTES[reason_code])
        return_case(case=self.case, by=self.facilitator or self.supervisor, reason_code=reason_code, note=note)

    def do_close(self, reason):
        close_without_conference(case=self.case, by=self.facilitator or self.supervisor, reason=reason)

    def names(self) -> dict:
        def first(refs, default):
            person = refs[0].person if refs and refs[0].person else None
            if person is None:
                return default
            return person.organisation_name if person.kind == Person.Kind.ORGANISATION else person.first_name

        return {
            "rp": first(self.responsible, "the young person"),
            "hp": first(self.harmed, "the harmed party"),
            "gd": first(self.guardians, "the family"),
        }


# An asynchronous exchange -----------------------------------------------------------------------

DEMO_ACCOUNT = (
    "I still check the locks twice before I leave the shop. I want to know why it was us, and whether "
    "it will happen again. I would like to hear that from them, in writing first."
)


def open_demo_exchange(facilitator: User):
    """Open an exchange on one of the facilitator's open cases between adults, the harmed party's
    account already sent: the facilitator has something to read and share. Where the agreement has
    an apology letter to do, the exchange is to deliver it. Return it, or None."""
    for case in Case.objects.filter(facilitator=facilitator, status__in=OPEN_CASE_STATUSES).order_by("pk"):
        parties = {party.role: party.person for party in case.referral.parties.select_related("person")}
        harmed, responsible = parties.get(PartyRole.HARMED), parties.get(PartyRole.RESPONSIBLE)
        if harmed is None or responsible is None or harmed.is_juvenile or responsible.is_juvenile:
            continue
        for person in (harmed, responsible):
            record_consent(
                case=case,
                by=facilitator,
                person=person,
                purpose=ConsentPurpose.EXCHANGE,
                given_by=person,
                given_on=timezone.localdate(),
                method=Consent.Method.PHONE,
            )
        requests = [
            StatementRequest(person=harmed, purpose=ExchangePurpose.HARM),
            StatementRequest(person=harmed, purpose=ExchangePurpose.QUESTIONS),
            StatementRequest(person=responsible, purpose=ExchangePurpose.REFLECTION),
        ]
        if letter := apology_items(case).first():
            requests.append(StatementRequest(person=responsible, purpose=ExchangePurpose.APOLOGY, item=letter))
        exchange = open_exchange(
            case=case, by=facilitator, open_until=timezone.localdate() + timedelta(days=28), requests=requests
        )
        account = exchange.members.get(person=harmed).statements.get(purpose=ExchangePurpose.HARM)
        write_statement(member=account.member, statement_pk=account.pk, text=DEMO_ACCOUNT, send=True)
        return exchange
    return None
