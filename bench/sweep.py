"""Measure the reminders sweep: how long our own code takes to send N due reminders, and its SQL queries.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rj_sweep python -m bench.sweep [--rows 1000] [--repeat 3]

Migrates the database, then builds cases through the services as the app does (referrals submitted
and accepted, parties assessed and consenting, conferences scheduled, agreements recorded, cases
closed) and lets the planners write their reminder rows. From those it takes N rows that would be
sent for real: in-app and email reminders to staff (officers, facilitators, supervisors, partner
staff) and email and SMS reminders to consenting participants, each of a kind whose "still
relevant" check passes. A reminder to a group (supervisors, a partner's staff) is represented by the
copies its fan-out makes, one per member, since those are the rows that become messages.

Each repetition puts the same N rows back to pending and due (one UPDATE), then calls
`send_due_reminders()` until a call finds nothing due, and measures its wall time, the CPU time of
this process, the SQL queries (all of them) and the outcomes. The providers cost nothing: email goes
to Django's locmem backend, texts to `reminders.sms.LocmemBackend`. Every row must end `sent`, or the
run fails. Prints a Markdown table for docs/performance.md.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections import Counter, deque
from datetime import date, timedelta
from pathlib import Path

from .run import check_prerequisites, log, machine, setup_django

# Who the seeded reminders go to: a few of each, reused when the bench runs again on the same database.
OFFICERS, FACILITATORS, SUPERVISORS, PARTNER_STAFF = 4, 4, 3, 2
# Cases built per round, by the reminders they bring; rounds are repeated until N rows are there.
# Per round: 2 scheduled conferences (staff and participants, plus their cases' 'no activity'
# reminders), 2 agreements (items due soon and overdue), 1 referral waiting for screening, 1 closed case
# (its referring officer told, and the supervisors' reoffending checks 6, 12 and 24 months on).
ROUND = ("conference", "agreement", "conference", "agreement", "screening", "closed")


def prepare() -> None:
    """Migrate, and switch off what would make the figures depend on the hour or on a broker."""
    from django.core.management import call_command

    from reminders.models import ReminderSettings

    call_command("migrate", interactive=False, verbosity=0)
    # The bench runs at any hour: with quiet hours on, texts due at night would wait for the morning
    # instead of being sent. An empty window (start = end) keeps the check itself on every text.
    rules = ReminderSettings.current()
    rules.quiet_hours_end = rules.quiet_hours_start
    rules.save()


# Seeding: people, then cases through the services, whose writers call the planners


def staff() -> dict:
    """Return the bench's users by role, creating them the first time."""
    from people.models import Agency, Partner, Role, Unit, User

    agency, _ = Agency.objects.get_or_create(name="Sweep bench force", defaults={"code": "SWB"})
    unit, _ = Unit.objects.get_or_create(agency=agency, name="Sweep bench unit")
    partner, _ = Partner.objects.get_or_create(name="Sweep bench youth service", defaults={"kind": "youth_service"})

    def users(role, count, **fields):
        found = []
        for n in range(1, count + 1):
            username = f"sweep_{role}{n}"
            user, _ = User.objects.get_or_create(
                username=username,
                defaults={"email": f"{username}@example.org", "role": role, "first_name": role.title(),
                          "last_name": f"Sweep{n}", **fields},
            )  # fmt: skip
            found.append(user)
        return found

    return {
        "officers": users(Role.OFFICER, OFFICERS, unit=unit, badge_number="4242"),
        "facilitators": users(Role.FACILITATOR, FACILITATORS),
        "supervisors": users(Role.SUPERVISOR, SUPERVISORS),
        "partner_staff": users(Role.PARTNER, PARTNER_STAFF, partner=partner),
        "partner": partner,
    }


class Seeder:
    """Build cases one after another; each `build` returns nothing, the planners write the rows."""

    def __init__(self, people: dict):
        from django.db.models import Max
        from django.utils import timezone

        from conferences.models import ConferenceFacilitator
        from referrals.models import OffenceCategory

        self.people = people
        self.offence = OffenceCategory.objects.get(code="shoplifting")
        self.run = f"{int(time.time()) % 10**8:08d}"  # incident numbers stay new when the bench runs again
        self.n = 0
        # Conferences start ten days ahead (their reminders are not due yet: the bench makes them due),
        # two hours apart so that no facilitator is booked twice; after an earlier run's, if any.
        booked = ConferenceFacilitator.objects.filter(facilitator__in=people["facilitators"]).aggregate(
            last=Max("ends_at")
        )["last"]
        start = timezone.now() + timedelta(days=10)
        self.next_slot = max(start, booked + timedelta(hours=2)) if booked else start
        self.next_slot = self.next_slot.replace(minute=0, second=0, microsecond=0)

    def build(self, shape: str) -> None:
        from django.db import transaction

        self.n += 1
        with transaction.atomic():
            getattr(self, f"_{shape}")()

    def _pick(self, group: str):
        members = self.people[group]
        return members[self.n % len(members)]

    def _referral(self):
        """A submitted referral: an adult who admits it and the shop's owner, both with email and phone."""
        from referrals import services as referral_services
        from referrals.models import PartyRole

        officer = self._pick("officers")
        tail = f"{self.n % 100000:05d}"
        parties = [
            referral_services.PartyInput(
                role=PartyRole.RESPONSIBLE, first_name="Robin", last_name=f"Sweep{self.n}",
                date_of_birth=date(1995, 6, 1), email=f"robin.sweep{self.n}@example.org", phone=f"07700 9{tail}",
                address="1 High Street", admits_responsibility=True, prior_diversions=0,
            ),
            referral_services.PartyInput(
                role=PartyRole.HARMED, first_name="Harriet", last_name=f"Sweep{self.n}",
                date_of_birth=date(1970, 2, 3), email=f"harriet.sweep{self.n}@example.org", phone=f"07700 8{tail}",
                address="2 Market Street",
            ),
        ]  # fmt: skip
        data = referral_services.ReferralInput(
            incident_number=f"SW/{self.run}/{self.n}",
            incident_date=date.today() - timedelta(days=20),
            incident_place="Market Street",
            offence_category=self.offence,
            description="Took goods from a shop without paying.",
            harm_description="The shop lost stock worth £40.",
        )
        referral = referral_services.create_referral(officer=officer, data=data, parties=parties)
        return referral_services.submit_referral(referral=referral, by=officer)

    def _open_case(self):
        """An accepted referral's case with its facilitator."""
        from cases import services as case_services
        from referrals import services as referral_services

        referral = self._referral()
        case = referral_services.accept_referral(referral=referral, by=self._pick("supervisors")).case
        return case_services.assign_facilitators(case=case, by=self._pick("supervisors"),
                                                 facilitator=self._pick("facilitators"))  # fmt: skip

    def _ready_case(self):
        """Every party assessed (signed off) and consenting to take part; the case is ready."""
        from django.utils import timezone

        from cases import services as case_services
        from cases.models import ConsentPurpose

        case = self._open_case()
        facilitator, supervisor = case.facilitator, self._pick("supervisors")
        for party in case.referral.parties.select_related("person"):
            assessment = case_services.record_assessment(
                case=case, by=facilitator, person=party.person, will_attend=True, ready=True, risk="low"
            )
            case_services.sign_off_assessment(assessment=assessment, by=supervisor)
            case_services.record_consent(
                case=case, by=facilitator, person=party.person, purpose=ConsentPurpose.CONFERENCE,
                given_by=party.person, given_on=timezone.localdate(), method="written",
            )  # fmt: skip
        return case_services.mark_case_ready(case=case, by=facilitator)

    def _screening(self):
        self._referral()  # waits for screening: the supervisors are reminded

    def _conference(self):
        """A conference ahead, with the referring officer invited: reminders 48 h and 2 h before it."""
        from conferences import services as conference_services
        from conferences.models import Conference, ConferenceKind

        case = self._ready_case()
        plan = conference_services.ConferencePlan(
            kind=ConferenceKind.VICTIM_OFFENDER, starts_at=self.next_slot, duration_minutes=90,
            mode=Conference.Mode.IN_PERSON, address="Room 3, Northby Library, 5 Market Square",
        )  # fmt: skip
        self.next_slot += timedelta(hours=2)
        conference_services.schedule_conference(
            case=case, by=case.facilitator, plan=plan, facilitators=[case.facilitator], invite_officer=True
        )

    def _agreement(self):
        """A held conference's agreement (restitution supervised by the partner, an apology); monitored."""
        from django.utils import timezone

        from cases.transitions import move_case
        from conferences import services as conference_services
        from conferences.models import ItemKind

        case = self._ready_case()
        case = move_case(case=case, method_name="schedule", by=case.facilitator)
        case = move_case(case=case, method_name="hold_conference", by=case.facilitator)
        due = timezone.localdate() + timedelta(days=30)
        items = [
            conference_services.ItemInput(kind=ItemKind.RESTITUTION, description="Pay for the goods", amount=40,
                                          due_date=due, partner=self.people["partner"]),
            conference_services.ItemInput(kind=ItemKind.APOLOGY, description="Write a letter", due_date=due),
        ]  # fmt: skip
        conference_services.record_agreement(case=case, by=case.facilitator, items=items)

    def _closed(self):
        """A case closed without a conference: the referring officer is told at once."""
        from cases import services as case_services

        case = self._open_case()
        case_services.close_without_conference(case=case, by=case.facilitator, reason="The harmed party declined.")


def expand_groups(since_pk: int) -> None:
    """Write the copies the fan-out of each new group reminder makes, one per member, and mark the
    group's row sent as the fan-out does: the copies are the rows a group's reminder is sent as."""
    from django.utils import timezone

    from people.models import Role, User
    from reminders.models import Reminder, ReminderStatus, member_copy_key

    groups = Reminder.objects.filter(pk__gt=since_pk, status=ReminderStatus.PENDING).exclude(
        recipient_user__isnull=False
    ).exclude(recipient_person__isnull=False)  # fmt: skip
    copies = []
    for group in groups:
        if group.to_supervisors:
            members = User.objects.filter(role=Role.SUPERVISOR, is_active=True)
        else:
            members = User.objects.filter(role=Role.PARTNER, partner=group.recipient_partner_id, is_active=True)
        subject = {f: getattr(group, f) for f in ("referral_id", "case_id", "conference_id", "item_id")}
        copies += [
            Reminder(kind=group.kind, variant=group.variant, channel=group.channel, due_at=group.due_at,
                     expires_at=group.expires_at, key=member_copy_key(group.key, user.pk), recipient_user=user,
                     **subject)
            for user in members.order_by("pk")
            if group.channel == "in_app" or user.email
        ]  # fmt: skip
    Reminder.objects.bulk_create(copies)
    groups.update(status=ReminderStatus.SENT, sent_at=timezone.now())


def seed(rows: int) -> list[int]:
    """Build cases until their planners have written `rows` reminders to send; return those rows' ids."""
    from django.db import connection

    from reminders.models import Reminder, ReminderStatus

    seeder = Seeder(staff())
    first_pk = Reminder.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    # The rows the bench sends: this run's planned rows to one user or one person (a group's copies included).
    sendable = Reminder.objects.filter(pk__gt=first_pk, status=ReminderStatus.PENDING).exclude(
        recipient_user__isnull=True, recipient_person__isnull=True
    )  # fmt: skip
    began = time.monotonic()
    while sendable.count() < rows:
        for shape in ROUND:
            since = Reminder.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            seeder.build(shape)
            expand_groups(since)
    ids = list(sendable.order_by("pk").values_list("pk", flat=True)[:rows])
    log(f"Seeded {seeder.n} cases and referrals in {time.monotonic() - began:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # the planner's statistics, as autovacuum keeps them on a server in use
    return ids


def mix(ids: list[int]) -> list[tuple[str, str, str, int]]:
    """Return (kind, recipient, channel, count) of the seeded rows."""
    from django.db.models import Count

    from reminders.models import Reminder

    found = (
        Reminder.objects.filter(pk__in=ids)
        .values("kind", "channel", "recipient_user__role")
        .annotate(n=Count("pk"))
        .order_by("kind", "recipient_user__role", "channel")
    )
    return [(row["kind"], row["recipient_user__role"] or "participant", row["channel"], row["n"]) for row in found]


# One repetition


def make_due(ids: list[int]) -> None:
    """Put the seeded rows back as planning left them, but due: the same N rows on every repetition."""
    from django.utils import timezone

    from people.models import Notification
    from reminders.models import Reminder, ReminderStatus

    now = timezone.now()
    Reminder.objects.filter(pk__in=ids).update(
        status=ReminderStatus.PENDING, due_at=now - timedelta(minutes=5), attempts=0, claim_token=None,
        claimed_until=None, sent_at=None, last_error="", cancelled_reason="",
    )  # fmt: skip
    # Any other planned row due by tomorrow (a closed case's, an earlier run's) would be swept as well.
    Reminder.objects.filter(status__in=(ReminderStatus.PENDING, ReminderStatus.SENDING),
                            due_at__lte=now + timedelta(days=1)).exclude(pk__in=ids).update(
        status=ReminderStatus.PENDING, due_at=now + timedelta(days=365), claim_token=None, claimed_until=None,
    )  # fmt: skip
    Notification.objects.all().delete()  # the in-app notifications of one repetition, counted after it


def sweep_once(ids: list[int]) -> dict:
    """Call send_due_reminders() until a call finds nothing due; return the measurements."""
    from django.core import mail
    from django.db import connection
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext

    from people.models import Notification
    from reminders import sms
    from reminders.models import Reminder
    from reminders.sending import send_due_reminders

    make_due(ids)
    mail.outbox, sms.outbox[:] = [], []
    # Django keeps the last 9,000 queries of a connection and CaptureQueriesContext counts within
    # them: start each repetition with an empty log long enough for a sweep of 50 queries a row.
    connection.queries_log = deque(maxlen=max(connection.queries_limit, 50 * len(ids)))
    outcomes, calls = Counter(), 0
    with CaptureQueriesContext(connection) as captured:
        wall, cpu = time.perf_counter(), time.process_time()
        # One call may stop before all are sent (a cap on rows per task): the next call goes on.
        while calls < len(ids) + 1:
            calls += 1
            done = send_due_reminders()
            outcomes += done
            if not done or outcomes.total() >= len(ids):
                break
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if len(connection.queries_log) == connection.queries_log.maxlen:
        raise SystemExit(f"more than {connection.queries_log.maxlen:,} SQL queries: the count would be wrong")
    statuses = dict(Reminder.objects.filter(pk__in=ids).values_list("status").annotate(n=Count("pk")))
    return {
        "seconds": wall,
        "cpu": cpu,
        "queries": len(captured.captured_queries),
        "calls": calls,
        "outcomes": dict(outcomes),
        "statuses": statuses,
        "emails": len(mail.outbox),
        "sms": len(sms.outbox),
        "in_app": Notification.objects.count(),
    }


# The report


def report(runs: list[dict], seeded: list[tuple], rows: int) -> str:
    median = {key: statistics.median(run[key] for run in runs) for key in ("seconds", "cpu", "queries")}
    last = runs[-1]
    by_channel = Counter()
    for _, _, channel, count in seeded:
        by_channel[channel] += count
    lines = [
        f"{rows:,} due reminders, median of {len(runs)} repetitions; providers cost nothing (Django's locmem "
        "email backend, `reminders.sms.LocmemBackend`). Seconds are wall time of `send_due_reminders()`.",
        "",
        "| due rows | calls | rows/s | s per 1,000 | CPU s (this process) | SQL queries | queries/row | emails | SMS "
        "| in-app |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {rows:,} | {last['calls']} | {rows / median['seconds']:.1f} | {median['seconds'] * 1000 / rows:.2f} | "
        f"{median['cpu']:.2f} | {median['queries']:,.0f} | {median['queries'] / rows:.2f} | {last['emails']} | "
        f"{last['sms']} | {last['in_app']} |",
        "",
        "Each repetition:",
        "",
        "| # | seconds | CPU s | SQL queries | outcomes | statuses after |",
        "|---:|---:|---:|---:|---|---|",
        *(
            f"| {n} | {run['seconds']:.2f} | {run['cpu']:.2f} | {run['queries']:,} | "
            f"{', '.join(f'{k} {v}' for k, v in sorted(run['outcomes'].items()))} | "
            f"{', '.join(f'{k} {v}' for k, v in sorted(run['statuses'].items()))} |"
            for n, run in enumerate(runs, 1)
        ),
        "",
        "The rows swept (kind, recipient, channel):",
        "",
        "| kind | recipient | channel | rows |",
        "|---|---|---|---:|",
        *(f"| {kind} | {who} | {channel} | {count} |" for kind, who, channel, count in seeded),
        f"| all | | {', '.join(f'{c} {n}' for c, n in sorted(by_channel.items()))} | {sum(by_channel.values())} |",
    ]
    return "\n".join(lines)


def problems(run: dict, seeded: list[tuple], rows: int) -> list[str]:
    """Return what went wrong in a repetition: rows not sent, or messages not as many as their rows."""
    found = []
    unsent = {status: n for status, n in run["statuses"].items() if status != "sent"}
    if unsent or run["statuses"].get("sent", 0) != rows:
        found.append(f"not every row was sent: {run['statuses']} (outcomes {run['outcomes']})")
    expected = Counter()
    for _, _, channel, count in seeded:
        expected[channel] += count
    for channel, key in (("email", "emails"), ("sms", "sms"), ("in_app", "in_app")):
        if run[key] != expected[channel]:
            found.append(f"{run[key]} {key} recorded for {expected[channel]} rows of channel {channel}")
    return found


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000, help="due reminders to send")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions (the median is reported)")
    args = parser.parse_args(argv)
    check_prerequisites(parser, "a PostgreSQL database (it is migrated and seeded; a new one is best)")
    # Recording backends: the time measured is our code's and the database's, not a provider's.
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    os.environ["SMS_BACKEND"] = "reminders.sms.LocmemBackend"
    # Seeding plans rows due now (a closed case's): no worker is to be asked to sweep them meanwhile.
    os.environ["REMINDERS_NUDGE_WORKER"] = "false"
    os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "sweep-bench-only-field-key-" + "x" * 40)
    setup_django(str(Path(tempfile.gettempdir()) / "rj-sweep-static"))  # no static files are served
    prepare()
    ids = seed(args.rows)
    if len(ids) < args.rows:
        raise SystemExit(f"only {len(ids)} rows could be seeded")
    seeded = mix(ids)
    log(f"Machine: {machine()}")

    runs, failed = [], False
    for n in range(1, args.repeat + 1):
        run = sweep_once(ids)
        runs.append(run)
        log(f"repetition {n}: {run['seconds']:.2f} s, {run['queries']:,} queries, {run['calls']} call(s), "
            f"outcomes {run['outcomes']}")  # fmt: skip
        for problem in problems(run, seeded, args.rows):
            log(f"    FAILED: {problem}")
            failed = True

    print(report(runs, seeded, args.rows))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
