"""Closing a case (completed, returned, closed without a conference) and what the referring officer sees."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import services as case_services
from cases.models import CaseEvent, CaseStatus
from conferences import services as conference_services
from people.models import Notification
from reminders.sending import send_due_reminders
from tests.cases.builders import build_world, prepare, to_monitoring
from tests.helpers import page_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(officer, supervisor, facilitator):
    return build_world(officer=officer, supervisor=supervisor, facilitator=facilitator)


def url(name, world):
    return reverse(f"cases:{name}", args=[world.case.pk])


def moves(world):
    return CaseEvent.objects.filter(case=world.case, kind="move").count()


# Completed


def test_completing_with_open_items_says_how_many_and_changes_nothing(login, world, facilitator, supervisor):
    items = to_monitoring(world, by=facilitator, supervisor=supervisor)
    conference_services.set_item_status(item=items[0], by=facilitator, status="completed")
    before = moves(world)

    response = login(facilitator).post(url("complete", world), follow=True)

    text = page_text(response)
    assert "The case cannot be completed: 1 agreement item still pending or missed." in text
    assert world.refresh().status == CaseStatus.MONITORING
    assert moves(world) == before
    assert not Notification.objects.exists()


def test_completing_a_case_whose_items_are_done(login, world, facilitator, supervisor, officer):
    items = to_monitoring(world, by=facilitator, supervisor=supervisor)
    conference_services.set_item_status(item=items[0], by=facilitator, status="completed")
    conference_services.set_item_status(item=items[1], by=supervisor, status="waived", note="Park closed.")
    client = login(facilitator)
    page = page_text(client.get(world.case.get_absolute_url()))
    assert "Every agreement item is completed or waived." in page
    assert url("complete", world) in page

    response = client.post(url("complete", world), follow=True)

    case = world.refresh()
    assert case.status == CaseStatus.COMPLETED
    assert case.closed_at is not None
    text = page_text(response)
    assert f"Case {case} completed. The referring officer is told." in text
    assert "Monitoring agreement → <strong>Completed</strong>" in text
    send_due_reminders()  # the closing planned the officer's message, due now
    assert Notification.objects.get().user == officer


def test_completing_a_case_in_intake_is_refused(login, world, facilitator):
    page = page_text(login(facilitator).get(world.case.get_absolute_url()))
    assert url("complete", world) not in page  # not offered

    response = login(facilitator).post(url("complete", world), follow=True)

    assert "cannot be completed now: its status is Intake." in page_text(response)
    assert world.refresh().status == CaseStatus.INTAKE


# Returned to the agency


def test_returning_a_case_with_a_coded_reason(login, world, facilitator, officer):
    response = login(facilitator).post(
        url("return", world),
        {"return-reason_code": "withdrew_consent", "return-note": "Jamie no longer wants to take part."},
        follow=True,
    )

    case = world.refresh()
    assert (case.status, case.return_reason) == (CaseStatus.RETURNED, "withdrew_consent")
    assert case.closing_note == "Jamie no longer wants to take part."
    text = page_text(response)
    assert f"Case {case} returned to the referring agency. The officer is told." in text
    assert "Reason:</strong> Withdrew consent" in text
    assert "Intake → <strong>Returned to agency</strong>" in text
    assert "Close the case" not in text  # nothing left to close
    send_due_reminders()
    assert Notification.objects.filter(user=officer).count() == 1


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({}, "This field is required."),
        ({"return-reason_code": "bored"}, "Select a valid choice."),
        ({"return-reason_code": "other", "return-note": " "}, "Say why, when the reason is “Other”."),
    ],
)
def test_returning_without_a_proper_reason_is_refused(login, world, facilitator, data, error):
    response = login(facilitator).post(url("return", world), data)

    assert response.status_code == 400
    text = page_text(response)
    assert error in text
    assert re.search(r"<details class=\"list-group-item\" open>\s*<summary>Return to the referring agency", text)
    assert world.refresh().status == CaseStatus.INTAKE


def test_returning_a_closed_case_is_refused_with_a_message(login, world, facilitator):
    case_services.close_without_conference(case=world.case, by=facilitator, reason="Pat declined.")
    before = moves(world)

    response = login(facilitator).post(url("return", world), {"return-reason_code": "re_arrest"}, follow=True)

    assert "cannot be returned to the agency now: its status is Closed without conference." in page_text(response)
    case = world.refresh()
    assert (case.status, case.return_reason) == (CaseStatus.CLOSED_NO_CONFERENCE, "")
    assert moves(world) == before
    send_due_reminders()
    assert Notification.objects.count() == 1  # the first closing only


# Closed without a conference


def test_closing_without_a_conference(login, world, supervisor):
    response = login(supervisor).post(
        url("close", world), {"close-reason": "Pat declined and no surrogate was available."}, follow=True
    )

    case = world.refresh()
    assert case.status == CaseStatus.CLOSED_NO_CONFERENCE
    assert case.closing_note == "Pat declined and no surrogate was available."
    assert f"Case {case} closed without a conference. The officer is told." in page_text(response)


def test_closing_without_a_reason_is_refused(login, world, facilitator):
    response = login(facilitator).post(url("close", world), {"close-reason": ""})
    assert response.status_code == 400
    assert "This field is required." in page_text(response)
    assert world.refresh().status == CaseStatus.INTAKE


def test_a_monitored_case_cannot_be_closed_without_a_conference(login, world, facilitator, supervisor):
    to_monitoring(world, by=facilitator, supervisor=supervisor)
    page = page_text(login(facilitator).get(world.case.get_absolute_url()))
    assert url("close", world) not in page
    assert url("return", world) in page

    response = login(facilitator).post(url("close", world), {"close-reason": "Too slow."}, follow=True)

    assert "cannot be closed without a conference now: its status is Monitoring agreement." in page_text(response)
    assert world.refresh().status == CaseStatus.MONITORING


# What the referring officer sees


def test_the_officer_sees_the_outcome_and_nothing_confidential(login, world, officer, facilitator, supervisor):
    prepare(world, by=facilitator, supervisor=supervisor)
    case_services.record_assessment(
        case=world.case,
        by=facilitator,
        person=world.responsible,
        will_attend=True,
        ready=True,
        risk="medium",
        notes="Lives with an older brother who was violent.",
    )
    case_services.add_note(case=world.case, by=facilitator, text="Pat is scared of retaliation.")
    case_services.return_case(
        case=world.case, by=facilitator, reason_code="non_compliance", note="Missed three appointments at home."
    )
    case = world.refresh()
    client = login(officer)

    response = client.get(case.referral.get_absolute_url())

    assert response.status_code == 200
    text = page_text(response)
    outcome = text[text.index('id="outcome"') :]
    assert "Returned to agency" in outcome
    assert f'Opened</dt><dd class="col-sm-9">{timezone.localtime(case.opened_at):%-d %B %Y}' in outcome
    assert f'Closed</dt><dd class="col-sm-9">{timezone.localtime(case.closed_at):%-d %B %Y}' in outcome
    assert "Did not comply with the agreement" in outcome
    for secret in (
        "Lives with an older brother",
        "Pat is scared of retaliation.",
        "Missed three appointments",
        "Take part in a conference",
        "Medium risk",
        "signed off",
    ):
        assert secret not in text
    # The case page itself stays closed to the officer.
    assert client.get(case.get_absolute_url()).status_code == 404


def test_an_open_case_shows_the_officer_its_status_only(login, world, officer):
    text = page_text(login(officer).get(world.case.referral.get_absolute_url()))
    outcome = text[text.index('id="outcome"') :]
    assert "Intake" in outcome
    assert "Not yet: the restorative process is under way." in outcome


def test_the_officer_is_notified_with_an_unread_badge_and_marks_all_read(
    login, world, officer, facilitator, other_officer
):
    case_services.close_without_conference(case=world.case, by=facilitator, reason="Pat is scared of retaliation.")
    send_due_reminders()
    client = login(officer)

    home = page_text(client.get("/"))

    notification = Notification.objects.get(user=officer)
    assert f"Referral {world.case.reference}: the case is closed as “Closed without conference”" in home
    assert notification.url in home
    assert "Pat is scared" not in home
    assert re.search(r'data-unread-count>1<span class="visually-hidden"> unread notification</span>', home)
    assert "Mark all as read" in home

    response = client.post(reverse("cases:notifications_read"), follow=True)

    notification.refresh_from_db()
    assert notification.read_at is not None
    text = page_text(response)
    assert "1 notification marked as read." in text
    assert "data-unread-count" not in text
    assert "Mark all as read" not in text
    assert f"Referral {world.case.reference}" in text  # still listed, as read


def test_unread_notifications_come_first(login, officer):
    older = Notification.objects.create(user=officer, text="Older, unread.")
    Notification.objects.create(user=officer, text="Newer, read.", read_at=timezone.now())
    text = page_text(login(officer).get("/"))
    assert text.index("Older, unread.") < text.index("Newer, read.")
    assert older.read_at is None


def test_marking_read_touches_only_my_notifications(login, officer, other_officer):
    mine = Notification.objects.create(user=officer, text="Mine.")
    theirs = Notification.objects.create(user=other_officer, text="Theirs.")
    login(officer).post(reverse("cases:notifications_read"))
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.read_at is not None
    assert theirs.read_at is None


def test_other_users_notifications_are_not_shown(login, officer, other_officer):
    Notification.objects.create(user=other_officer, text="For someone else.")
    text = page_text(login(officer).get("/"))
    assert "For someone else." not in text
    assert "data-unread-count" not in text


def test_marking_read_needs_a_post(login, officer):
    Notification.objects.create(user=officer, text="Mine.")
    assert login(officer).get(reverse("cases:notifications_read")).status_code == 405
    assert Notification.objects.get().read_at is None


def test_anonymous_cannot_mark_notifications_read(client, officer):
    Notification.objects.create(user=officer, text="Mine.")
    response = client.post(reverse("cases:notifications_read"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert Notification.objects.get().read_at is None


def test_the_badge_shows_on_every_page(login, officer, facilitator):
    Notification.objects.create(user=facilitator, text="A reminder.")
    Notification.objects.create(user=facilitator, text="Another.")
    text = page_text(login(facilitator).get(reverse("cases:list")))
    assert re.search(r'data-unread-count>2<span class="visually-hidden"> unread notifications</span>', text)


def test_other_officers_do_not_see_the_outcome(login, world, other_officer):
    response = login(other_officer).get(world.case.referral.get_absolute_url())
    assert response.status_code == 404


@pytest.mark.parametrize("persona", ["facilitator", "supervisor"])
def test_a_closed_case_page_shows_the_outcome(login, request, world, facilitator, persona):
    case_services.return_case(case=world.case, by=facilitator, reason_code="re_arrest", note="Arrested on 2 May.")
    text = page_text(login(request.getfixturevalue(persona)).get(world.case.get_absolute_url()))
    panel = text[text.index("Outcome</div>") :]
    assert "Reason:</strong> Re-arrested" in panel
    assert "Arrested on 2 May." in panel
    assert "Log a contact" not in text
    assert "Mark ready" not in text
