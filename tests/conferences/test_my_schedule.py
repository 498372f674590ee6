"""The week schedule: a facilitator's booked conferences by day, one week at a time."""

import re

import pytest
from django.urls import reverse

from conferences import services
from tests.conferences.conftest import local, make_ready_case
from tests.helpers import page_text

pytestmark = pytest.mark.django_db

SCHEDULE = reverse("conferences:my_schedule")


@pytest.fixture
def book(officer, supervisor, plan):
    """Schedule a conference of a new case with `facilitator` at `starts_at` (an address, so venues never clash)."""

    def _book(facilitator, starts_at, **changes):
        case = make_ready_case(officer=officer, supervisor=supervisor, facilitator=facilitator)
        return services.schedule_conference(
            case=case,
            by=facilitator,
            plan=plan(starts_at=starts_at, venue=None, address=f"Room at {starts_at:%H:%M}", **changes),
            facilitators=[facilitator],
        )

    return _book


def day_blocks(response) -> dict[str, str]:
    """Return the HTML of each day row of the week, by weekday name."""
    text = page_text(response)
    rows = re.split(r'<li class="list-group-item schedule-day', text)[1:]
    return {re.search(r'<span class="fw-semibold">(\w+)</span>', row).group(1): row for row in rows}


def test_a_facilitator_sees_their_week_by_day_in_local_time(login, facilitator, other_facilitator, book):
    wednesday = book(facilitator, local(1, 10))
    # 00:30 on Thursday in London is 23:30 on Wednesday in UTC: it belongs to Thursday.
    thursday = book(facilitator, local(2, 0, 30), kind="community_circle")
    sunday_night = book(facilitator, local(5, 23, 30), duration_minutes=30)
    next_monday = book(facilitator, local(6, 0, 30))
    someone_elses = book(other_facilitator, local(1, 14))
    cancelled = book(facilitator, local(3, 9))
    services.cancel_conference(conference=cancelled, by=facilitator, reason="Withdrawn.")

    response = login(facilitator).get(SCHEDULE)

    assert response.status_code == 200
    text = page_text(response)
    assert "My schedule" in text
    assert "Week 14: 30 March – 5 April 2026 · 3 conferences" in text
    days = day_blocks(response)
    assert list(days) == ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    assert wednesday.get_absolute_url() in days["Wednesday"]
    assert "10:00–12:00" in days["Wednesday"]
    assert thursday.get_absolute_url() in days["Thursday"]
    assert "00:30–02:30" in days["Thursday"]
    assert sunday_night.get_absolute_url() in days["Sunday"]
    assert "No conferences" in days["Friday"]
    assert "Today" in days["Monday"]
    for absent in (next_monday, someone_elses, cancelled):
        assert absent.get_absolute_url() not in text


def test_weeks_are_chosen_by_iso_week_or_by_a_date(login, facilitator, book):
    later = book(facilitator, local(8, 10))

    by_week = login(facilitator).get(SCHEDULE, {"week": "2026-W15"})
    by_date = login(facilitator).get(SCHEDULE, {"start": "2026-04-09"})

    for response in (by_week, by_date):
        text = page_text(response)
        assert "6 April – 12 April 2026" in text
        assert later.get_absolute_url() in day_blocks(response)["Wednesday"]
        assert "?week=2026-W14" in text  # previous
        assert "?week=2026-W16" in text  # next
        assert "This week" in text


def test_weeks_across_a_year_end(login, facilitator):
    text = page_text(login(facilitator).get(SCHEDULE, {"week": "2026-W53"}))
    assert "28 December – 3 January 2027" in text
    assert "?week=2027-W01" in text


@pytest.mark.parametrize(
    "query",
    [
        {"week": "garbage"},
        {"week": "2026-W99"},
        {"week": "2026-W0"},
        {"week": "99999999999999999999999-W01"},
        {"week": "0001-W01"},
        {"week": "9999-W52"},
        {"start": "2026-13-01"},
        {"start": "0001-01-01"},
        {"start": "'; drop table"},
        {"facilitator": "abc"},
        {"facilitator": "99999999999999999999999"},
    ],
)
def test_nonsense_shows_this_week(login, facilitator, query):
    response = login(facilitator).get(SCHEDULE, query)

    assert response.status_code == 200
    assert "30 March – 5 April 2026" in page_text(response)


def test_an_empty_week_points_to_the_next_conference(login, facilitator, book):
    book(facilitator, local(21, 10))

    text = page_text(login(facilitator).get(SCHEDULE))

    assert "Nothing booked this week. The next conference is on Tuesday 21 April" in text
    assert "?week=2026-W17" in text


def test_a_supervisor_sees_everyone_or_chooses_a_facilitator(login, supervisor, facilitator, other_facilitator, book):
    mine = book(facilitator, local(1, 10))
    theirs = book(other_facilitator, local(1, 10))
    client = login(supervisor)

    everyone = page_text(client.get(SCHEDULE))
    chosen = client.get(SCHEDULE, {"facilitator": other_facilitator.pk, "week": "2026-W14"})

    assert "All facilitators' conferences" in everyone
    assert mine.get_absolute_url() in everyone and theirs.get_absolute_url() in everyone
    assert str(facilitator) in everyone and str(other_facilitator) in everyone
    text = page_text(chosen)
    assert f"Schedule of {other_facilitator}" in text
    assert theirs.get_absolute_url() in text
    assert mine.get_absolute_url() not in text
    assert f'<option value="{other_facilitator.pk}" selected>' in text
    assert f"facilitator={other_facilitator.pk}" in text  # kept in the week links


def test_a_facilitator_cannot_look_at_someone_elses_schedule(login, facilitator, other_facilitator, book):
    theirs = book(other_facilitator, local(1, 10))

    text = page_text(login(facilitator).get(SCHEDULE, {"facilitator": other_facilitator.pk}))

    assert "My schedule" in text
    assert theirs.get_absolute_url() not in text
    assert 'name="facilitator"' not in text


def test_a_co_facilitator_booking_shows_on_their_schedule(login, facilitator, other_facilitator, ready_case, plan):
    conference = services.schedule_conference(
        case=ready_case, by=facilitator, plan=plan(), facilitators=[facilitator, other_facilitator]
    )

    response = login(other_facilitator).get(SCHEDULE)

    assert conference.get_absolute_url() in day_blocks(response)["Wednesday"]
    assert login(other_facilitator).get(conference.get_absolute_url()).status_code == 200


def test_a_week_with_nothing_more_to_come_points_to_the_next_conference(login, facilitator, book, time_machine):
    monday = book(facilitator, local(30, 10, month=3))
    book(facilitator, local(14, 10))
    time_machine.move_to(local(30, 13, month=3), tick=False)
    client = login(facilitator)

    this_week = page_text(client.get(SCHEDULE))
    past_week = page_text(client.get(SCHEDULE, {"week": "2026-W13"}))

    assert monday.get_absolute_url() in this_week
    assert "Nothing more to come this week. The next conference is on Tuesday 14 April" in this_week
    assert "The next conference" not in past_week


def test_no_pointer_when_something_is_still_to_come(login, facilitator, book):
    book(facilitator, local(1, 10))
    book(facilitator, local(14, 10))

    assert "The next conference" not in page_text(login(facilitator).get(SCHEDULE))
