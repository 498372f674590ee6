"""Training's reminders: before an accreditation expires, when it lapses, and a session's invitations.

Through the training services and the real sweep, on the reminders' frozen clock (Monday 30 March
2026, 09:00 in London). Fran Ford is a facilitator with no accreditation yet, ready to be granted
one for victim-offender conferences: a foundation course passed and two observed conferences.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from people.models import Notification
from reminders import sending
from reminders.models import Reminder, ReminderKind, ReminderStatus
from rjcases.workflow import accreditation_changed
from tests.factories import UserFactory
from tests.reminders.conftest import LONDON, NOW, sweep
from training import services as training
from training.models import (
    Accreditation,
    AccreditationStatus,
    Attendance,
    ConferenceKind,
    Course,
    CourseKind,
    Level,
    Observation,
    Result,
    TrainingSession,
)
from training.tasks import lapse_accreditations

pytestmark = pytest.mark.django_db

Kind = ReminderKind
VO = ConferenceKind.VICTIM_OFFENDER
GRANTED_ON = NOW.date()
EXPIRES_ON = date(2028, 3, 30)  # 24 months
RENEWED_EXPIRY = date(2030, 3, 30)


def morning(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time().replace(hour=9), tzinfo=LONDON)


def plan(accreditation, **filters) -> set[tuple]:
    """Return (variant, recipient, channel, due_at) of the accreditation's planned reminders."""
    rows = Reminder.objects.filter(accreditation=accreditation, status=ReminderStatus.PENDING, **filters)
    return {
        (r.variant, r.recipient_user.username if r.recipient_user_id else "supervisors", r.channel, r.due_at)
        for r in rows
    }


def expiry_plan(expires_on: date, days=(60, 30, 7)) -> set[tuple]:
    return {
        (f"{n}d", who, channel, morning(expires_on - timedelta(days=n)))
        for n in days
        for who in ("fran", "supervisors")
        for channel in ("in_app", "email")
    }


def passed(user, course, *, on: date, by) -> Attendance:
    """Record `user` as having passed `course` on `on` (a session held that day)."""
    session = TrainingSession.objects.create(
        course=course,
        starts_at=datetime.combine(on, datetime.min.time().replace(hour=10), tzinfo=LONDON),
        trainer="Pat Trainer",
        capacity=12,
        place="Room 1, Northby Police Station",
        created_by=by,
        status="held",
    )
    return Attendance.objects.create(
        session=session, user=user, invited_by=by, attended=True, completed_on=on, result=Result.PASSED
    )


@pytest.fixture
def fran(supervisor):
    fran = UserFactory(username="fran", first_name="Fran", last_name="Ford", facilitator=True, accredited=False)
    course = Course.objects.create(
        title="Facilitator foundation",
        kind=CourseKind.FACILITATOR_FOUNDATION,
        hours=Decimal("30"),
        qualifies_for=[VO],
    )
    passed(fran, course, on=NOW.date() - timedelta(days=60), by=supervisor)
    for weeks in (2, 4):
        training.record_observation(
            facilitator=fran,
            by=supervisor,
            conference_kind=VO,
            observed_on=NOW.date() - timedelta(weeks=weeks),
            judgement=Observation.Judgement.COMPETENT,
        )
    return fran


@pytest.fixture
def accreditation(fran, supervisor) -> Accreditation:
    return training.grant_accreditation(facilitator=fran, by=supervisor, conference_kind=VO, level=Level.ACCREDITED)


@pytest.fixture
def cpd_done(fran, supervisor):
    """Twelve hours of refresher training passed in the first year: enough to renew."""
    refresher = Course.objects.create(title="Refresher", kind=CourseKind.REFRESHER, hours=Decimal("12"))
    return passed(fran, refresher, on=date(2027, 3, 1), by=supervisor)


def emails_to(mailoutbox, address: str) -> list:
    return [e for e in mailoutbox if e.to == [address]]


def training_record_url(user) -> str:
    return "https://rj.example.org" + reverse("training:person", args=[user.pk])


# Accreditation expiry ---------------------------------------------------------------------------


def test_a_grant_plans_three_reminders_before_the_expiry_to_the_facilitator_and_supervisors(accreditation):
    assert accreditation.expires_on == EXPIRES_ON
    assert plan(accreditation) == expiry_plan(EXPIRES_ON)
    # 60, 30 and 7 days before 30 March 2028, a leap year: 09:00 on 30 January, 29 February, 23 March.
    assert {r.due_at.date() for r in accreditation.reminders.all()} == {
        date(2028, 1, 30),
        date(2028, 2, 29),
        date(2028, 3, 23),
    }


def test_planning_again_makes_no_duplicates(accreditation, fran, supervisor):
    before = list(accreditation.reminders.order_by("pk").values_list("pk", "key", "due_at", "status"))

    accreditation_changed.send(sender=Accreditation, accreditation=accreditation)
    with pytest.raises(training.InvalidTransition):  # granted twice: refused, and nothing planned
        training.grant_accreditation(facilitator=fran, by=supervisor, conference_kind=VO, level=Level.ACCREDITED)

    assert list(accreditation.reminders.order_by("pk").values_list("pk", "key", "due_at", "status")) == before
    assert len(before) == 12


def test_the_reminder_says_what_expires_when_and_what_renewal_needs(
    accreditation, cpd_done, fran, supervisor, time_machine, mailoutbox
):
    url = training_record_url(fran)
    time_machine.move_to(morning(date(2028, 1, 30)), tick=False)

    outcome = sweep()

    assert outcome == {"sent": 2 + 2, "fanned out": 2}  # Fran in app and by email; the supervisor's copies
    [email] = emails_to(mailoutbox, fran.email)
    assert email.subject == "Your accreditation for victim-offender conferences expires on Thu 30 Mar 2028"
    assert "(Accredited level) expires on Thu 30 Mar 2028, in 60 days." in email.body
    assert "From that day you cannot lead victim-offender conferences until it is renewed." in email.body
    assert (
        "To renew it, 12 hours of CPD training are needed in this period (since Mon 30 Mar 2026): 12 done so far."
        in email.body
    )
    assert f"Open the training record: {url}" in email.body
    [to_supervisor] = emails_to(mailoutbox, supervisor.email)
    assert (
        to_supervisor.subject == "Fran Ford’s accreditation for victim-offender conferences expires on Thu 30 Mar 2028"
    )
    assert "From that day Fran Ford cannot lead victim-offender conferences" in to_supervisor.body
    assert set(Notification.objects.values_list("user__username", flat=True)) == {"fran", "supervisor"}
    assert sweep() == {}  # sent once


def test_a_renewal_cancels_the_old_expiry_reminders_and_plans_the_new_ones(
    accreditation, cpd_done, supervisor, time_machine
):
    time_machine.move_to(morning(date(2028, 2, 1)), tick=False)
    sweep()  # the 60-day reminders went out on 30 January
    sent = accreditation.reminders.filter(status=ReminderStatus.SENT).values_list("variant", flat=True)
    assert set(sent) == {"60d"}

    renewed = training.renew_accreditation(accreditation=accreditation, by=supervisor)

    assert renewed.expires_on == RENEWED_EXPIRY
    assert plan(accreditation) == expiry_plan(RENEWED_EXPIRY)
    old = accreditation.reminders.filter(key__contains=":2028-03-30:").exclude(key__regex=r":u[0-9]+$")
    assert {(r.variant, r.status) for r in old} == {("60d", "sent"), ("30d", "cancelled"), ("7d", "cancelled")}
    assert set(old.filter(status="cancelled").values_list("cancelled_reason", flat=True)) == {
        "Renewed or granted again: it now expires on 2030-03-30."
    }


def test_after_a_renewal_nothing_is_sent_for_the_old_date(
    accreditation, cpd_done, fran, supervisor, time_machine, mailoutbox
):
    training_record_url(fran)
    time_machine.move_to(morning(date(2028, 2, 1)), tick=False)
    training.renew_accreditation(accreditation=accreditation, by=supervisor)
    mailoutbox.clear()

    for day in (date(2028, 2, 29), date(2028, 3, 23), date(2028, 3, 30)):
        time_machine.move_to(morning(day), tick=False)
        assert sweep() == {}
    time_machine.move_to(morning(date(2030, 1, 29)), tick=False)
    sweep()

    assert [e.subject for e in emails_to(mailoutbox, fran.email)] == [
        "Your accreditation for victim-offender conferences expires on Sat 30 Mar 2030"
    ]


def test_a_reminder_claimed_as_the_accreditation_is_renewed_is_dropped_not_sent(
    accreditation, cpd_done, supervisor, time_machine, mailoutbox
):
    time_machine.move_to(morning(date(2028, 1, 30)), tick=False)
    sweep()
    mailoutbox.clear()
    time_machine.move_to(morning(date(2028, 2, 29)), tick=False)
    token, claimed = sending.claim_due()  # a sweep takes the 30-day reminders...
    assert len(claimed) == 4
    training.renew_accreditation(accreditation=accreditation, by=supervisor)  # ...as a supervisor renews

    outcome = sending.send_batch(token, claimed, sending.ReminderSettings.current())

    assert outcome == {"cancelled": 4}
    assert mailoutbox == []
    reasons = Reminder.objects.filter(pk__in=claimed).values_list("cancelled_reason", flat=True)
    assert set(reasons) == {"The accreditation was renewed or granted again."}


def test_a_lapse_by_the_clock_cancels_what_was_unsent_and_tells_once(
    accreditation, fran, supervisor, time_machine, mailoutbox
):
    training_record_url(fran)
    time_machine.move_to(morning(date(2028, 1, 30)), tick=False)
    sweep()  # the 60-day reminders; then no sweep ran until the day it expires (the worker was down)
    mailoutbox.clear()
    time_machine.move_to(morning(EXPIRES_ON) - timedelta(hours=8), tick=False)  # 01:00, the task runs

    assert training.lapse_accreditations() == 1
    assert training.lapse_accreditations() == 0

    accreditation.refresh_from_db()
    assert (accreditation.status, accreditation.lapsed_on) == (AccreditationStatus.LAPSED, EXPIRES_ON)
    unsent = accreditation.reminders.filter(kind=Kind.ACCREDITATION_EXPIRING).exclude(variant="60d")
    assert set(unsent.values_list("status", "cancelled_reason")) == {("cancelled", "The accreditation lapsed.")}
    sweep()
    [email] = emails_to(mailoutbox, fran.email)
    assert email.subject == "Your accreditation for victim-offender conferences has lapsed"
    assert "expired on Thu 30 Mar 2028 and has lapsed." in email.body
    assert (
        "From today you cannot lead or co-facilitate victim-offender conferences until a supervisor grants it again."
        in email.body
    )
    assert [e.subject for e in emails_to(mailoutbox, supervisor.email)] == [
        "Fran Ford’s accreditation for victim-offender conferences has lapsed"
    ]
    accreditation_changed.send(sender=Accreditation, accreditation=accreditation)
    assert sweep() == {}
    assert len(mailoutbox) == 2


def test_a_lapse_cancels_the_expiry_reminders_still_to_come(accreditation, time_machine):
    time_machine.move_to(morning(date(2028, 3, 1)), tick=False)
    training.lapse_accreditations(today=EXPIRES_ON)  # marked early, as a test of the cancellation

    rows = accreditation.reminders.filter(kind=Kind.ACCREDITATION_EXPIRING)
    assert set(rows.filter(variant="7d").values_list("status", "cancelled_reason")) == {
        ("cancelled", "The accreditation lapsed.")
    }
    assert plan(accreditation) == {
        ("", who, channel, morning(date(2028, 3, 1)))
        for who in ("fran", "supervisors")
        for channel in ("in_app", "email")
    }


def test_a_lapse_notice_claimed_as_it_is_granted_again_is_dropped(accreditation, fran, supervisor, time_machine):
    time_machine.move_to(morning(EXPIRES_ON), tick=False)
    training.lapse_accreditations()
    token, claimed = sending.claim_due()  # a sweep takes the lapse notices...
    foundation = Course.objects.get(title="Facilitator foundation")
    passed(fran, foundation, on=EXPIRES_ON - timedelta(days=10), by=supervisor)
    for weeks in (1, 2):
        training.record_observation(
            facilitator=fran,
            by=supervisor,
            conference_kind=VO,
            observed_on=EXPIRES_ON - timedelta(weeks=weeks),
            judgement=Observation.Judgement.COMPETENT,
        )
    training.grant_accreditation(facilitator=fran, by=supervisor, conference_kind=VO, level=Level.ACCREDITED)

    assert sending.send_batch(token, claimed, sending.ReminderSettings.current()) == {"cancelled": 4}
    assert not Notification.objects.exists()
    assert plan(accreditation) == expiry_plan(date(2030, 3, 30))


def test_the_daily_task_lapses_through_celery(accreditation, time_machine, mailoutbox):
    time_machine.move_to(morning(EXPIRES_ON), tick=False)

    assert lapse_accreditations.delay().get() == 1

    accreditation.refresh_from_db()
    assert accreditation.status == AccreditationStatus.LAPSED
    assert accreditation.reminders.filter(kind=Kind.ACCREDITATION_LAPSED).count() == 4


# Training sessions ------------------------------------------------------------------------------


@pytest.fixture
def session(supervisor) -> TrainingSession:
    course = Course.objects.create(
        title="Role-play workshop", kind=CourseKind.ROLE_PLAY, hours=Decimal("3"), qualifies_for=[VO]
    )
    first = training.SessionPlan(
        starts_at=datetime(2026, 4, 14, 10, 0, tzinfo=LONDON),
        duration_minutes=180,
        trainer="Pat Trainer",
        capacity=10,
        place="Room 1, Northby Police Station",
    )
    return training.schedule_session(course=course, by=supervisor, plan=first)


@pytest.fixture
def invitees(officer, facilitator, other_officer):
    return [officer, facilitator, other_officer]


def calendar_of(email) -> str:
    [(name, content, mimetype)] = email.attachments
    assert (name, mimetype.split(";")[0]) == ("invitation.ics", "text/calendar")
    return content.decode() if isinstance(content, bytes) else content


def test_an_invitation_is_an_email_with_the_calendar_entry_and_a_notification(
    session, supervisor, invitees, officer, mailoutbox
):
    training.invite_to_session(session=session, by=supervisor, users=invitees)

    assert sweep() == {"sent": 6}

    [email] = emails_to(mailoutbox, officer.email)
    assert email.subject == "You are invited to Role-play workshop on Tue 14 Apr 2026 at 10:00"
    assert "Where: Room 1, Northby Police Station." in email.body
    ics = calendar_of(email)
    assert f"UID:{session.uid}" in ics and "SEQUENCE:0" in ics and "CANCELLED" not in ics
    assert Notification.objects.filter(user=officer, text=email.subject).count() == 1
    training.invite_to_session(session=session, by=supervisor, users=invitees)  # already invited: no news
    assert sweep() == {}


def test_a_move_tells_everyone_invited_once_with_the_new_calendar_entry(
    session, supervisor, invitees, facilitator, mailoutbox
):
    training.invite_to_session(session=session, by=supervisor, users=invitees)
    sweep()
    mailoutbox.clear()
    new_time = training.SessionPlan(
        starts_at=datetime(2026, 4, 21, 10, 0, tzinfo=LONDON),
        duration_minutes=180,
        trainer="Pat Trainer",
        capacity=10,
        place="Room 2, Northby Police Station",
    )

    training.move_session(session=session, by=supervisor, plan=new_time)

    assert sweep() == {"sent": 6}
    assert sweep() == {}
    assert len(mailoutbox) == 3
    [email] = emails_to(mailoutbox, facilitator.email)
    assert email.subject == "Changed: Role-play workshop is now on Tue 21 Apr 2026 at 10:00"
    assert "SEQUENCE:1" in calendar_of(email)


def test_an_invitation_not_yet_sent_when_the_session_moves_goes_out_once_for_the_new_time(
    session, supervisor, officer, mailoutbox
):
    training.invite_to_session(session=session, by=supervisor, users=[officer])
    new_time = training.SessionPlan(
        starts_at=datetime(2026, 4, 21, 10, 0, tzinfo=LONDON),
        duration_minutes=60,
        trainer="Pat",
        capacity=5,
        meeting_link="https://meet.example.org/rj",
    )
    training.move_session(session=session, by=supervisor, plan=new_time)

    assert sweep() == {"sent": 2}
    assert [e.subject for e in mailoutbox] == ["You are invited to Role-play workshop on Tue 21 Apr 2026 at 10:00"]
    assert "Online: https://meet.example.org/rj." in mailoutbox[0].body


def test_a_cancellation_reaches_every_invitee_once(session, supervisor, invitees, mailoutbox):
    training.invite_to_session(session=session, by=supervisor, users=invitees)
    sweep()
    mailoutbox.clear()

    training.cancel_session(session=session, by=supervisor)
    assert sweep() == {"sent": 6}
    assert sweep() == {}

    assert sorted(e.to[0] for e in mailoutbox) == sorted(u.email for u in invitees)
    for email in mailoutbox:
        assert email.subject == "Cancelled: Role-play workshop on Tue 14 Apr 2026 at 10:00"
        assert "STATUS:CANCELLED" in calendar_of(email)
    cancelled = Notification.objects.filter(text__startswith="Cancelled:")
    assert sorted(cancelled.values_list("user", flat=True)) == sorted(u.pk for u in invitees)


def test_someone_whose_invitation_never_went_out_is_not_told_of_the_cancellation(
    session, supervisor, officer, mailoutbox
):
    training.invite_to_session(session=session, by=supervisor, users=[officer])
    training.cancel_session(session=session, by=supervisor)

    assert sweep() == {}
    assert mailoutbox == []
    assert set(session.reminders.values_list("status", "cancelled_reason")) == {
        ("cancelled", "The session was cancelled.")
    }


def test_an_invitation_email_still_being_retried_is_kept_when_its_notification_went_out(
    session, supervisor, officer, mailoutbox, time_machine, settings
):
    settings.EMAIL_BACKEND = "tests.reminders.conftest.BrokenEmailBackend"
    training.invite_to_session(session=session, by=supervisor, users=[officer])
    assert sweep() == {"sent": 1, "retried": 1}  # in the app; the email waits for its next try

    training.invite_to_session(session=session, by=supervisor, users=[supervisor])  # announces the session again
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    time_machine.shift(timedelta(minutes=3))
    sweep()

    assert [e.subject for e in emails_to(mailoutbox, officer.email)] == [
        "You are invited to Role-play workshop on Tue 14 Apr 2026 at 10:00"
    ]
