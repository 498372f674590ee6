"""Follow-ups of a closed case: the reoffending checks, their due dates, the supervisors' list and
recording an answer, on the list and on the case page."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.followups import FollowUpError, create_follow_ups, record_reoffending_check
from cases.models import CaseEvent, Consent, ConsentPurpose, ReoffendingCheck, SatisfactionSurvey
from cases.transitions import move_case
from people.models import AuditEntry, Person
from referrals import services as referral_services
from referrals.models import PartyRole
from reminders.models import ReminderSettings
from tests.cases.builders import build_world, close_prepared, closed_with_follow_ups
from tests.factories import PersonFactory, ReferralFactory, ReferralPartyFactory, UserFactory
from tests.helpers import page_text

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
# Half past midnight in summer time is still the day before in UTC: the local date counts.
CLOSED_AT = datetime(2025, 3, 31, 0, 30, tzinfo=LONDON)
LIST = reverse("cases:follow_ups")


def local(day: date, hour=10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=LONDON)


@pytest.fixture
def world(time_machine, officer, supervisor, facilitator):
    """Jamie Doyle's case, prepared and closed at CLOSED_AT, with its follow-ups."""
    return closed_with_follow_ups(
        time_machine, closed_at=CLOSED_AT, officer=officer, supervisor=supervisor, facilitator=facilitator
    )


def check_of(world, months) -> ReoffendingCheck:
    return ReoffendingCheck.objects.get(case=world.case, months=months)


def record_url(check) -> str:
    return reverse("cases:record_check", args=[check.case_id, check.pk])


def on(time_machine, day: date):
    time_machine.move_to(local(day), tick=False)


# Creating the follow-ups


def test_closing_creates_a_check_per_configured_month_from_the_local_closing_date(world):
    due = dict(ReoffendingCheck.objects.filter(case=world.case).values_list("months", "due_on"))

    assert due == {6: date(2025, 9, 30), 12: date(2026, 3, 31), 24: date(2027, 3, 31)}
    assert not ReoffendingCheck.objects.filter(recorded_at__isnull=False).exists()


@pytest.mark.parametrize(
    ("closed", "months", "due_on"),
    [
        (datetime(2025, 1, 31, 12, tzinfo=LONDON), 1, date(2025, 2, 28)),
        (datetime(2024, 1, 31, 12, tzinfo=LONDON), 1, date(2024, 2, 29)),
        (datetime(2025, 8, 31, 12, tzinfo=LONDON), 6, date(2026, 2, 28)),
        (datetime(2025, 10, 31, 23, 30, tzinfo=LONDON), 12, date(2026, 10, 31)),
        (datetime(2024, 2, 29, 9, tzinfo=LONDON), 12, date(2025, 2, 28)),
    ],
)
def test_due_dates_are_calendar_months_after_closing(time_machine, officer, supervisor, closed, months, due_on):
    ReminderSettings.objects.update_or_create(pk=1, defaults={"reoffending_months": str(months)})
    time_machine.move_to(closed - timedelta(days=3), tick=False)
    case = referral_services.accept_referral(
        referral=referral_services.submit_referral(referral=ReferralFactory(referring_officer=officer), by=officer),
        by=supervisor,
    ).case
    time_machine.move_to(closed, tick=False)
    case = move_case(case=case, method_name="close_without_conference", by=supervisor, reason="Declined.")

    checks, surveys = create_follow_ups(case=case)

    assert [(c.months, c.due_on) for c in checks] == [(months, due_on)]
    assert surveys == []


def test_creating_the_follow_ups_twice_adds_nothing(world):
    checks, surveys = create_follow_ups(case=world.case)
    again = create_follow_ups(case=world.case)

    assert again == (checks, surveys)
    assert ReoffendingCheck.objects.filter(case=world.case).count() == 3
    assert SatisfactionSurvey.objects.filter(case=world.case).count() == 1


def test_an_open_case_has_no_follow_ups_yet(case):
    with pytest.raises(FollowUpError, match="not closed"):
        create_follow_ups(case=case)
    assert not ReoffendingCheck.objects.exists()


def test_a_survey_goes_to_each_harmed_individual_who_consented_to_take_part(
    time_machine, officer, supervisor, facilitator
):
    time_machine.move_to(CLOSED_AT - timedelta(days=40), tick=False)
    world = build_world(officer=officer, supervisor=supervisor, facilitator=facilitator)
    referral = world.case.referral

    def harmed(**fields):
        return ReferralPartyFactory(
            referral=referral, role=PartyRole.HARMED, admits_responsibility=None, prior_diversions=None, **fields
        ).person

    withdrew = harmed(person=PersonFactory(first_name="Wendy", last_name="Withdrew"))
    sharing_only = harmed(person=PersonFactory(first_name="Sid", last_name="Share"))
    shop = harmed(person=PersonFactory(kind=Person.Kind.ORGANISATION, first_name="", organisation_name="Corner Shop"))
    for person, purpose in [
        (withdrew, ConsentPurpose.CONFERENCE),
        (sharing_only, ConsentPurpose.SHARE_OUTCOME),
        (shop, ConsentPurpose.CONFERENCE),
    ]:
        Consent.objects.create(
            case=world.case,
            person=person,
            purpose=purpose,
            given_by=person,
            given_on=date(2025, 2, 20),
            method="written",
            recorded_by=facilitator,
        )
    Consent.objects.filter(person=withdrew).update(withdrawn_at=CLOSED_AT - timedelta(days=2))
    time_machine.move_to(CLOSED_AT, tick=False)
    close_prepared(world, by=facilitator, supervisor=supervisor)  # Jamie and Pat consent to take part

    _, surveys = create_follow_ups(case=world.case)

    assert [s.person for s in surveys] == [world.harmed]
    assert surveys[0].sent_at is None and surveys[0].token_hash is None


# Who sees the follow-ups list


@pytest.mark.parametrize("persona", ["facilitator", "officer", "partner", "outsider"])
def test_only_supervisors_see_the_follow_ups_list(login, request, persona):
    response = login(request.getfixturevalue(persona)).get(LIST)

    assert response.status_code == 403


def test_the_follow_ups_list_needs_a_login(client):
    response = client.get(LIST)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_list_shows_due_coming_and_answered_checks(login, time_machine, world, supervisor):
    on(time_machine, date(2026, 3, 10))  # the 6-month check is due, the 12-month one in 21 days
    admin = UserFactory(username="admin", admin=True)

    response = login(admin).get(LIST)

    assert response.status_code == 200
    text = page_text(response)
    due, rest = text.split("Coming up in the next 30 days")
    assert world.case.reference in due and "6 months" in due and record_url(check_of(world, 6)) in due
    upcoming, answered = rest.split("Recently answered")
    assert "12 months" in upcoming and "31 Mar 2026" in upcoming
    assert "24 months" not in text
    assert "No check has been answered yet." in answered


def test_due_checks_are_listed_oldest_first(login, time_machine, officer, supervisor):
    cases = []
    for closed in (date(2025, 2, 10), date(2025, 1, 5), date(2025, 3, 1)):
        time_machine.move_to(local(closed), tick=False)
        cases.append(closed_case(officer, supervisor))
    on(time_machine, date(2025, 10, 1))

    text = page_text(login(supervisor).get(LIST))

    positions = [text.index(case.reference) for case in cases]
    assert positions[1] < positions[0] < positions[2]


def closed_case(officer, supervisor):
    referral = referral_services.submit_referral(referral=ReferralFactory(referring_officer=officer), by=officer)
    case = referral_services.accept_referral(referral=referral, by=supervisor).case
    case = move_case(case=case, method_name="close_without_conference", by=supervisor, reason="Declined.")
    create_follow_ups(case=case)
    return case


def test_the_list_query_count_does_not_grow_with_its_rows(client, time_machine, officer, supervisor):
    def build(count):
        time_machine.move_to(local(date(2025, 1, 15)), tick=False)
        cases = [closed_case(officer, supervisor) for _ in range(count)]
        time_machine.move_to(local(date(2025, 12, 20)), tick=False)
        for case in cases[: count // 2]:
            record_reoffending_check(
                check=case.reoffending_checks.get(months=6), by=supervisor, reoffended=False, reoffended_on=None
            )

    def queries():
        client.force_login(supervisor)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(LIST)
        assert response.status_code == 200
        return len(captured), page_text(response)

    build(2)
    few, text = queries()
    build(8)
    many, text = queries()

    assert text.count('type="submit">Record</button>') == 5 and text.count(">Correct</a>") == 5
    assert text.count("12 months") == 10  # all coming up within 30 days
    assert many == few


# Recording an answer


def answer(**fields):
    return {"reoffended": "no", "reoffended_on": "", "note": "", "back": "list", **fields}


def test_a_supervisor_records_a_check_from_the_list(login, time_machine, world, supervisor):
    on(time_machine, date(2025, 10, 6))
    check = check_of(world, 6)

    response = login(supervisor).post(record_url(check), answer(note="Police records checked."), follow=True)

    assert response.redirect_chain[-1][0] == LIST
    assert f"The 6-month reoffending check of case {world.case} is recorded." in page_text(response)
    check.refresh_from_db()
    assert (check.reoffended, check.reoffended_on, check.note) == (False, None, "Police records checked.")
    assert check.recorded_by == supervisor and check.recorded_at == local(date(2025, 10, 6))
    event = CaseEvent.objects.filter(case=world.case).latest("pk")
    assert (event.kind, event.summary, event.actor) == ("note", "6-month reoffending check recorded.", supervisor)
    audit = AuditEntry.objects.filter(object_type="cases.reoffendingcheck", object_id=str(check.pk)).latest("pk")
    assert (audit.action, audit.actor, audit.detail) == (
        "change",
        supervisor,
        "fields: "
        + ",".join(sorted(["note", "offences", "recorded_at", "recorded_by", "reoffended", "reoffended_on"])),
    )
    assert world.case.reference in page_text(response).split("Recently answered")[1]


def test_a_re_arrest_is_recorded_with_its_date_from_the_case_page(login, time_machine, world, supervisor):
    on(time_machine, date(2025, 10, 6))
    check = check_of(world, 6)
    data = answer(reoffended="yes", reoffended_on="2025-07-14", back="case")

    response = login(supervisor).post(record_url(check), data)

    assert response.status_code == 302
    assert response.url == f"{world.case.get_absolute_url()}#follow-ups"
    check.refresh_from_db()
    assert (check.reoffended, check.reoffended_on) == (True, date(2025, 7, 14))


def test_an_answer_can_be_corrected(login, time_machine, world, supervisor):
    on(time_machine, date(2025, 10, 6))
    check = check_of(world, 6)
    record_reoffending_check(check=check, by=supervisor, reoffended=False, reoffended_on=None)
    other = UserFactory(username="second_supervisor")
    on(time_machine, date(2025, 11, 2))
    client = login(other)
    form = page_text(client.get(record_url(check)))
    assert "Recorded by" in form and "saving replaces that answer" in form

    client.post(record_url(check), answer(reoffended="yes", reoffended_on="2025-10-20"))

    check.refresh_from_db()
    assert (check.reoffended, check.reoffended_on, check.recorded_by) == (True, date(2025, 10, 20), other)
    assert CaseEvent.objects.filter(case=world.case).latest("pk").summary == "6-month reoffending check corrected."


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (answer(reoffended="yes"), "Give the date of the re-arrest."),
        (
            answer(reoffended="yes", reoffended_on="2025-03-30"),
            "The date cannot be before the case closed (31 Mar 2025).",
        ),
        (answer(reoffended="yes", reoffended_on="2025-10-07"), "The date cannot be in the future."),
        (answer(reoffended="no", reoffended_on="2025-06-01"), "Leave the date empty when there was no re-arrest."),
        (answer(reoffended="yes", reoffended_on="14/07/2025x"), "Enter a valid date."),
        (answer(reoffended="perhaps"), "Select a valid choice."),
        (answer(reoffended=None), "Say whether they were re-arrested."),
        (answer(note="x" * 5001), "Ensure this value has at most 5000 characters"),
    ],
)
def test_a_wrong_answer_is_refused_with_a_reason(login, time_machine, world, supervisor, data, error):
    on(time_machine, date(2025, 10, 6))
    check = check_of(world, 6)

    response = login(supervisor).post(record_url(check), {k: v for k, v in data.items() if v is not None})

    assert response.status_code == 400
    assert error in page_text(response)
    check.refresh_from_db()
    assert not check.is_answered


def test_a_check_not_due_yet_cannot_be_answered(login, time_machine, world, supervisor):
    on(time_machine, date(2025, 10, 6))
    check = check_of(world, 12)

    response = login(supervisor).post(record_url(check), answer())

    assert response.status_code == 400
    assert "This check is not due until 31 Mar 2026: it cannot be answered yet." in page_text(response)
    check.refresh_from_db()
    assert not check.is_answered
    with pytest.raises(FollowUpError, match="not due until"):
        record_reoffending_check(check=check, by=supervisor, reoffended=False, reoffended_on=None)


@pytest.mark.parametrize("persona", ["facilitator", "officer", "partner", "outsider"])
def test_only_supervisors_record_a_check(login, request, time_machine, world, persona):
    on(time_machine, date(2025, 10, 6))
    check = check_of(world, 6)
    client = login(request.getfixturevalue(persona))

    assert client.get(record_url(check)).status_code == 403
    assert client.post(record_url(check), answer()).status_code == 403
    check.refresh_from_db()
    assert not check.is_answered


def test_the_service_refuses_a_non_supervisor(time_machine, world, facilitator):
    on(time_machine, date(2025, 10, 6))

    with pytest.raises(PermissionDenied):
        record_reoffending_check(check=check_of(world, 6), by=facilitator, reoffended=False, reoffended_on=None)


def test_a_check_is_found_only_through_its_own_case(login, time_machine, world, officer, supervisor):
    on(time_machine, date(2025, 10, 6))
    other = closed_case(officer, supervisor)
    url = reverse("cases:record_check", args=[other.pk, check_of(world, 6).pk])

    assert login(supervisor).post(url, answer()).status_code == 404


# The case page, the navbar and the home page


def test_the_case_page_shows_the_checks_and_lets_a_supervisor_record(login, time_machine, world, supervisor):
    on(time_machine, date(2025, 10, 6))

    text = page_text(login(supervisor).get(world.case.get_absolute_url()))

    panel = text.split('id="follow-ups"')[1]
    assert "Reoffending checks" in panel and "due 30 Sep 2025" in panel and "due 31 Mar 2026" in panel
    assert record_url(check_of(world, 6)) in panel
    assert record_url(check_of(world, 12)) not in panel  # not due yet
    assert 'name="back" value="case"' in panel


def test_the_case_facilitator_sees_the_answers_but_cannot_record(login, time_machine, world, supervisor, facilitator):
    on(time_machine, date(2025, 10, 6))
    record_reoffending_check(
        check=check_of(world, 6), by=supervisor, reoffended=True, reoffended_on=date(2025, 8, 1), note="Theft."
    )

    text = page_text(login(facilitator).get(world.case.get_absolute_url()))

    panel = text.split('id="follow-ups"')[1]
    assert "Re-arrested on 1 Aug 2025" in panel and "Theft." in panel
    assert f"cases/{world.case.pk}/reoffending-checks" not in panel


def test_an_open_case_has_no_follow_ups_panel(login, supervisor, case):
    assert 'id="follow-ups"' not in page_text(login(supervisor).get(case.get_absolute_url()))


def test_the_navbar_and_home_count_the_due_checks_for_supervisors(login, time_machine, world, supervisor, facilitator):
    on(time_machine, date(2026, 4, 2))  # the 6- and 12-month checks are due

    text = page_text(login(supervisor).get(reverse("home")))

    assert LIST in text
    assert '2<span class="visually-hidden"> reoffending checks due</span>' in text
    assert '<div class="stat">2</div><div class="stat-label">reoffending checks due</div>' in text
    assert LIST not in page_text(login(facilitator).get(reverse("home")))


def test_the_due_checks_badge_stops_counting_at_99(login, time_machine, world, supervisor):
    on(time_machine, date(2026, 4, 2))
    check = ReoffendingCheck.objects.filter(case=world.case).first()
    ReoffendingCheck.objects.bulk_create(
        ReoffendingCheck(case=check.case, referral=check.referral, months=100 + n, due_on=check.due_on)
        for n in range(100)
    )

    text = page_text(login(supervisor).get(reverse("home")))

    assert '99+<span class="visually-hidden"> reoffending checks due</span>' in text
    assert '<div class="stat">99+</div>' in text
