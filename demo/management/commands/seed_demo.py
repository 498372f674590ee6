"""Fill the database with a demo programme: agencies, users, partners, referrals in every state,
cases in every stage with their conferences and agreements, and two years of training.

Referrals go through the real services of referrals/services.py, so their events and cases are
real; their timestamps are then moved back over the last 18 months. The accepted referrals' cases
then go through the services of cases/ and conferences/, each step run at its own moment in the
past (demo/casework.py). A second run changes nothing and prints the logins again.
"""

import random
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count, Q
from django.test.utils import override_settings
from django.utils import timezone

from cases.models import Case, CaseEvent, CaseStatus
from conferences.models import AgreementItem, Conference, ConferenceStatus, ItemStatus
from demo.casework import CaseWork, ensure_venues, open_demo_exchange
from demo.data import (
    ADMISSIONS,
    AGENCIES,
    ALL_LAST_NAMES,
    AMOUNTS,
    CATEGORY_WEIGHTS,
    COMMUNITY_GROUPS,
    DECLINE_NOTES,
    ETHNICITIES,
    FIRST_NAMES,
    INFO_EXCHANGES,
    ITEMS,
    LAST_NAMES,
    ORGANISATIONS,
    OTHER_GENDERS,
    OVERRIDE_JUSTIFICATION,
    PARTNERS,
    POSTCODES,
    RESPONSIBLE_GENDERS,
    SHOPS,
    STORIES,
    STREETS,
    TOWNS,
    USERS,
    VENUE_KINDS,
    WITHDRAW_REASONS,
    Story,
)
from demo.second_factors import current_code, ensure_demo_factor
from demo.training import TRAINEE, TrainingHistory
from people.models import Agency, ContactDetails, Partner, Person, Role, Unit, User
from referrals.models import (
    DeclineReason,
    EligibilityPolicy,
    OffenceCategory,
    PartyRole,
    ReferenceCounter,
    Referral,
    ReferralEvent,
    ReferralStatus,
)
from referrals.services import (
    PartyInput,
    ReferralInput,
    accept_referral,
    answer_info_request,
    create_referral,
    decline_referral,
    request_info,
    submit_referral,
    withdraw_referral,
)
from reminders.sending import send_due_reminders
from reporting.figures import refresh as refresh_dashboard
from training.models import Accreditation, SessionStatus, TrainingSession

PASSWORD = "demo-pass-2026"
# The trainee facilitator takes no cases of their own: the training history gives them co-facilitation.
DEMO_USERS = [*USERS, TRAINEE]
SPAN_DAYS = 548  # 18 months
STATE_WEIGHTS = {
    ReferralStatus.ACCEPTED: 55,
    ReferralStatus.DECLINED: 17,
    ReferralStatus.WITHDRAWN: 9,
    ReferralStatus.SUBMITTED: 7,
    ReferralStatus.NEEDS_INFO: 5,
    ReferralStatus.DRAFT: 7,
}
DECLINE_WEIGHTS = {
    DeclineReason.NOT_ELIGIBLE: 30,
    DeclineReason.NO_ADMISSION: 20,
    DeclineReason.HARMED_PARTY_OBJECTS: 20,
    DeclineReason.RISK: 10,
    DeclineReason.INSUFFICIENT_INFORMATION: 10,
    DeclineReason.OTHER: 10,
}
# Days between one move of a referral and the next.
GAP_DAYS = {
    "submit": (0, 3),
    "request_info": (1, 6),
    "answer": (1, 10),
    "accept": (1, 21),
    "decline": (1, 21),
    "withdraw": (2, 30),
}
INFO_ANSWERS = dict(INFO_EXCHANGES)


class Command(BaseCommand):
    help = "Fill the database with a demo programme (organisations, users, referrals); safe to run twice."

    def add_arguments(self, parser):
        parser.add_argument("--referrals", type=int, default=300, help="How many referrals to create (300).")

    def handle(self, *args, referrals, **options):
        if referrals < 0:
            raise CommandError("--referrals must be zero or more.")
        # The demo's past is history: its reminders are delivered here, in the app only (emails and
        # texts of months ago are dropped), and no worker is nudged for each of them.
        quiet = override_settings(
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
            SMS_BACKEND="reminders.sms.LocmemBackend",
            REMINDERS_NUDGE_WORKER=False,
        )
        with quiet, transaction.atomic():
            units, partners = ensure_organisations()
            venues = ensure_venues(partners)
            users, existing = ensure_users(units, partners)
            if Referral.objects.filter(referring_officer=users["officer"]).exists():
                self.stdout.write("Demo referrals already exist: nothing to add.")
            else:
                # Accredited before the case work: a conference's lead must be, on its day.
                training = TrainingHistory(users, timezone.now())
                training.seed()
                casework_users = {name: user for name, user in users.items() if name != TRAINEE.username}
                DemoProgramme(casework_users, venues).seed(referrals)
                training.finish()
                self.stdout.write(self.style.SUCCESS(f"Created {referrals} demo referrals and took their cases on."))
            while send_due_reminders():
                pass
        refresh_dashboard()  # the dashboard shows the demo at once, not after the first scheduled refresh
        self.print_counts()
        self.print_logins(users, existing)
        self.print_stages(users["facilitator"])
        self.print_training()

    def print_counts(self):
        counts = dict(Referral.objects.values_list("status").annotate(n=Count("pk")).order_by())
        states = ", ".join(f"{label.lower()} {counts.get(value, 0)}" for value, label in ReferralStatus.choices)
        cases = Case.objects.aggregate(total=Count("pk"), assigned=Count("facilitator"))
        self.stdout.write(f"Referrals: {states}.")
        self.stdout.write(f"Cases: {cases['total']}, of which {cases['assigned']} have a facilitator.")

    def print_stages(self, facilitator):
        """Print the cases per stage (all, and the `facilitator` demo user's), conferences and items."""
        cases = Case.objects.values_list("status").order_by()
        everyone = dict(cases.annotate(n=Count("pk")))
        theirs = dict(cases.filter(Q(facilitator=facilitator) | Q(co_facilitator=facilitator)).annotate(n=Count("pk")))
        rows = [("stage", "cases", f"{facilitator.username}'s")]
        rows += [(label, str(everyone.get(value, 0)), str(theirs.get(value, 0))) for value, label in CaseStatus.choices]
        widths = [max(len(row[n]) for row in rows) for n in range(3)]
        rows.insert(1, tuple("-" * width for width in widths))
        self.stdout.write("")
        for row in rows:
            self.stdout.write(f"{row[0].ljust(widths[0])}  {row[1].rjust(widths[1])}  {row[2].rjust(widths[2])}")
        now = timezone.now()
        conferences = Conference.objects.aggregate(
            upcoming=Count("pk", filter=Q(status=ConferenceStatus.SCHEDULED, starts_at__gte=now)),
            held=Count("pk", filter=Q(status=ConferenceStatus.HELD)),
            cancelled=Count("pk", filter=Q(status=ConferenceStatus.CANCELLED)),
        )
        items = AgreementItem.objects.filter(agreement__superseded_at__isnull=True)
        statuses = dict(items.values_list("status").annotate(n=Count("pk")).order_by())
        self.stdout.write(
            "Conferences: {upcoming} upcoming, {held} held, {cancelled} cancelled.".format(**conferences)
            + " Agreement items: "
            + ", ".join(f"{label.lower()} {statuses.get(value, 0)}" for value, label in ItemStatus.choices)
            + f" (of which {items.overdue().count()} overdue)."
        )

    def print_training(self):
        sessions = dict(TrainingSession.objects.values_list("status").annotate(n=Count("pk")).order_by())
        standing = Accreditation.objects.values_list("level", "status").annotate(n=Count("pk")).order_by()
        held = ", ".join(f"{level} {status} {n}" for level, status, n in standing)
        self.stdout.write(
            f"Training: {sessions.get(SessionStatus.HELD, 0)} sessions held, "
            f"{TrainingSession.objects.upcoming().count()} upcoming. Accreditations: {held} "
            f"(of which {Accreditation.objects.expiring_within(30).count()} expiring within 30 days)."
        )

    def print_logins(self, users, existing):
        rows = [("username", "password", "role", "what they do")]
        for spec in DEMO_USERS:
            role = users[spec.username].get_role_display() + (" (unit lead)" if spec.lead else "")
            rows.append((spec.username, PASSWORD, role, spec.does))
        widths = [max(len(row[n]) for row in rows) for n in range(4)]
        rows.insert(1, tuple("-" * width for width in widths))
        self.stdout.write("")
        for row in rows:
            self.stdout.write("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
        if existing:
            self.stdout.write(
                f"\n{len(existing)} of these users already existed and were left as they were "
                "(a password changed since is not reset)."
            )
        self.stdout.write(
            "\nAfter the password, sign-in asks for a code from the second factor. The demo users share "
            "known secrets: `make codes` prints the current code of each (officer's now: "
            f"{current_code('officer')}), `make codes SECRETS=1` the secrets for an authenticator app."
        )


def ensure_organisations():
    """Return the demo units by (agency code, name) and partners by name, creating those missing."""
    units = {}
    for code, (name, unit_names) in AGENCIES.items():
        agency, _ = Agency.objects.get_or_create(code=code, defaults={"name": name})
        for unit_name in unit_names:
            units[code, unit_name], _ = Unit.objects.get_or_create(agency=agency, name=unit_name)
    partners = {}
    for n, (name, kind, address, domain) in enumerate(PARTNERS):
        partners[name], _ = Partner.objects.get_or_create(
            name=name,
            defaults={
                "kind": kind,
                "address": address,
                "phone": f"01632 960{100 + n:03d}",
                "email": f"referrals@{domain}.example.org",
            },
        )
    return units, partners


def ensure_users(units, partners):
    """Return the demo users by username and the usernames that existed before, creating those missing."""
    password = make_password(PASSWORD)  # hashed once: hashing is slow on purpose
    users, existing = {}, []
    for spec in DEMO_USERS:
        user = User.objects.filter(username=spec.username).first()
        if user is None:
            user = User.objects.create(
                username=spec.username,
                password=password,
                first_name=spec.first_name,
                last_name=spec.last_name,
                email=_email(spec.first_name, spec.last_name),
                role=spec.role,
                unit=units[spec.unit] if spec.unit else None,
                badge_number=spec.badge,
                is_unit_lead=spec.lead,
                partner=partners[spec.partner] if spec.partner else None,
                is_staff=spec.role == Role.ADMIN,
                is_superuser=spec.role == Role.ADMIN,
            )
        elif user.role != spec.role:
            raise CommandError(
                f"User {spec.username} exists with role {user.role}, not {spec.role}: seed an empty database instead."
            )
        else:
            existing.append(spec.username)
        ensure_demo_factor(user)
        users[spec.username] = user
    return users, existing


def _email(first_name, last_name, number=None):
    local = re.sub(r"[^a-z.]", "", f"{first_name}.{last_name}".lower())
    return f"{local}{number or ''}@example.org"


@dataclass
class Plan:
    """What will happen to one referral: its final state, its officer, its moves and when they happen."""

    state: str
    officer: User
    actions: list[str]
    times: list[datetime]
    decline_reason: str = ""
    parties: list[PartyInput] = field(default_factory=list)


class ReferenceNumbers:
    """Renumber demo referrals in the year they are dated, after the numbers each year already gave out.

    Each referral is renumbered right after the services create it. A new number of the current year
    is never above the one the services just gave, and every referral holding a lower one has been
    renumbered already, so two referrals never share a reference, not even for a moment.
    """

    def __init__(self):
        self.given = dict(ReferenceCounter.objects.values_list("year", "last"))
        self.used = {}

    def next(self, when: datetime) -> str:
        year = timezone.localtime(when).year
        number = self.used.get(year, self.given.get(year, 0)) + 1
        self.used[year] = number
        return f"RJ-{year}-{number:06d}"

    def save_counters(self):
        """Point each year's counter at the last number used, so later references never collide."""
        for year in {*self.used, timezone.localdate().year}:
            last = self.used.get(year, self.given.get(year, 0))
            ReferenceCounter.objects.update_or_create(year=year, defaults={"last": last})


class DemoProgramme:
    """Creates referrals through the services, then moves their timestamps back to the planned times."""

    def __init__(self, users, venues):
        self.rng = random.Random(2026)
        self.venues = venues
        self.now = timezone.now()
        self.users = users
        self.officers = [u for u in users.values() if u.role == Role.OFFICER]
        self.supervisors = [u for u in users.values() if u.role == Role.SUPERVISOR]
        policy = EligibilityPolicy.current()
        excluded = set(policy.excluded_categories.values_list("pk", flat=True))
        active = list(OffenceCategory.objects.filter(active=True).order_by("code"))
        self.categories = [c for c in active if c.pk not in excluded]
        self.excluded = [c for c in active if c.pk in excluded]
        self.diversion_limit = policy.max_prior_diversions
        self.organisations = {}  # organisation name -> Person, so a shop harmed twice is one party
        self.diverted = {}  # person pk -> [Person, diversions], for repeat referrals
        self.references = ReferenceNumbers()
        self.opened = []  # (case pk, opened at)

    def seed(self, count: int):
        # Oldest first, so that references count up with the dates within each year.
        plans = sorted(self.plans(count), key=lambda plan: plan.times[0])
        for plan in plans:
            referral = self.run(plan)
            self.backdate(referral, plan)
        self.references.save_counters()
        CaseWork(self.users, self.venues, self.now).seed(self.opened)
        open_demo_exchange(self.users["facilitator"])

    # Planning ---------------------------------------------------------------------------------

    def plans(self, count: int) -> list[Plan]:
        officer = self.users["officer"]
        plans = [self.plan(state, officer) for state in ReferralStatus.values[:count]]
        weights = [4 if o == officer else 1 if o.is_unit_lead else 2 for o in self.officers]
        for _ in range(count - len(plans)):
            state = self.rng.choices(list(STATE_WEIGHTS), list(STATE_WEIGHTS.values()))[0]
            plans.append(self.plan(state, self.rng.choices(self.officers, weights)[0]))
        return plans

    def plan(self, state: str, officer: User) -> Plan:
        actions = self.actions(state)
        offsets = [0]
        for action in actions[1:]:
            offsets.append(offsets[-1] + self.rng.randint(*GAP_DAYS[action]))
        first_days_ago = self.days_ago_of_last_move(state, offsets) + offsets[-1]
        times = self.times(first_days_ago, offsets)
        reason = ""
        if state == ReferralStatus.DECLINED:
            reason = self.rng.choices(list(DECLINE_WEIGHTS), list(DECLINE_WEIGHTS.values()))[0]
        return Plan(state, officer, actions, times, reason)

    def actions(self, state: str) -> list[str]:
        rng = self.rng
        info_round = ["request_info", "answer"] if rng.random() < 0.25 else []
        if state == ReferralStatus.DRAFT:
            return ["create"]
        if state == ReferralStatus.NEEDS_INFO:
            return ["create", "submit", *info_round, "request_info"]
        if state == ReferralStatus.SUBMITTED:
            return ["create", "submit", *info_round]
        if state == ReferralStatus.WITHDRAWN:
            return [*rng.choice([["create"], ["create", "submit"], ["create", "submit", "request_info"]]), "withdraw"]
        return ["create", "submit", *info_round, "accept" if state == ReferralStatus.ACCEPTED else "decline"]

    def days_ago_of_last_move(self, state: str, offsets: list[int]) -> int:
        rng = self.rng
        if state == ReferralStatus.DRAFT:
            return rng.randint(40, 150) if rng.random() < 0.1 else rng.randint(1, 25)
        if state == ReferralStatus.SUBMITTED:
            # Waiting for screening since the first submission: 1 to 20 days.
            since_submission = offsets[-1] - offsets[1]
            return rng.randint(1, max(1, 20 - since_submission))
        if state == ReferralStatus.NEEDS_INFO:
            return rng.randint(1, 30)
        latest = SPAN_DAYS - offsets[-1]
        # The programme has grown: most referrals are spread evenly, some lean to recent months.
        if rng.random() < 0.65:
            return rng.randint(1, latest)
        return round(rng.triangular(1, latest, 1))

    def times(self, first_days_ago: int, offsets: list[int]) -> list[datetime]:
        """Return one time per move, in office hours, strictly increasing and before today."""
        rng, times = self.rng, []
        for offset in offsets:
            day = timezone.localtime(self.now - timedelta(days=first_days_ago - offset))
            when = day.replace(
                hour=rng.randint(8, 18), minute=rng.randint(0, 59), second=rng.randint(0, 59), microsecond=0
            )
            if times and when <= times[-1]:
                when = times[-1] + timedelta(minutes=rng.randint(10, 90))
            times.append(when)
        return times

    # Running the services ---------------------------------------------------------------------

    def run(self, plan: Plan) -> Referral:
        referral = create_referral(officer=plan.officer, data=self.content(plan), parties=plan.parties)
        for action in plan.actions[1:]:
            referral = self.move(referral, action, plan)
        self.remember_people(referral)
        return referral

    def move(self, referral: Referral, action: str, plan: Plan) -> Referral:
        rng, officer = self.rng, plan.officer
        supervisor = rng.choice(self.supervisors)
        if action == "submit":
            return submit_referral(referral=referral, by=officer)
        if action == "request_info":
            return request_info(referral=referral, by=supervisor, message=rng.choice(INFO_EXCHANGES)[0])
        if action == "answer":
            answer = INFO_ANSWERS.get(referral.info_request, "Added to the referral.")
            return answer_info_request(referral=referral, by=officer, answer=answer)
        if action == "accept":
            # The justification is used only if the referral fails the policy (a repeat referral).
            return accept_referral(referral=referral, by=supervisor, justification=OVERRIDE_JUSTIFICATION)
        if action == "decline":
            note = rng.choice(DECLINE_NOTES[plan.decline_reason])
            return decline_referral(referral=referral, by=supervisor, reason_code=plan.decline_reason, note=note)
        return withdraw_referral(referral=referral, by=officer, reason=rng.choice(WITHDRAW_REASONS))

    def remember_people(self, referral: Referral):
        accepted = referral.status == ReferralStatus.ACCEPTED
        for party in referral.parties.select_related("person"):
            person = party.person
            if person.kind == Person.Kind.ORGANISATION:
                self.organisations.setdefault(person.organisation_name, person)
            elif party.role == PartyRole.RESPONSIBLE and accepted:
                self.diverted.setdefault(person.pk, [person, 0])[1] += 1

    # What the referral says -------------------------------------------------------------------

    def content(self, plan: Plan) -> ReferralInput:
        """Return the referral's text and set `plan.parties`: one consistent, made-up incident."""
        rng = self.rng
        category = self.category(plan)
        story = STORIES.get(category.code, STORIES["other"])
        incident_date = timezone.localtime(plan.times[0]).date() - timedelta(days=rng.choice([0, 0, 1, 2, 3, 7, 14]))
        scene = self.scene(story, plan.officer.unit.agency.code)
        over_limit = category not in self.excluded and (
            plan.decline_reason == DeclineReason.NOT_ELIGIBLE
            or (plan.state == ReferralStatus.ACCEPTED and rng.random() < 0.04)
        )
        admits = self.admits(plan)
        responsible = self.responsible_parties(story, incident_date, scene["town"], admits, over_limit)
        harmed = self.harmed_party(story, incident_date, scene)
        plan.parties = [*responsible, *self.companions(responsible, incident_date, scene["town"]), harmed]
        scene["rp"], scene["hp"] = _name_of(responsible[0]), _name_of(harmed)
        description, harm = rng.choice(story.accounts)
        description = f"{description} {rng.choice(ADMISSIONS[admits])}".strip()
        return ReferralInput(
            incident_number=f"{plan.officer.unit.agency.code}/{incident_date:%y}/{rng.randint(10000, 99999)}",
            incident_date=incident_date,
            incident_place=rng.choice(story.places).format(**scene),
            offence_category=category,
            description=description.format(**scene),
            harm_description=harm.format(**scene),
        )

    def scene(self, story: Story, agency_code: str) -> dict:
        """Return where it happened and the details that the story's texts name."""
        rng = self.rng
        town = rng.choice(TOWNS[agency_code])
        street = rng.choice(STREETS)
        shop, shop_town, shop_street = rng.choice([shop for shop in SHOPS if shop[1] in TOWNS[agency_code]])
        if story.harmed == "shop":
            town, street = shop_town, shop_street
        return {
            "town": town,
            "street": street,
            "venue": f"{town} {rng.choice(VENUE_KINDS)}",
            "shop": shop,
            "item": rng.choice(ITEMS),
            "amount": rng.choice(AMOUNTS),
        }

    def category(self, plan: Plan) -> OffenceCategory:
        if plan.decline_reason == DeclineReason.NOT_ELIGIBLE and self.excluded and self.rng.random() < 0.6:
            return self.rng.choice(self.excluded)
        weights = [CATEGORY_WEIGHTS.get(c.code, 2) for c in self.categories]
        return self.rng.choices(self.categories, weights)[0]

    def admits(self, plan: Plan) -> bool | None:
        if plan.decline_reason == DeclineReason.NO_ADMISSION:
            return False
        if plan.state == ReferralStatus.DRAFT:
            return self.rng.choice([True, True, None])
        return True

    def responsible_parties(self, story, incident_date, town, admits, over_limit) -> list[PartyInput]:
        rng = self.rng
        if self.diverted and not story.adult_only and rng.random() < 0.06:
            person, diversions = rng.choice(list(self.diverted.values()))
            return [
                PartyInput(
                    role=PartyRole.RESPONSIBLE,
                    existing_person=person,
                    admits_responsibility=admits,
                    prior_diversions=diversions,
                )
            ]
        age = rng.randint(19, 45) if story.adult_only else self.offender_age()
        parties = []
        for n in range(2 if rng.random() < 0.15 else 1):
            party = self.individual(
                PartyRole.RESPONSIBLE,
                max(10, age + rng.randint(-1, 1) * n),
                incident_date,
                town,
                genders=RESPONSIBLE_GENDERS,
                contact=age >= 18 or rng.random() < 0.5,
            )
            party.admits_responsibility = admits
            party.prior_diversions = self.prior_diversions(over_limit and n == 0)
            parties.append(party)
        return parties

    def offender_age(self) -> int:
        rng = self.rng
        if rng.random() < 0.6:
            return rng.choices(range(10, 18), [1, 2, 3, 5, 7, 8, 8, 7])[0]
        return rng.randint(18, 24) if rng.random() < 0.5 else rng.randint(25, 60)

    def prior_diversions(self, over_limit: bool) -> int:
        limit = self.diversion_limit if self.diversion_limit is not None else 2
        if over_limit:
            return limit + self.rng.randint(1, 3)
        return min(limit, self.rng.choices([0, 1, 2], [80, 15, 5])[0])

    def companions(self, responsible, incident_date, town) -> list[PartyInput]:
        """Return guardians of most juvenile responsible parties and, sometimes, a supporter."""
        rng, parties = self.rng, []
        for party in responsible:
            age = _age(party.date_of_birth, incident_date)
            if age is not None and age < 18 and rng.random() < 0.75:
                surname = party.last_name if rng.random() < 0.8 else None
                parties.append(
                    self.individual(
                        PartyRole.GUARDIAN,
                        age + rng.randint(20, 40),
                        incident_date,
                        town,
                        last_name=surname,
                        ethnicity=party.ethnicity,
                    )
                )
        if rng.random() < 0.15:
            parties.append(
                self.individual(
                    PartyRole.SUPPORTER, rng.randint(25, 75), incident_date, town, contact=rng.random() < 0.5
                )
            )
        return parties

    def harmed_party(self, story, incident_date, scene) -> PartyInput:
        rng = self.rng
        kind = story.harmed if story.harmed != "either" else rng.choice(["person", "organisation"])
        if kind == "person":
            young = story.young_victims and rng.random() < 0.5
            age = rng.randint(11, 17) if young else rng.randint(18, 84)
            return self.individual(PartyRole.HARMED, age, incident_date, scene["town"])
        if kind == "shop":
            return self.organisation(scene["shop"], scene["town"], scene["street"])
        names = ORGANISATIONS if kind == "organisation" else COMMUNITY_GROUPS
        return self.organisation(rng.choice(names), scene["town"])

    def individual(
        self, role, age, incident_date, town, *, genders=OTHER_GENDERS, last_name=None, ethnicity=None, contact=True
    ) -> PartyInput:
        rng = self.rng
        gender = rng.choices(list(genders), list(genders.values()))[0]
        ethnicity = ethnicity or rng.choices(list(ETHNICITIES), list(ETHNICITIES.values()))[0]
        first_name = rng.choice(FIRST_NAMES[gender])
        last_name = last_name or rng.choice(LAST_NAMES.get(ethnicity, ALL_LAST_NAMES))
        party = PartyInput(
            role=role,
            first_name=first_name,
            last_name=last_name,
            gender=gender,
            ethnicity=ethnicity,
            date_of_birth=_birthday(rng, age, incident_date),
        )
        if contact:
            party.phone = f"07700 900{rng.randint(0, 999):03d}"
            party.email = _email(first_name, last_name, rng.randint(1, 99)) if rng.random() < 0.7 else ""
            party.address = self.address(town)
        return party

    def organisation(self, name, town, street=None) -> PartyInput:
        if name in self.organisations:
            return PartyInput(role=PartyRole.HARMED, existing_person=self.organisations[name])
        domain = re.sub(r"[^a-z]+", "-", name.lower()).strip("-")
        return PartyInput(
            role=PartyRole.HARMED,
            kind=Person.Kind.ORGANISATION,
            organisation_name=name,
            phone=f"01632 960{self.rng.randint(200, 999):03d}",
            email=f"manager@{domain}.example.org",
            address=self.address(town, street),
        )

    def address(self, town, street=None) -> str:
        rng = self.rng
        letters = "ABDEFGHJLNPQRSTUWXYZ"
        postcode = f"{POSTCODES[town]}{rng.randint(1, 9)} {rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}"
        return f"{rng.randint(1, 180)} {street or rng.choice(STREETS)}, {town} {postcode}"

    # Backdating -------------------------------------------------------------------------------

    def backdate(self, referral: Referral, plan: Plan):
        """Move the referral, its events, history, new people and case to the planned times.

        The audit log is append-only and keeps the true time the demo data was written.
        """
        times, when = plan.times, dict(zip(plan.actions, plan.times, strict=True))
        reference = self.references.next(times[0])
        Referral.objects.filter(pk=referral.pk).update(
            reference=reference,
            created_at=times[0],
            submitted_at=when.get("submit"),
            screened_at=when.get("accept") or when.get("decline"),
        )
        _restamp(ReferralEvent.objects.filter(referral=referral), "created_at", times)
        history = Referral.history.filter(id=referral.pk)
        history.update(reference=reference)
        _restamp(history, "history_date", times)
        self.backdate_people(referral, times[0])
        if "accept" in when:
            self.backdate_case(referral, when["accept"])

    def backdate_people(self, referral: Referral, created: datetime):
        # People already on record (a repeat offender, a shop) keep their earlier dates.
        new = Person.objects.filter(referral_roles__referral=referral, created_at__gte=self.now)
        pks = list(new.values_list("pk", flat=True))
        Person.objects.filter(pk__in=pks).update(created_at=created)
        Person.history.filter(id__in=pks).update(history_date=created)
        ContactDetails.history.filter(person_id__in=pks).update(history_date=created)

    def backdate_case(self, referral: Referral, opened: datetime):
        case_pk = Case.objects.values_list("pk", flat=True).get(referral=referral)
        Case.objects.filter(pk=case_pk).update(opened_at=opened, status_changed_at=opened)
        CaseEvent.objects.filter(case_id=case_pk).update(created_at=opened)
        Case.history.filter(id=case_pk).update(history_date=opened)
        self.opened.append((case_pk, opened))


def _restamp(queryset, field_name: str, times: list[datetime]):
    """Give the rows, oldest first, one planned time each; any extra row takes the last time."""
    manager = queryset.model._default_manager
    for n, pk in enumerate(queryset.order_by("pk").values_list("pk", flat=True)):
        manager.filter(pk=pk).update(**{field_name: times[min(n, len(times) - 1)]})


def _name_of(party: PartyInput) -> str:
    person = party.existing_person
    if person is not None:
        return person.organisation_name or person.first_name
    return party.organisation_name or party.first_name


def _birthday(rng: random.Random, age: int, on: date) -> date:
    """Return a date of birth that makes someone exactly `age` on the day `on`."""
    born = date(on.year - age, rng.randint(1, 12), rng.randint(1, 28))
    if (born.month, born.day) > (on.month, on.day):
        born = born.replace(year=born.year - 1)
    return born


def _age(born: date | None, on: date) -> int | None:
    if born is None:
        return None
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
