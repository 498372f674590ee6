"""The demo programme's training history: the courses, and over two years of their sessions, passes,
observed practice and accreditations, and the sessions still to come.

The past is history and is written as rows with their own dates, as `make run` could not have
lived through it; every row is one the services could have written on its day (a grant follows the
passes and observations it asks for, a renewal the CPD hours of its period). What happens now goes
through training/services.py: the upcoming sessions and their invitations, and the daily task that
lapses an accreditation on its expiry day.

It runs in two steps around the case work. Before: every demo facilitator who takes cases is
accredited for every kind of conference from before the demo's first conference, since a lead
facilitator must be, on the conference's day. After: the trainee co-facilitates cases of the
senior facilitator, supervisors' observations of held conferences are recorded, and one
accreditation that nobody has led a conference under since last month is let lapse then.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from cases.models import CaseStatus
from cases.services import assign_facilitators
from conferences.models import Conference, ConferenceFacilitator, ConferenceStatus
from demo.data import DemoUser
from people.models import Role, User
from rjcases.workflow import accreditation_changed
from training.accreditation import CPD_HOURS, VALID_MONTHS
from training.models import (
    Accreditation,
    Attendance,
    ConferenceKind,
    Course,
    CourseKind,
    Level,
    Observation,
    Result,
    SessionStatus,
    TrainingSession,
    add_months,
)
from training.services import (
    SessionPlan,
    invite_to_session,
    lapse_accreditations,
    record_observation,
    schedule_session,
)

K = ConferenceKind
# A new facilitator: accredited for nothing yet, co-facilitates the senior facilitator's cases.
TRAINEE = DemoUser(
    "trainee", "Sam", "Okafor", Role.FACILITATOR, "Trainee facilitator: co-facilitates Jo's cases, observed"
)
# The demo facilitators who take cases, and the day (days ago) each was first accredited: all before
# the demo's oldest referral (seed_demo's SPAN_DAYS, 548 days), and so before its first conference.
ACCREDITED_SINCE = {"facilitator": 790, "facilitator2": 788, "facilitator3": 786, "facilitator4": 590}
SENIOR = ("facilitator", K.VICTIM_OFFENDER, 575)  # Jo became senior for victim-offender conferences
EXPIRING = ("facilitator3", K.SHUTTLE, 26)  # Kate's shuttle accreditation: days left, not renewed yet
# Renewed before their first expiry (about 60 days ago), once the CPD hours of the period were done.
RENEWED_DAYS_AGO = {"facilitator": 95, "facilitator2": 80, "facilitator3": 72}
# Who may be let lapse last month, most likely first: never the senior kind, nor the expiring one.
LAPSE_CANDIDATES = ["facilitator2", "facilitator3", "facilitator"]
LAPSE_ORDER = [K.PEACEMAKING_CIRCLE, K.SURROGATE_VICTIM, K.SHUTTLE, K.COMMUNITY_CIRCLE, K.FAMILY_GROUP]

FOUNDATION_KINDS = [K.VICTIM_OFFENDER, K.COMMUNITY_CIRCLE, K.SHUTTLE, K.SURROGATE_VICTIM]
SERIOUS_HARM_KINDS = [K.VICTIM_OFFENDER, K.SURROGATE_VICTIM, K.PEACEMAKING_CIRCLE]

# fmt: off
COURSES = [  # title, kind, hours, qualifies for, valid months, description
    ("Restorative justice for officers", CourseKind.OFFICER_AWARENESS, "3.5", [], 36,
     "What a restorative referral is, who is eligible, and how to explain it to both parties."),
    ("Facilitator foundation", CourseKind.FACILITATOR_FOUNDATION, "21", FOUNDATION_KINDS, 36,
     "Three days: preparing parties, the restorative script, risk, and running a conference."),
    ("Advanced practice: family group conferences", CourseKind.ADVANCED, "14", [K.FAMILY_GROUP], 36,
     "Two days: family private time, working with carers and professionals, plans that last."),
    ("Advanced practice: serious harm", CourseKind.ADVANCED, "14", SERIOUS_HARM_KINDS, 36,
     "Two days: sensitive and serious harm, circles, safety planning and survivors' needs."),
    ("Role-play workshop", CourseKind.ROLE_PLAY, "6", [], 24,
     "Practising the hard moments: anger, silence, a party who walks out."),
    ("Case-study session", CourseKind.CASE_STUDY, "2", [], 24,
     "A closed case read together: what went well, what we would do differently."),
    ("Cultural competence in restorative practice", CourseKind.CULTURAL_COMPETENCE, "7", [], 24,
     "Language, faith and family across communities; working with interpreters."),
    ("Facilitator refresher", CourseKind.REFRESHER, "3.5", [], 24,
     "Changes to guidance, safeguarding updates, and the year's lessons."),
]
NORTHBY = "Northby Police Station, training room 2"
HUB = "Northshire Restorative Justice Hub, 14 Castle Street, Northby"
EASTVALE = "Eastvale Police Station, conference room"
ONLINE = "https://meet.example.org/rj-training"
# Past sessions: course (index), days ago, start hour, place, trainer, capacity, then the attendees
# as (username, outcome, note) with outcome passed, not_yet, absent (invited, did not come) or left
# (came, did not complete).
PAST_SESSIONS = [
    (1, 860, 9, HUB, "Restorative Justice Council trainers", 12,
     [("facilitator", "passed", ""), ("facilitator2", "passed", ""), ("facilitator3", "passed", ""),
      ("supervisor", "passed", "")]),
    (3, 845, 9, HUB, "Restorative Justice Council trainers", 10,
     [("facilitator", "passed", ""), ("facilitator2", "passed", ""), ("facilitator3", "passed", "")]),
    (2, 835, 9, HUB, "Family Rights Group", 10,
     [("facilitator", "passed", ""), ("facilitator2", "passed", ""), ("facilitator3", "passed", ""),
      ("supervisor2", "passed", "")]),
    (0, 720, 14, NORTHBY, "Ruth Ellison", 16,
     [("officer", "passed", ""), ("unitlead", "passed", ""), ("officer2", "passed", ""),
      ("officer3", "absent", "")]),
    (1, 660, 9, HUB, "Restorative Justice Council trainers", 12,
     [("facilitator4", "passed", ""), ("partner", "passed", "")]),
    (2, 640, 9, HUB, "Family Rights Group", 10,
     [("facilitator4", "not_yet", "Family private time handed back too early twice; to repeat the "
                                  "assessed scenario.")]),
    (2, 615, 9, HUB, "Family Rights Group", 10,
     [("facilitator4", "passed", "Repeated the assessed scenario: confident and well paced.")]),
    (3, 600, 9, HUB, "Restorative Justice Council trainers", 10, [("facilitator4", "passed", "")]),
    (0, 540, 14, EASTVALE, "Imran Qureshi", 16,
     [("officer4", "passed", ""), ("officer5", "not_yet", "The eligibility scenario missed the harmed "
                                                         "party's consent; to repeat."),
      ("officer3", "absent", "")]),
    (6, 470, 10, EASTVALE, "Eastvale Interpreting Service", 20,
     [("facilitator", "passed", ""), ("facilitator2", "passed", ""), ("facilitator3", "passed", ""),
      ("partner", "passed", ""), ("partner2", "passed", ""), ("partner3", "left", "")]),
    (4, 330, 10, HUB, "Ruth Ellison", 12,
     [("facilitator", "passed", ""), ("facilitator2", "passed", ""), ("facilitator3", "passed", ""),
      ("facilitator4", "passed", "")]),
    (5, 240, 13, ONLINE, "Imran Qureshi", 20,
     [("facilitator", "passed", ""), ("facilitator3", "passed", ""), ("facilitator4", "absent", ""),
      ("supervisor", "passed", ""), ("partner2", "passed", ""), ("partner4", "passed", "")]),
    (7, 150, 10, HUB, "Ruth Ellison", 12,
     [("facilitator", "passed", ""), ("facilitator2", "passed", ""), ("facilitator3", "passed", ""),
      ("supervisor2", "passed", "")]),
    (1, 110, 9, HUB, "Restorative Justice Council trainers", 12,
     [("trainee", "passed", "A calm, careful first assessed conference.")]),
    (5, 90, 13, ONLINE, "Imran Qureshi", 20,
     [("facilitator", "passed", ""), ("facilitator2", "passed", ""), ("facilitator3", "absent", ""),
      ("trainee", "passed", ""), ("partner", "passed", "")]),
    (0, 60, 14, NORTHBY, "Claire Boateng", 16,
     [("officer2", "passed", "Refresher for the youth diversion scheme."), ("officer4", "passed", "")]),
]
# Upcoming sessions: course, days ahead, hour, place, trainer, capacity, invitees.
UPCOMING_SESSIONS = [
    (0, 12, 14, NORTHBY, "Claire Boateng", 16, ["officer3", "officer5", "officer6", "officer7"]),
    (7, 19, 10, ONLINE, "Ruth Ellison", 12, ["facilitator3", "facilitator4", "trainee", "supervisor"]),
    (6, 34, 10, EASTVALE, "Eastvale Interpreting Service", 20,
     ["officer4", "trainee", "partner3", "partner4", "supervisor2"]),
]
OBSERVATION_NOTES = [
    "Clear preparation of both parties; the script followed without reading from it.",
    "Handled a tense moment well and kept the harmed party's voice central.",
    "Good use of silence; the agreement was the parties' own.",
    "Well-paced; checked understanding of the agreement with the young person.",
]
# fmt: on


@dataclass
class Grant:
    """One accreditation as it stands: when granted, until when, renewed when."""

    username: str
    kind: str
    level: str
    granted_on: date
    expires_on: date
    renewed_on: date | None = None


class TrainingHistory:
    """Writes the demo's training history: `seed` before the case work, `finish` after it."""

    def __init__(self, users: dict[str, User], now: datetime):
        self.users = users
        self.now = now
        self.today = timezone.localdate(now)
        self.tz = timezone.get_current_timezone()
        self.supervisor = users["supervisor"]
        self.courses: list[Course] = []

    def day(self, days_ago: int) -> date:
        return self.today - timedelta(days=days_ago)

    def at(self, day: date, hour: int) -> datetime:
        return datetime.combine(day, time(hour), tzinfo=self.tz)

    # Before the case work -----------------------------------------------------------------------

    def seed(self) -> None:
        self.courses = [
            Course.objects.get_or_create(
                title=title,
                defaults={
                    "kind": kind,
                    "hours": Decimal(hours),
                    "qualifies_for": list(kinds),
                    "valid_months": months,
                    "description": text,
                },
            )[0]
            for title, kind, hours, kinds, months, text in COURSES
        ]
        for session in PAST_SESSIONS:
            self.held_session(*session)
        self.evidence_observations()
        self.accredit()
        for session in UPCOMING_SESSIONS:
            self.upcoming_session(*session)

    def held_session(self, course, days_ago, hour, place, trainer, capacity, attendees) -> None:
        course = self.courses[course]
        starts_at = self.at(self.day(days_ago), hour)
        session = TrainingSession.objects.create(
            course=course,
            starts_at=starts_at,
            duration_minutes=min(int(course.hours * 60), 7 * 60),
            place="" if place == ONLINE else place,
            meeting_link=place if place == ONLINE else "",
            trainer=trainer,
            capacity=capacity,
            status=SessionStatus.HELD,
            created_by=self.supervisor,
            created_at=starts_at - timedelta(days=30),
        )
        recorded_at = session.ends_at + timedelta(days=1)
        Attendance.objects.bulk_create(
            [
                Attendance(
                    session=session,
                    course=course,
                    user=self.users[username],
                    invited_by=self.supervisor,
                    invited_at=starts_at - timedelta(days=21),
                    attended=outcome != "absent",
                    completed_on=starts_at.date() if outcome in ("passed", "not_yet") else None,
                    result={"passed": Result.PASSED, "not_yet": Result.NOT_YET}.get(outcome, ""),
                    assessment_note=note,
                    recorded_by=self.supervisor,
                    recorded_at=recorded_at,
                )
                for username, outcome, note in attendees
            ]
        )

    def evidence_observations(self) -> None:
        """Observed practice before each grant: two per kind, five for the senior kind, in the months before."""
        rows = []
        observers = [self.users["supervisor"], self.users["supervisor2"]]
        for username, since in ACCREDITED_SINCE.items():
            for n, kind in enumerate(K.values):
                count = 5 if (username, kind) == SENIOR[:2] else 2
                for m in range(count):
                    rows.append(
                        Observation(
                            facilitator=self.users[username],
                            observer=observers[(n + m) % 2],
                            conference_kind=kind,
                            observed_on=self.day(since + 8 + 6 * m + n),
                            judgement=Observation.Judgement.COMPETENT,
                            note=OBSERVATION_NOTES[(n + m) % len(OBSERVATION_NOTES)],
                            recorded_at=self.at(self.day(since + 7 + 6 * m + n), 17),
                        )
                    )
        # The trainee, watched co-facilitating: not there yet.
        rows.append(
            Observation(
                facilitator=self.users[TRAINEE.username],
                observer=self.users["supervisor"],
                conference_kind=K.VICTIM_OFFENDER,
                observed_on=self.day(24),
                judgement=Observation.Judgement.NOT_YET,
                note="Good preparation; let the responsible party's account run on. Observe again in a month.",
                recorded_at=self.at(self.day(23), 17),
            )
        )
        Observation.objects.bulk_create(rows)

    def grants(self) -> list[Grant]:
        grants = []
        for username, since in ACCREDITED_SINCE.items():
            for n, kind in enumerate(K.values):
                granted = self.day(since - n)  # one kind after another, as observations came in
                grant = Grant(username, kind, Level.ACCREDITED, granted, add_months(granted, 24))
                if (username, kind) == SENIOR[:2]:
                    grant.level, grant.granted_on = Level.SENIOR, self.day(SENIOR[2])
                    grant.expires_on = add_months(grant.granted_on, VALID_MONTHS[Level.SENIOR])
                elif (username, kind) == EXPIRING[:2]:
                    grant.expires_on = self.today + timedelta(days=EXPIRING[2])
                    grant.granted_on = add_months(grant.expires_on, -24)
                elif username in RENEWED_DAYS_AGO:
                    grant.renewed_on = self.day(RENEWED_DAYS_AGO[username])
                    grant.expires_on = add_months(grant.expires_on, 24)
                grants.append(grant)
        trainee_from = self.day(100)
        for kind in (K.VICTIM_OFFENDER, K.COMMUNITY_CIRCLE):
            grants.append(Grant(TRAINEE.username, kind, Level.TRAINEE, trainee_from, add_months(trainee_from, 12)))
        return grants

    def accredit(self) -> None:
        """Write each accreditation as it stands, with the history rows of how it got there."""
        stages = []  # (accreditation, [(day, level, granted_on, expires_on, renewed_on)])
        for grant in self.grants():
            steps = []
            if grant.level == Level.SENIOR:  # accredited first, granted again a level up
                first = self.day(ACCREDITED_SINCE[grant.username])
                steps.append((first, Level.ACCREDITED, first, add_months(first, VALID_MONTHS[Level.ACCREDITED]), None))
            elif grant.renewed_on:
                original = add_months(grant.granted_on, VALID_MONTHS[grant.level])
                steps.append((grant.granted_on, grant.level, grant.granted_on, original, None))
            steps.append(
                (
                    grant.renewed_on or grant.granted_on,
                    grant.level,
                    grant.granted_on,
                    grant.expires_on,
                    grant.renewed_on,
                )
            )
            accreditation = Accreditation(
                facilitator=self.users[grant.username],
                conference_kind=grant.kind,
                level=grant.level,
                granted_on=grant.granted_on,
                expires_on=grant.expires_on,
                renewed_on=grant.renewed_on,
                cpd_hours_required=CPD_HOURS[grant.level],
                granted_by=self.supervisor,
            )
            stages.append((accreditation, steps))
        Accreditation.objects.bulk_create([accreditation for accreditation, _ in stages])
        History = Accreditation.history.model
        fields = [field.attname for field in Accreditation._meta.concrete_fields]
        rows = []
        for accreditation, steps in stages:
            for n, (day, level, granted_on, expires_on, renewed_on) in enumerate(steps):
                row = History(**{name: getattr(accreditation, name) for name in fields})
                row.level, row.granted_on, row.expires_on, row.renewed_on = level, granted_on, expires_on, renewed_on
                row.cpd_hours_required = CPD_HOURS[level]
                row.history_date, row.history_user = self.at(day, 11), self.supervisor
                row.history_type = "~" if n else "+"
                rows.append(row)
        History.objects.bulk_create(rows)
        for accreditation, _ in stages:  # the reminders before each expiry, as a grant plans them
            accreditation_changed.send(sender=Accreditation, accreditation=accreditation)

    def upcoming_session(self, course, days_ahead, hour, place, trainer, capacity, invitees) -> None:
        plan = SessionPlan(
            starts_at=self.at(self.today + timedelta(days=days_ahead), hour),
            duration_minutes=min(int(self.courses[course].hours * 60), 7 * 60),
            trainer=trainer,
            capacity=capacity,
            place="" if place == ONLINE else place,
            meeting_link=place if place == ONLINE else "",
        )
        session = schedule_session(course=self.courses[course], by=self.supervisor, plan=plan)
        invite_to_session(session=session, by=self.supervisor, users=[self.users[name] for name in invitees])

    # After the case work ------------------------------------------------------------------------

    def finish(self) -> None:
        self.trainee_co_facilitates()
        self.observe_held_conferences()
        self.lapse_one()

    def trainee_co_facilitates(self) -> None:
        """The trainee joins two of the senior facilitator's cases still in preparation."""
        lead = self.users["facilitator"]
        cases = lead.cases.filter(status__in=(CaseStatus.INTAKE, CaseStatus.READY), co_facilitator__isnull=True)
        for case in cases.order_by("opened_at")[:2]:
            assign_facilitators(
                case=case, by=self.supervisor, facilitator=lead, co_facilitator=self.users[TRAINEE.username]
            )

    def observe_held_conferences(self) -> None:
        """Supervisors watched some recent conferences: observations linked to them."""
        held = (
            ConferenceFacilitator.objects.filter(
                is_lead=True, active=True, conference__status=ConferenceStatus.HELD, starts_at__lt=self.now
            )
            .select_related("conference", "facilitator")
            .order_by("-starts_at")
        )
        seen = set()
        for n, booking in enumerate(held[:20]):
            if booking.facilitator_id in seen:
                continue
            seen.add(booking.facilitator_id)
            record_observation(
                facilitator=booking.facilitator,
                by=self.users["supervisor2" if n % 2 else "supervisor"],
                conference=booking.conference,
                conference_kind=booking.conference.kind,
                observed_on=timezone.localdate(booking.conference.starts_at),
                judgement=Observation.Judgement.COMPETENT,
                note=OBSERVATION_NOTES[n % len(OBSERVATION_NOTES)],
            )

    def lapse_one(self) -> None:
        """Let lapse last month one accreditation that nobody led a conference under since.

        Chosen from what the case work did, so every conference still had an accredited lead on its day.
        """
        latest = self.today.replace(day=1) - timedelta(days=1)  # last month, from its 10th on
        earliest = latest.replace(day=10)
        for username in LAPSE_CANDIDATES:
            user = self.users[username]
            for kind in LAPSE_ORDER:
                if (username, kind) == EXPIRING[:2]:
                    continue
                last = self.last_led(user, kind)
                expires_on = max(earliest, last + timedelta(days=1)) if last else earliest
                if expires_on <= latest:
                    self.lapse(user, kind, expires_on)
                    return

    def last_led(self, user: User, kind: str) -> date | None:
        starts = (
            Conference.objects.filter(kind=kind, bookings__facilitator=user, bookings__is_lead=True)
            .order_by("-starts_at")
            .values_list("starts_at", flat=True)
            .first()
        )
        return timezone.localdate(starts) if starts else None

    def lapse(self, user: User, kind: str, expires_on: date) -> None:
        """Make the accreditation one granted 24 months before `expires_on` and not renewed; lapse it then."""
        accreditation = Accreditation.objects.get(facilitator=user, conference_kind=kind)
        dates = {"granted_on": add_months(expires_on, -24), "expires_on": expires_on, "renewed_on": None}
        Accreditation.objects.filter(pk=accreditation.pk).update(**dates)
        accreditation.history.all().update(**dates, history_date=self.at(dates["granted_on"], 11))
        accreditation.history.exclude(
            history_id=accreditation.history.order_by("history_id").values("history_id")[:1]
        ).delete()
        lapse_accreditations(today=expires_on)
