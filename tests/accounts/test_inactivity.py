"""Inactive accounts: warned 7 days before, deactivated after 90 days without sign-in, by the daily task."""

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.shortcuts import resolve_url
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from accounts import inactivity
from accounts.tasks import deactivate_inactive_accounts
from people.models import AuditEntry, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

START = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


def day(n: int) -> datetime:
    return START + timedelta(days=n)


@pytest.fixture
def run_on(time_machine):
    """Run the daily task as if on day `n` after START; return its counts."""

    def _run(n: int) -> dict:
        time_machine.move_to(day(n), tick=False)
        return deactivate_inactive_accounts.delay().get()

    return _run


@pytest.fixture
def quiet(time_machine):
    """A supervisor who signed in on day 0 and never again."""
    time_machine.move_to(START, tick=False)
    return UserFactory(username="quiet", first_name="Sam", last_name="Quinn", last_login=START)


def entries_about(user) -> list[str]:
    entries = AuditEntry.objects.filter(object_type="cases.user", object_id=str(user.pk)).order_by("pk")
    return list(entries.values_list("detail", flat=True))


def test_the_task_is_scheduled_daily():
    task = PeriodicTask.objects.get(task=deactivate_inactive_accounts.name)
    assert task.enabled and (task.interval.every, task.interval.period) == (1, "days")


def test_the_warning_goes_on_day_83_and_only_once(quiet, run_on, mailoutbox):
    assert run_on(82) == {"deactivated": 0, "warned": 0, "failed": 0}
    assert mailoutbox == []

    assert run_on(83)["warned"] == 1
    [email] = mailoutbox
    assert email.to == ["quiet@example.org"]
    assert email.from_email == settings.DEFAULT_FROM_EMAIL
    assert email.subject == "Your RJ Cases account will be deactivated from 06 Apr 2025"
    html, _ = email.alternatives[0]
    for body in (email.body, html):
        assert "Sam Quinn" in body
        assert "6 April 2025" in body
        assert "https://rj.example.org/accounts/login/" in body
        assert "sign in before then" in body
        assert "quiet@example.org" not in body and "quiet," not in body  # only the name, no account details
    quiet.refresh_from_db()
    assert quiet.is_active and quiet.inactivity_warned_at == day(83)
    assert "inactivity warning sent by email (fields: inactivity_warned_at)" in entries_about(quiet)

    assert run_on(83)["warned"] == 0
    assert run_on(89) == {"deactivated": 0, "warned": 0, "failed": 0}
    assert len(mailoutbox) == 1


def test_an_account_that_never_signed_in_counts_from_its_creation(time_machine, run_on, mailoutbox):
    time_machine.move_to(START, tick=False)
    never = UserFactory(username="never", last_login=None)
    run_on(82)
    assert mailoutbox == []
    run_on(83)
    assert [email.to for email in mailoutbox] == [["never@example.org"]]
    run_on(90)
    never.refresh_from_db()
    assert not never.is_active


def test_recently_active_service_and_inactive_accounts_are_left_alone(time_machine, run_on, mailoutbox):
    time_machine.move_to(START, tick=False)
    recent = UserFactory(username="recent", last_login=START)
    # The API's service users have no usable password: they never sign in, so never count as inactive.
    service = UserFactory(username="api-records-system", last_login=None)
    service.set_unusable_password()
    service.save(update_fields=["password"])
    gone = UserFactory(username="gone", last_login=START, is_active=False)
    time_machine.move_to(day(80), tick=False)
    User.objects.filter(pk=recent.pk).update(last_login=day(80))

    for n in (83, 90, 120):
        run_on(n)

    assert mailoutbox == []
    assert User.objects.filter(pk__in=[recent.pk, service.pk], is_active=True).count() == 2
    assert User.objects.filter(pk__in=[recent.pk, service.pk, gone.pk], inactivity_warned_at__isnull=False).count() == 0
    gone.refresh_from_db()
    assert not gone.is_active
    assert not any("inactivity" in detail or "deactivated" in detail for detail in entries_about(gone))


def test_the_account_is_deactivated_on_day_90_and_the_audit_says_why(quiet, run_on):
    run_on(83)
    assert run_on(89)["deactivated"] == 0
    quiet.refresh_from_db()
    assert quiet.is_active

    assert run_on(90)["deactivated"] == 1
    quiet.refresh_from_db()
    assert not quiet.is_active and quiet.inactivity_warned_at is None
    entry = AuditEntry.objects.filter(object_id=str(quiet.pk), detail="deactivated after 90 days without sign-in").get()
    assert entry.action == AuditEntry.Action.CHANGE and entry.object_type == "cases.user"
    assert entry.actor is None and entry.client == f"task {deactivate_inactive_accounts.name}"
    assert "fields: inactivity_warned_at,is_active" in entries_about(quiet)
    assert run_on(91)["deactivated"] == 0


def test_signing_in_after_the_warning_starts_the_count_again(quiet, run_on, client, time_machine, mailoutbox):
    run_on(83)
    time_machine.move_to(day(85), tick=False)
    client.force_login(quiet)
    quiet.refresh_from_db()
    assert quiet.inactivity_warned_at is None
    assert "inactivity warning cleared by sign-in (fields: inactivity_warned_at)" in entries_about(quiet)

    run_on(90)
    run_on(167)
    quiet.refresh_from_db()
    assert quiet.is_active and len(mailoutbox) == 1

    run_on(168)  # 83 days after the new sign-in: a new warning, and the deactivation 7 days later
    assert len(mailoutbox) == 2
    run_on(175)
    quiet.refresh_from_db()
    assert not quiet.is_active


def test_an_account_without_an_email_address_is_still_deactivated(time_machine, run_on, mailoutbox):
    time_machine.move_to(START, tick=False)
    silent = UserFactory(username="silent", email="", last_login=START)
    assert run_on(83)["warned"] == 1
    assert mailoutbox == []
    assert "inactivity warning recorded, no email address (fields: inactivity_warned_at)" in entries_about(silent)
    run_on(90)
    silent.refresh_from_db()
    assert not silent.is_active


def test_an_account_long_past_the_limit_is_warned_before_it_is_deactivated(quiet, run_on, mailoutbox):
    """As on the first run of the schedule: the notice period is given in full."""
    assert run_on(200) == {"deactivated": 0, "warned": 1, "failed": 0}
    assert "deactivated from 01 Aug 2025" in mailoutbox[0].subject  # day 207
    run_on(206)
    quiet.refresh_from_db()
    assert quiet.is_active
    run_on(207)
    quiet.refresh_from_db()
    assert not quiet.is_active


def test_a_reactivated_account_is_warned_again_before_it_is_deactivated_again(quiet, run_on, time_machine, mailoutbox):
    run_on(83)
    run_on(90)
    time_machine.move_to(day(100), tick=False)
    quiet.refresh_from_db()
    quiet.is_active = True  # an administrator reactivates it; its owner has not signed in yet
    quiet.save(update_fields=["is_active"])

    assert run_on(101) == {"deactivated": 0, "warned": 1, "failed": 0}
    assert len(mailoutbox) == 2
    run_on(107)
    quiet.refresh_from_db()
    assert quiet.is_active
    run_on(108)
    quiet.refresh_from_db()
    assert not quiet.is_active


def test_an_account_signed_in_after_it_was_picked_stays_active(quiet, run_on, time_machine, client):
    run_on(83)
    time_machine.move_to(day(90), tick=False)
    [picked] = inactivity.users_due_for_deactivation()
    client.force_login(quiet)  # signs in between the sweep's pick and its write

    assert not inactivity.deactivate_user(user=picked)
    quiet.refresh_from_db()
    assert quiet.is_active


def test_a_failed_email_leaves_the_account_unwarned_until_the_next_run(quiet, run_on, monkeypatch, mailoutbox):
    def refuse(self, fail_silently=False):
        raise ConnectionRefusedError("mail server down")

    with monkeypatch.context() as patched:
        patched.setattr(EmailMultiAlternatives, "send", refuse)
        assert run_on(83) == {"deactivated": 0, "warned": 0, "failed": 1}
    quiet.refresh_from_db()
    assert quiet.inactivity_warned_at is None
    assert not any("inactivity" in detail for detail in entries_about(quiet))

    assert run_on(84)["warned"] == 1
    assert len(mailoutbox) == 1
    run_on(90)
    quiet.refresh_from_db()
    assert quiet.is_active  # 7 days' notice from the warning that went: day 91
    run_on(91)
    quiet.refresh_from_db()
    assert not quiet.is_active


def test_the_periods_are_settings(quiet, run_on, settings, mailoutbox):
    settings.ACCOUNT_INACTIVITY_DAYS, settings.ACCOUNT_INACTIVITY_WARNING_DAYS = 30, 5
    run_on(24)
    assert mailoutbox == []
    run_on(25)
    assert len(mailoutbox) == 1
    run_on(30)
    quiet.refresh_from_db()
    assert not quiet.is_active
    assert "deactivated after 30 days without sign-in" in entries_about(quiet)


def test_an_open_session_is_refused_once_the_account_is_deactivated(time_machine, client):
    time_machine.move_to(day(90), tick=False)
    user = UserFactory(username="still_open")
    client.force_login(user)
    assert client.get(reverse("home")).wsgi_request.user.is_authenticated
    # The account is due although its session is open: as when it signed in while the sweep ran.
    User.objects.filter(pk=user.pk).update(last_login=day(0), inactivity_warned_at=day(83))

    deactivate_inactive_accounts.delay()

    response = client.get(reverse("home"))
    assert not response.wsgi_request.user.is_authenticated
    assert response.status_code == 302 and response.url.startswith(resolve_url(settings.LOGIN_URL))
