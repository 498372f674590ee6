"""Sending due reminders: what each channel delivers, to whom, when not, and what happens on failure.

The clock moves to the moment a reminder falls due and the periodic task runs once (`sweep()`).
"""

import inspect
from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from cases import services as case_services
from conferences import services as conference_services
from conferences.models import ItemStatus
from people.models import Notification
from referrals import services as referral_services
from reminders import planning, sending
from reminders.models import Reminder, ReminderKind, ReminderStatus, member_copy_key
from reminders.tasks import send_due_reminders, send_reminders_now
from tests.factories import ReminderFactory, UserFactory
from tests.helpers import page_text
from tests.reminders.conftest import (
    DESCRIPTION,
    HARM,
    NOW,
    conference_plan,
    days,
    local,
    sweep,
)

pytestmark = pytest.mark.django_db

Kind = ReminderKind
PENDING, SENDING, SENT = ReminderStatus.PENDING, ReminderStatus.SENDING, ReminderStatus.SENT
CANCELLED, FAILED = ReminderStatus.CANCELLED, ReminderStatus.FAILED
AT_48H = local(31, 14, 30, month=3)  # 48 hours before Robin's conference


def parts(email) -> dict[str, str]:
    """Return the decoded parts of a sent email by content type (text/plain, text/html, text/calendar)."""
    found = {}
    for part in email.message().walk():
        if not part.is_multipart():
            found[part.get_content_type()] = part.get_payload(decode=True).decode()
    return found


def emails_to(mailoutbox, address) -> list:
    return [email for email in mailoutbox if email.to == [address]]


# What each channel delivers


def test_a_staff_email_has_a_text_part_an_html_part_and_the_invitation(
    time_machine, conference, facilitator, mailoutbox
):
    time_machine.move_to(AT_48H, tick=False)

    outcome = sweep()

    assert outcome == {"sent": 6}
    [email] = emails_to(mailoutbox, facilitator.email)
    case = conference.case
    assert email.subject == f"Victim-offender conference of case {case.reference} on Thu 02 Apr 2026 at 14:30"
    body = parts(email)
    assert set(body) == {"text/plain", "text/html", "text/calendar"}
    link = f"https://rj.example.org{conference.get_absolute_url()}"
    assert f"Open the conference: {link}" in body["text/plain"]
    assert f'href="{link}"' in body["text/html"]
    assert "DTSTART:20260402T133000Z" in body["text/calendar"]
    assert f"UID:{conference.uid}@rjcases" in body["text/calendar"]
    [(name, _, mimetype)] = email.attachments
    assert (name, mimetype.split(";")[0]) == ("invitation.ics", "text/calendar")
    row = Reminder.objects.get(recipient_user=facilitator, channel="email", variant="48h")
    assert (row.status, row.sent_at, row.attempts, row.claim_token) == (SENT, AT_48H, 1, None)


def test_a_participants_email_names_no_one_else_and_says_nothing_of_the_incident(
    time_machine, conference, robin, harriet, officer, facilitator, mailoutbox
):
    time_machine.move_to(AT_48H, tick=False)

    sweep()

    [email] = emails_to(mailoutbox, "harriet.hale@example.org")
    assert email.subject == "Reminder: your restorative justice meeting on Thu 02 Apr 2026 at 14:30"
    everything = email.subject + "".join(parts(email).values())
    assert "When: Thu 02 Apr 2026 at 14:30 (about 90 minutes)." in everything
    assert "Where: Room 3, Northby Library, 5 Market Square" in everything
    assert "BEGIN:VCALENDAR" in everything
    for secret in (
        "Robin",
        "Reed",
        "robin.reed@example.org",
        "07700 900111",
        "Harriet",  # not even her own name: someone else in the household may read it
        DESCRIPTION,
        HARM,
        "perfume",
        officer.last_name,
        facilitator.last_name,
    ):
        assert secret not in everything
    assert email.cc == email.bcc == []


def test_a_text_message_goes_through_the_sms_backend(time_machine, conference, sms_outbox):
    time_machine.move_to(AT_48H, tick=False)

    sweep()

    assert sorted(message.to for message in sms_outbox) == ["07700 900111", "07700 900222"]
    for message in sms_outbox:
        assert message.body == (
            "Reminder: your restorative justice meeting on Thu 02 Apr 2026 at 14:30 "
            "When: Thu 02 Apr 2026 at 14:30 (about 90 minutes)."
        )
    assert set(Reminder.objects.filter(channel="sms", variant="48h").values_list("status", flat=True)) == {SENT}


def test_an_in_app_reminder_is_a_notification_for_the_user(time_machine, conference, facilitator, login):
    time_machine.move_to(AT_48H, tick=False)

    sweep()

    [notification] = Notification.objects.all()
    assert notification.user == facilitator
    assert notification.text.startswith("Victim-offender conference of case")
    assert notification.url == conference.get_absolute_url()
    assert notification.text in page_text(login(facilitator).get("/"))


def test_the_referring_officer_is_told_the_outcome_only(supervisor, officer, ready_case, mailoutbox):
    case_services.close_without_conference(case=ready_case, by=supervisor, reason="Harriet is scared of Robin.")

    sweep()

    [notification] = Notification.objects.filter(user=officer)
    [email] = emails_to(mailoutbox, officer.email)
    expected = f"Referral {ready_case.referral.reference}: the case is closed as “Closed without conference”"
    assert notification.text == email.subject == expected
    assert notification.url == ready_case.referral.get_absolute_url()
    assert "scared" not in email.body


def test_the_harmed_party_gets_a_working_survey_link_a_week_after_closing(
    client, time_machine, supervisor, ready_case, mailoutbox
):
    case_services.close_without_conference(case=ready_case, by=supervisor, reason="Declined.")
    time_machine.move_to(NOW + days(7), tick=False)

    sweep()

    [email] = emails_to(mailoutbox, "harriet.hale@example.org")
    assert email.subject == "How was your experience with the restorative justice programme?"
    [link] = [word for word in email.body.split() if word.startswith("https://rj.example.org/survey/")]
    response = client.get(link.removeprefix("https://rj.example.org"))
    assert response.status_code == 200
    survey = ready_case.surveys.get()
    assert survey.sent_at == NOW + days(7)


def test_a_failed_survey_email_sent_again_by_a_supervisor_goes_out(
    login, time_machine, supervisor, ready_case, mailoutbox, monkeypatch
):
    case_services.close_without_conference(case=ready_case, by=supervisor, reason="Declined.")
    time_machine.move_to(NOW + days(7), tick=False)
    reminder = Reminder.objects.get(kind=ReminderKind.SATISFACTION_SURVEY, channel="email")
    monkeypatch.setattr(sending, "_send_email", mock.Mock(side_effect=OSError("mail server down")))
    for _ in range(sending.ReminderSettings.current().max_attempts):
        sweep()
        time_machine.shift(timedelta(hours=1))
    reminder.refresh_from_db()
    assert reminder.status == "failed"
    monkeypatch.undo()

    login(supervisor).post(reverse("reminders:resend", args=[reminder.pk]))
    sweep()

    reminder.refresh_from_db()
    assert reminder.status == "sent"
    assert emails_to(mailoutbox, "harriet.hale@example.org")


# Groups: the supervisors, a partner's staff


def test_a_reminder_to_the_supervisors_reaches_each_active_supervisor(
    time_machine, submitted, supervisor, facilitator, mailoutbox
):
    colleague = UserFactory(username="supervisor2")
    UserFactory(username="retired", is_active=False)
    time_machine.move_to(NOW + days(3), tick=False)

    sweep()

    notified = set(Notification.objects.values_list("user__username", flat=True))
    assert notified == {"supervisor", "supervisor2"}
    assert sorted(email.to[0] for email in mailoutbox) == sorted([supervisor.email, colleague.email])
    subject = f"Referral {submitted.reference} has waited 3 days for screening"
    assert {email.subject for email in mailoutbox} == {subject}
    rows = Reminder.objects.filter(referral=submitted, kind=Kind.SCREENING_BACKLOG)
    assert set(rows.filter(to_supervisors=True).values_list("status", flat=True)) == {SENT}
    assert set(rows.filter(recipient_user__isnull=False).values_list("recipient_user__username", "status")) == {
        ("supervisor", SENT),
        ("supervisor2", SENT),
    }


def test_an_item_reminder_reaches_each_active_member_of_the_supervising_partner(
    time_machine, partner, outsider, facilitator, restitution, mailoutbox, sms_outbox
):
    colleague = UserFactory(username="partner2", partner_staff=True, partner=partner.partner)
    UserFactory(username="partner_gone", partner_staff=True, partner=partner.partner, is_active=False)
    time_machine.move_to(local(27, 9), tick=False)

    sweep()

    staff = Notification.objects.filter(user__role="partner")
    assert set(staff.values_list("user__username", "text")) == {
        (username, f"Due soon: restitution of case {restitution.agreement.case.reference}")
        for username in ("partner", "partner2")
    }
    assert {email.to[0] for email in mailoutbox} >= {partner.email, colleague.email}
    assert outsider.email not in {email.to[0] for email in mailoutbox}
    robin_texts = [message for message in sms_outbox if message.to == "07700 900111"]
    assert len(robin_texts) == 2  # one per item
    assert "Reminder: part of your restorative justice agreement is due on Thu 30 Apr 2026" in robin_texts[0].body


# Quiet hours


def test_an_sms_that_falls_due_in_quiet_hours_waits_until_eight(time_machine, conference, mailoutbox, sms_outbox):
    time_machine.move_to(local(31, 23, month=3), tick=False)  # the worker was down all afternoon

    sweep()

    assert len(mailoutbox) == 3  # emails go out at any hour
    assert sms_outbox == []
    texts = Reminder.objects.filter(channel="sms", variant="48h")
    assert set(texts.values_list("status", "due_at", "attempts")) == {(PENDING, local(1, 8), 0)}
    time_machine.move_to(local(1, 7, 59), tick=False)
    sweep()
    assert sms_outbox == []
    time_machine.move_to(local(1, 8), tick=False)

    sweep()

    assert len(sms_outbox) == 2
    assert set(texts.values_list("status", "attempts")) == {(SENT, 1)}


def test_an_sms_that_could_only_go_after_the_start_is_cancelled(
    time_machine, ready_case, facilitator, mailoutbox, sms_outbox
):
    # A late circle at 22:30: its 2-hour texts fall due at 20:30, but the sweep only runs at 21:30.
    conference = conference_services.schedule_conference(
        case=ready_case, by=facilitator, plan=conference_plan(local(31, 22, 30, month=3)), facilitators=[facilitator]
    )
    time_machine.move_to(local(31, 21, 30, month=3), tick=False)

    sweep()

    texts = Reminder.objects.filter(conference=conference, channel="sms", variant="2h")
    assert set(texts.values_list("status", "cancelled_reason")) == {(CANCELLED, "Only possible in quiet hours.")}
    assert sms_outbox == []
    # The invitation and the 2-hour reminder (48 hours before had passed).
    assert [e.subject.split(":")[0] for e in emails_to(mailoutbox, "robin.reed@example.org")] == [
        "You are invited to a restorative justice meeting on Tue 31 Mar 2026 at 22",
        "Reminder",
    ]


def test_quiet_hours_are_the_recipients_own(time_machine, ready_case, harriet, facilitator, sms_outbox):
    harriet.contact.time_zone = "Asia/Tokyo"  # UTC+9: 14:30 in London is 22:30 in Tokyo
    harriet.contact.save()
    conference = conference_services.schedule_conference(
        case=ready_case, by=facilitator, plan=conference_plan(local(2, 14, 30)), facilitators=[facilitator]
    )
    hers = Reminder.objects.get(conference=conference, recipient_person=harriet, channel="sms", variant="48h")
    assert hers.due_at == local(1, 0)  # 08:00 in Tokyo
    time_machine.move_to(AT_48H, tick=False)

    sweep()

    assert [message.to for message in sms_outbox] == ["07700 900111"]
    time_machine.move_to(local(1, 0), tick=False)
    sweep()
    assert [message.to for message in sms_outbox] == ["07700 900111", "07700 900222"]


def test_an_sms_without_a_phone_number_is_cancelled_not_sent(time_machine, conference, robin, sms_outbox):
    robin.contact.phone = ""
    robin.contact.save()
    time_machine.move_to(AT_48H, tick=False)

    sweep()

    assert [message.to for message in sms_outbox] == ["07700 900222"]
    text = Reminder.objects.get(recipient_person=robin, channel="sms", variant="48h")
    assert (text.status, text.cancelled_reason) == (CANCELLED, "No phone number on record.")


# Failures: retried with growing pauses, then failed and shown to the supervisors


@pytest.fixture
def broken_email(settings):
    settings.EMAIL_BACKEND = "tests.reminders.conftest.BrokenEmailBackend"
    return settings


def test_a_failing_email_is_retried_with_growing_pauses_then_failed_and_supervisors_told(
    time_machine, broken_email, supervisor, officer, ready_case, mailoutbox
):
    other = UserFactory(username="supervisor2")
    case_services.close_without_conference(case=ready_case, by=supervisor, reason="Declined.")
    email = Reminder.objects.get(kind=Kind.CASE_CLOSED, channel="email")
    moment = NOW
    for attempt, pause in enumerate([2, 4, 8, 16], start=1):
        sweep()
        email.refresh_from_db()
        moment += timedelta(minutes=pause)
        assert (email.status, email.attempts, email.due_at) == (PENDING, attempt, moment)
        assert email.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"
        time_machine.move_to(moment - timedelta(seconds=1), tick=False)
        assert sweep() == {}  # not before its time
        time_machine.move_to(moment, tick=False)

    sweep()

    email.refresh_from_db()
    assert (email.status, email.attempts, email.claim_token) == (FAILED, 5, None)
    assert email.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"
    told = Notification.objects.filter(text="A reminder could not be sent after 5 tries.")
    assert set(told.values_list("user", "url")) == {
        (supervisor.pk, reverse("reminders:failed")),
        (other.pk, reverse("reminders:failed")),
    }
    assert Reminder.objects.get(kind=Kind.CASE_CLOSED, channel="in_app").status == SENT  # the in-app one went
    assert mailoutbox == []
    time_machine.move_to(moment + days(1), tick=False)
    assert sweep() == {}  # failed for good: no more tries


@pytest.fixture
def failed_email(broken_email, time_machine, supervisor, ready_case, rules):
    rules.max_attempts = 1
    rules.save()
    case_services.close_without_conference(case=ready_case, by=supervisor, reason="Declined.")
    sweep()
    email = Reminder.objects.get(kind=Kind.CASE_CLOSED, channel="email")
    assert email.status == FAILED
    broken_email.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # the server is back
    time_machine.move_to(NOW + timedelta(hours=1), tick=False)
    return email


def test_a_supervisor_sends_a_failed_reminder_again(login, supervisor, officer, failed_email, mailoutbox):
    client = login(supervisor)
    page = page_text(client.get(reverse("reminders:failed")))
    assert "Case closed" in page
    assert "SMTPServerDisconnected: Connection unexpectedly closed" in page

    response = client.post(reverse("reminders:resend", args=[failed_email.pk]))

    assert response.status_code == 302
    failed_email.refresh_from_db()
    assert (failed_email.status, failed_email.attempts, failed_email.due_at) == (
        PENDING,
        0,
        NOW + timedelta(hours=1),
    )
    sweep()
    failed_email.refresh_from_db()
    assert (failed_email.status, failed_email.attempts, failed_email.last_error) == (SENT, 1, "")
    assert [email.to for email in mailoutbox] == [[officer.email]]
    assert "Every reminder due so far was sent." in page_text(client.get(reverse("reminders:failed")))


@pytest.mark.parametrize("persona", ["facilitator", "officer", "partner"])
def test_only_supervisors_see_and_resend_failed_reminders(request, login, persona, failed_email):
    client = login(request.getfixturevalue(persona))

    assert client.get(reverse("reminders:failed")).status_code == 403
    assert client.post(reverse("reminders:resend", args=[failed_email.pk])).status_code == 403
    failed_email.refresh_from_db()
    assert failed_email.status == FAILED


def test_only_a_failed_reminder_can_be_sent_again(login, supervisor, conference):
    planned = Reminder.objects.filter(conference=conference, kind=Kind.CONFERENCE_UPCOMING).first()

    response = login(supervisor).post(reverse("reminders:resend", args=[planned.pk]), follow=True)

    assert "Only a failed reminder can be sent again." in page_text(response)
    planned.refresh_from_db()
    assert (planned.status, planned.due_at) == (PENDING, AT_48H)


def test_one_reminder_that_breaks_does_not_hold_up_the_others(monkeypatch, submitted):
    # Composing is part of sending: a bug there is retried like a provider's error, and the batch goes on.
    broken, *others = ReminderFactory.create_batch(
        4, referral=submitted, channel="in_app", due_at=NOW - timedelta(minutes=1)
    )
    compose = sending.compose

    def compose_or_break(reminder, **kwargs):
        if reminder.pk == broken.pk:
            raise ValueError("a template could not be rendered")
        return compose(reminder, **kwargs)

    monkeypatch.setattr(sending, "compose", compose_or_break)

    outcome = sweep()

    assert outcome == {"sent": 3, "retried": 1}
    assert set(Notification.objects.values_list("user", flat=True)) == {r.recipient_user_id for r in others}
    broken.refresh_from_db()
    assert (broken.status, broken.attempts, broken.due_at) == (PENDING, 1, NOW + timedelta(minutes=2))
    assert broken.last_error == "ValueError: a template could not be rendered"


def test_a_reminder_deleted_after_its_claim_does_not_hold_up_the_others(monkeypatch, submitted):
    gone, *others = ReminderFactory.create_batch(
        3, referral=submitted, channel="in_app", due_at=NOW - timedelta(minutes=1)
    )
    claim_due = sending.claim_due

    def claim_then_delete(**kwargs):
        claimed = claim_due(**kwargs)
        Reminder.objects.filter(pk=gone.pk).delete()
        return claimed

    monkeypatch.setattr(sending, "claim_due", claim_then_delete)

    outcome = sweep()

    assert outcome == {"lost": 1, "sent": 2}
    assert set(Notification.objects.values_list("user", flat=True)) == {r.recipient_user_id for r in others}


def test_a_sweep_whose_lease_ran_out_mid_batch_leaves_the_row_to_the_sweep_that_took_it(
    time_machine, submitted, mailoutbox
):
    reminder = ReminderFactory(referral=submitted, channel="email", due_at=NOW - timedelta(minutes=1))
    token, ids = sending.claim_due()
    time_machine.shift(timedelta(seconds=settings.REMINDER_CLAIM_SECONDS + 1))  # still busy with its batch
    other_token, taken = sending.claim_due()
    rules = sending.ReminderSettings.current()

    assert taken == ids == [reminder.pk]
    assert sending.deliver(reminder.pk, token, rules) == "lost"
    assert sending.deliver(reminder.pk, other_token, rules) == "sent"
    assert len(mailoutbox) == 1


def test_replanning_leaves_the_copies_of_a_group_reminder_alone(supervisor, restitution):
    group = Reminder.objects.get(item=restitution, kind=ReminderKind.ITEM_OVERDUE, to_supervisors=True, channel="email")
    copy = ReminderFactory(
        key=member_copy_key(group.key, supervisor.pk),
        kind=group.kind,
        item=restitution,
        case=restitution.agreement.case,
        recipient_user=supervisor,
        channel="email",
        due_at=NOW,
    )

    planning.plan_item_reminders(restitution)

    copy.refresh_from_db()
    assert copy.status == PENDING


# Stale reminders: the world changed after the sweep claimed them


def claim_then(change) -> tuple[dict, list]:
    """Claim the due reminders, make `change`, then deliver what was claimed; return outcomes and ids."""
    token, ids = sending.claim_due()
    assert ids
    assert set(Reminder.objects.filter(pk__in=ids).values_list("status", flat=True)) == {SENDING}
    change()
    rules = sending.ReminderSettings.current()
    outcomes = {}
    for pk in ids:
        outcome = sending.deliver(pk, token, rules)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes, ids


def test_a_conference_cancelled_after_the_claim_is_not_reminded(
    time_machine, conference, facilitator, mailoutbox, sms_outbox
):
    time_machine.move_to(AT_48H, tick=False)

    outcomes, ids = claim_then(
        lambda: conference_services.cancel_conference(conference=conference, by=facilitator, reason="Robin is ill.")
    )

    assert outcomes == {"cancelled": 6}
    assert set(Reminder.objects.filter(pk__in=ids).values_list("status", "cancelled_reason")) == {
        (CANCELLED, "The conference was cancelled.")
    }
    assert mailoutbox == sms_outbox == []
    assert not Notification.objects.exists()


def test_a_conference_moved_after_the_claim_is_reminded_at_its_new_time_only(
    time_machine, conference, facilitator, mailoutbox
):
    time_machine.move_to(AT_48H, tick=False)

    outcomes, ids = claim_then(
        lambda: conference_services.reschedule_conference(
            conference=conference, by=facilitator, plan=conference_plan(local(9, 14, 30)), reason="Easter."
        )
    )

    assert outcomes == {"cancelled": 6}
    assert set(Reminder.objects.filter(pk__in=ids).values_list("cancelled_reason", flat=True)) == {
        "The conference was rescheduled."
    }
    assert mailoutbox == []
    new = Reminder.objects.filter(conference=conference, variant="48h", status=PENDING)
    assert set(new.values_list("due_at", flat=True)) == {local(7, 14, 30)}
    assert new.count() == 6


def test_a_consent_withdrawn_after_the_claim_stops_that_persons_reminder(
    time_machine, conference, robin, facilitator, mailoutbox
):
    time_machine.move_to(AT_48H, tick=False)
    consent = conference.case.consents.get(person=robin)

    outcomes, _ = claim_then(
        lambda: case_services.withdraw_consent(consent=consent, by=facilitator, reason="Changed his mind.")
    )

    # Robin's withdrawal also cancels the conference (he must attend): nobody is reminded.
    assert outcomes == {"cancelled": 6}
    robins = Reminder.objects.filter(recipient_person=robin, variant="48h")
    assert set(robins.values_list("cancelled_reason", flat=True)) == {"The participant's consent is no longer active."}
    assert mailoutbox == []


def test_an_item_completed_after_the_claim_is_not_reminded(
    time_machine, partner, restitution, apology, mailoutbox, sms_outbox
):
    time_machine.move_to(local(27, 9), tick=False)

    outcomes, _ = claim_then(
        lambda: conference_services.set_item_status(item=restitution, by=partner, status=ItemStatus.COMPLETED)
    )

    assert outcomes == {"cancelled": 6, "sent": 4}
    assert set(Reminder.objects.filter(item=restitution).values_list("status", flat=True)) == {CANCELLED}
    assert set(Reminder.objects.filter(item=apology, kind=Kind.ITEM_DUE_SOON).values_list("status", flat=True)) == {
        SENT
    }
    assert len(sms_outbox) == 1  # the apology letter's


# The task: no arguments, nudged after a change that plans something due now


def test_the_task_takes_no_arguments_and_beat_runs_it_every_minute():
    assert inspect.signature(send_due_reminders.run).parameters == {}
    assert send_due_reminders.name == "reminders.tasks.send_due_reminders"
    periodic = PeriodicTask.objects.get(task=send_due_reminders.name)
    assert (periodic.args, periodic.kwargs, periodic.enabled) == ("[]", "{}", True)
    assert (periodic.interval.every, periodic.interval.period) == (1, "minutes")
    assert inspect.signature(send_reminders_now.run).parameters == {}  # the nudge's and the helpers' task


def test_a_change_that_plans_a_reminder_due_now_nudges_a_worker_after_commit(
    django_capture_on_commit_callbacks, supervisor, ready_case
):
    with mock.patch.object(send_reminders_now, "delay") as delay, django_capture_on_commit_callbacks(execute=True):
        case_services.close_without_conference(case=ready_case, by=supervisor, reason="Declined.")
        delay.assert_not_called()  # not before the commit: the worker would not see the rows yet
    delay.assert_called_once_with()  # no arguments: ids and personal data stay in the database


def test_a_change_that_plans_only_later_reminders_does_not_nudge(django_capture_on_commit_callbacks, draft, officer):
    with mock.patch.object(send_reminders_now, "delay") as delay, django_capture_on_commit_callbacks(execute=True):
        referral_services.submit_referral(referral=draft, by=officer)  # the supervisors' reminder is in 3 days
    assert Reminder.objects.filter(referral=draft).exists()
    delay.assert_not_called()


def test_the_nudge_sends_what_is_due_at_once(django_capture_on_commit_callbacks, supervisor, officer, ready_case):
    with django_capture_on_commit_callbacks(execute=True):
        case_services.close_without_conference(case=ready_case, by=supervisor, reason="Declined.")

    assert Notification.objects.filter(user=officer).count() == 1
    assert set(Reminder.objects.filter(kind=Kind.CASE_CLOSED).values_list("status", flat=True)) == {SENT}
