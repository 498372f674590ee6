"""Referrals found eligible but declined are followed up for reoffending without a case: the
evaluation's comparison group (docs/dashboard.md, time to reoffence)."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.followups import record_reoffending_check
from cases.models import ReoffendingCheck
from people.models import AuditEntry
from referrals import services as referral_services
from referrals.models import DeclineReason
from reminders.models import Reminder, ReminderKind, ReminderStatus
from reminders.tasks import send_due_reminders
from tests.cases.test_followups import local, on
from tests.helpers import page_text
from tests.referrals.test_screening import submitted_referral

pytestmark = pytest.mark.django_db
LIST = reverse("cases:follow_ups")


def declined(officer, supervisor, time_machine, reason=DeclineReason.HARMED_PARTY_OBJECTS):
    time_machine.move_to(local(date(2025, 3, 31), hour=23), tick=False)
    referral = submitted_referral(officer)
    return referral_services.decline_referral(referral=referral, by=supervisor, reason_code=reason)


def test_an_eligible_referral_declined_gets_checks_from_its_local_decline_day(officer, supervisor, time_machine):
    referral = declined(officer, supervisor, time_machine)

    assert referral.eligible is True
    checks = ReoffendingCheck.objects.filter(referral=referral).order_by("months")
    assert [(c.months, c.due_on, c.case_id) for c in checks] == [
        (6, date(2025, 9, 30), None),
        (12, date(2026, 3, 31), None),
        (24, date(2027, 3, 31), None),
    ]
    assert all(c.is_comparison and c.followed_from == date(2025, 3, 31) for c in checks)


def test_a_referral_that_failed_the_policy_is_not_a_comparison(officer, supervisor, time_machine):
    time_machine.move_to(local(date(2025, 3, 31)), tick=False)
    referral = submitted_referral(officer)
    referral.prior_diversions_count = 99
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            referral_services, "evaluate_referral", lambda r: [type("R", (), {"passed": False, "as_dict": dict})()]
        )
        referral = referral_services.decline_referral(
            referral=referral, by=supervisor, reason_code=DeclineReason.NOT_ELIGIBLE
        )

    assert referral.eligible is False
    assert not ReoffendingCheck.objects.filter(referral=referral).exists()


def test_a_supervisor_answers_a_comparison_check_from_the_list(login, officer, supervisor, time_machine):
    referral = declined(officer, supervisor, time_machine)
    check = ReoffendingCheck.objects.get(referral=referral, months=6)
    url = reverse("cases:record_comparison_check", args=[check.pk])
    on(time_machine, date(2025, 10, 6))
    client = login(supervisor)

    listed = page_text(client.get(LIST))
    assert referral.reference in listed.split("Coming up")[0]
    assert "comparison" in listed
    before = client.post(url, {"reoffended": "yes", "reoffended_on": "2025-03-01", "note": ""})
    assert before.status_code == 400
    assert "The date cannot be before the referral was declined (31 Mar 2025)." in page_text(before)
    check.refresh_from_db()
    assert check.recorded_at is None

    response = client.post(
        url, {"reoffended": "yes", "reoffended_on": "2025-07-02", "offences": "2", "note": "PNC."}, follow=True
    )

    assert response.redirect_chain[-1][0] == LIST
    assert f"The 6-month reoffending check of referral {referral} is recorded." in page_text(response)
    check.refresh_from_db()
    assert (check.reoffended, check.reoffended_on, check.offences, check.recorded_by) == (
        True,
        date(2025, 7, 2),
        2,
        supervisor,
    )
    audit = AuditEntry.objects.filter(object_type="cases.reoffendingcheck", object_id=str(check.pk)).latest("pk")
    assert (audit.action, audit.actor) == ("change", supervisor)
    assert "Re-arrested 2 Jul 2025 · 2 offences" in page_text(response).split("Recently answered")[1]


def test_only_supervisors_answer_comparison_checks(login, officer, facilitator, supervisor, time_machine):
    referral = declined(officer, supervisor, time_machine)
    check = ReoffendingCheck.objects.get(referral=referral, months=6)
    url = reverse("cases:record_comparison_check", args=[check.pk])
    on(time_machine, date(2025, 10, 6))

    for user in (officer, facilitator):
        assert login(user).post(url, {"reoffended": "no"}).status_code == 403
    check.refresh_from_db()
    assert check.recorded_at is None
    case_check_url = reverse("cases:record_comparison_check", args=[check.pk + 1000])
    assert login(supervisor).get(case_check_url).status_code == 404


def test_supervisors_are_reminded_of_a_comparison_check_once_due_and_not_once_answered(
    officer, supervisor, time_machine, mailoutbox
):
    referral = declined(officer, supervisor, time_machine)
    planned = Reminder.objects.filter(referral=referral, kind=ReminderKind.REOFFENDING_CHECK, case__isnull=True)
    assert sorted({(r.variant, timezone.localdate(r.due_at)) for r in planned}) == [
        ("12m", date(2026, 3, 31)),
        ("24m", date(2027, 3, 31)),
        ("6m", date(2025, 9, 30)),
    ]

    on(time_machine, date(2025, 10, 1))
    send_due_reminders()
    six = planned.filter(variant="6m")
    assert {r.status for r in six} == {ReminderStatus.SENT}
    subjects = [m.subject for m in mailoutbox]
    assert f"6-month reoffending check due: referral {referral.reference}" in subjects

    twelve = ReoffendingCheck.objects.get(referral=referral, months=12)
    on(time_machine, date(2026, 3, 31))
    record_reoffending_check(check=twelve, by=supervisor, reoffended=False, reoffended_on=None)
    on(time_machine, date(2026, 4, 1))
    send_due_reminders()
    assert {r.status for r in planned.filter(variant="12m")} == {ReminderStatus.CANCELLED}
