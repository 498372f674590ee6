"""The conferences card of the case page (templates/conferences/_case_conferences.html)."""

import html

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from cases.services import close_without_conference
from conferences import services

pytestmark = pytest.mark.django_db


def card(case, *, can_work=True) -> str:
    conferences = case.conferences.select_related("venue").prefetch_related("participants", "bookings__facilitator")
    return html.unescape(
        render_to_string(
            "conferences/_case_conferences.html", {"case": case, "conferences": conferences, "can_work": can_work}
        )
    )


def test_lists_each_conference_with_when_where_and_status(conference, facilitator, ready_case, plan):
    cancelled = services.schedule_conference(
        case=ready_case,
        by=facilitator,
        plan=plan(kind="community_circle", starts_at=conference.starts_at.replace(day=8), venue=None, address="Hall"),
        facilitators=[facilitator],
    )
    services.cancel_conference(conference=cancelled, by=facilitator, reason="Two were too many.")

    text = card(ready_case)

    assert "Victim-offender conference" in text
    assert "Wed 1 Apr 2026, 10:00–12:00" in text
    assert "Northby Community Centre" in text
    assert conference.get_absolute_url() in text
    assert cancelled.get_absolute_url() in text
    assert "Cancelled: Two were too many." in text
    assert ">Scheduled<" in text and ">Cancelled<" in text


@pytest.mark.parametrize(("can_work", "shown"), [(True, True), (False, False)])
def test_the_schedule_button_needs_a_ready_case_and_the_right_to_work_it(ready_case, can_work, shown):
    assert (reverse("conferences:schedule", args=[ready_case.pk]) in card(ready_case, can_work=can_work)) is shown


def test_no_schedule_button_in_intake_and_a_hint_instead(case):
    text = card(case)
    assert reverse("conferences:schedule", args=[case.pk]) not in text
    assert "The case must be ready" in text


def test_no_schedule_button_once_closed(ready_case, supervisor):
    close_without_conference(case=ready_case, by=supervisor, reason="Declined.")
    ready_case.refresh_from_db()
    assert reverse("conferences:schedule", args=[ready_case.pk]) not in card(ready_case)
    assert "No conference yet." in card(ready_case)


def test_a_scheduled_case_can_have_another(conference, ready_case):
    ready_case.refresh_from_db()
    assert reverse("conferences:schedule", args=[ready_case.pk]) in card(ready_case)
