"""A case built through the services, a clock that stands still, and ways to read the reminders.

Time is frozen at NOW, Monday 30 March 2026 at 09:00 in London (British Summer Time, UTC+1).
Tests move it with `time_machine.move_to()`; none sleeps. Robin Reed (adult) is the responsible
party and Harriet Hale the harmed party; both consented and have an email address and a phone.
"""

from datetime import date, datetime, timedelta
from smtplib import SMTPServerDisconnected
from zoneinfo import ZoneInfo

import pytest
from django.core.mail.backends.base import BaseEmailBackend

from cases import services as case_services
from cases.models import Case, CaseStatus
from cases.transitions import move_case
from conferences import services as conference_services
from conferences.models import Conference, ConferenceKind, ItemKind
from people.models import Person
from referrals import services as referral_services
from referrals.models import PartyRole
from reminders import sms
from reminders.models import Reminder, ReminderSettings
from reminders.tasks import send_due_reminders
from tests.factories import PersonFactory, ReferralFactory, ReferralPartyFactory
from tests.helpers import prepare_for_conference

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 3, 30, 9, 0, tzinfo=LONDON)
DESCRIPTION = "Robin took perfume from Harriet's shop on Market Street."
HARM = "Harriet was frightened and the shop lost stock worth £40."
ITEMS_DUE = date(2026, 4, 30)


def local(day: int, hour: int, minute: int = 0, *, month: int = 4) -> datetime:
    """Return the aware London time of `day` `month` 2026 at `hour`:`minute`."""
    return datetime(2026, month, day, hour, minute, tzinfo=LONDON)


@pytest.fixture(autouse=True)
def now(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW


@pytest.fixture(autouse=True)
def sms_outbox():
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


@pytest.fixture
def rules() -> ReminderSettings:
    return ReminderSettings.current()


def sweep() -> dict:
    """Run the periodic task once, as beat does, in this thread."""
    return send_due_reminders()


class BrokenEmailBackend(BaseEmailBackend):
    """An SMTP server that hangs up on every message."""

    def send_messages(self, email_messages):
        raise SMTPServerDisconnected("Connection unexpectedly closed")


# Reading the reminders


def who(reminder: Reminder) -> str:
    """Name the recipient as tests do: a username, a first name, 'supervisors' or 'partner staff'."""
    if reminder.recipient_user_id:
        return reminder.recipient_user.username
    if reminder.recipient_person_id:
        return reminder.recipient_person.first_name
    return "partner staff" if reminder.recipient_partner_id else "supervisors"


def plan_of(reminders, **filters) -> set[tuple]:
    """Return (variant, recipient, channel, due_at) of each reminder (of those matching `filters`)."""
    if filters:
        reminders = reminders.filter(**filters)
    return {(r.variant, who(r), r.channel, r.due_at) for r in reminders}


def to_staff(variant: str, user: str, due_at: datetime) -> set[tuple]:
    return {(variant, user, "in_app", due_at), (variant, user, "email", due_at)}


def to_person(variant: str, name: str, due_at: datetime, sms_at: datetime | None = None) -> set[tuple]:
    return {(variant, name, "email", due_at), (variant, name, "sms", sms_at or due_at)}


def snapshot(reminders) -> list[tuple]:
    """Return what a reminder is, for comparing before and after: every field that moves."""
    return list(reminders.order_by("pk").values_list("pk", "key", "due_at", "expires_at", "status", "attempts"))


# Building cases


def make_ready_case(*, officer, supervisor, facilitator, harmed_attends: bool = True) -> Case:
    """Open Robin's case, prepare both parties (both consent) and mark it ready."""
    referral = ReferralFactory(
        referring_officer=officer,
        description=DESCRIPTION,
        harm_description=HARM,
        responsible__person=PersonFactory(
            first_name="Robin",
            last_name="Reed",
            date_of_birth=date(1995, 6, 1),
            contact__email="robin.reed@example.org",
            contact__phone="07700 900111",
        ),
    )
    ReferralPartyFactory(
        referral=referral,
        role=PartyRole.HARMED,
        person=PersonFactory(
            first_name="Harriet",
            last_name="Hale",
            date_of_birth=date(1970, 2, 3),
            contact__email="harriet.hale@example.org",
            contact__phone="07700 900222",
        ),
        admits_responsibility=None,
        prior_diversions=None,
    )
    referral_services.submit_referral(referral=referral, by=officer)
    case = referral_services.accept_referral(referral=referral, by=supervisor).case
    case_services.assign_facilitators(case=case, by=supervisor, facilitator=facilitator)
    absent = () if harmed_attends else (PartyRole.HARMED,)
    return prepare_for_conference(
        case, facilitator=facilitator, supervisor=supervisor, given_on=NOW.date(), absent=absent
    )


def party(case: Case, role: str) -> Person:
    return case.referral.parties.get(role=role).person


@pytest.fixture
def ready_case(officer, supervisor, facilitator) -> Case:
    return make_ready_case(officer=officer, supervisor=supervisor, facilitator=facilitator)


@pytest.fixture
def robin(ready_case) -> Person:
    return party(ready_case, PartyRole.RESPONSIBLE)


@pytest.fixture
def harriet(ready_case) -> Person:
    return party(ready_case, PartyRole.HARMED)


def conference_plan(starts_at: datetime, **changes) -> conference_services.ConferencePlan:
    fields = {
        "kind": ConferenceKind.VICTIM_OFFENDER,
        "starts_at": starts_at,
        "duration_minutes": 90,
        "mode": Conference.Mode.IN_PERSON,
        "address": "Room 3, Northby Library, 5 Market Square",
        **changes,
    }
    return conference_services.ConferencePlan(**fields)


@pytest.fixture
def conference(ready_case, facilitator, mailoutbox, sms_outbox) -> Conference:
    """Robin's conference, Thursday 2 April 2026 at 14:30: reminders on Tuesday 14:30 and Thursday 12:30.

    Its invitations (one email each to Robin and Harriet, due as it is booked) are sent, and the
    outboxes emptied: the tests that use it are about what comes after."""
    conference = conference_services.schedule_conference(
        case=ready_case, by=facilitator, plan=conference_plan(local(2, 14, 30)), facilitators=[facilitator]
    )
    assert send_due_reminders() == {"sent": 2}
    mailoutbox.clear()
    sms_outbox.clear()
    return conference


def hold(case: Case, *, by) -> Case:
    """Move the case to conference held (the conference itself is not what these tests are about)."""
    case.refresh_from_db()
    if case.status == CaseStatus.READY:
        case = move_case(case=case, method_name="schedule", by=by)
    return move_case(case=case, method_name="hold_conference", by=by)


def items(*, partner_org, due: date = ITEMS_DUE) -> list[conference_services.ItemInput]:
    """Restitution supervised by `partner_org`, and an apology letter supervised by the facilitator."""
    return [
        conference_services.ItemInput(
            kind=ItemKind.RESTITUTION, description="Pay for the perfume", amount=40, due_date=due, partner=partner_org
        ),
        conference_services.ItemInput(kind=ItemKind.APOLOGY, description="Write a letter", due_date=due),
    ]


@pytest.fixture
def agreement(ready_case, facilitator, partner):
    """Robin's agreement, both items due on Thursday 30 April 2026; the case is monitored."""
    case = hold(ready_case, by=facilitator)
    return conference_services.record_agreement(case=case, by=facilitator, items=items(partner_org=partner.partner))


@pytest.fixture
def restitution(agreement):
    return agreement.items.get(kind=ItemKind.RESTITUTION)


@pytest.fixture
def apology(agreement):
    return agreement.items.get(kind=ItemKind.APOLOGY)


def days(n: int) -> timedelta:
    return timedelta(days=n)
