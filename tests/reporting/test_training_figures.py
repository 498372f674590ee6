"""The dashboard's training section and the training record export, through HTTP, with a known answer.

Looked at on 25 March 2026, filtered to March 2026. Two units:

- North: Nia (passed 25 Dec 2025), Noor (passed 25 Jul 2024), Ned (passed 25 Sep 2023: 30 months ago).
- South: Sam (passed 25 Feb 2026), Sol (assessed "not yet" in January: not trained); and Sid, trained
  but no longer active, who counts nowhere.
- March referrals: Nia 2, Noor 1, Sam 1 (4 from trained officers within 24 months); Ned 2, Sol 1 (3 from
  untrained). Nia's February referral is outside the period.
- Faye's accreditations: expiring in 10, 80 and 120 days; one lapsed 30 days ago (marked), one past
  its expiry 5 days ago (not yet marked), one lapsed 100 days ago.
"""

import csv
import io
import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from people.models import AuditEntry
from referrals import services as referral_services
from reporting.rollup import rebuild_rollup
from tests.factories import AgencyFactory, ReferralFactory, UnitFactory, UserFactory
from tests.reporting.test_pages import wilson_text
from training.models import (
    Accreditation,
    AccreditationStatus,
    Attendance,
    ConferenceKind,
    Course,
    CourseKind,
    Level,
    Result,
    TrainingSession,
)

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
TODAY = date(2026, 3, 25)
LOOKED = datetime(2026, 3, 25, 9, 0, tzinfo=LONDON)
MARCH = {"start": "2026-03", "end": "2026-03"}


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _pass(user, completed_on, *, course, by, result=Result.PASSED):
    session = TrainingSession.objects.create(
        course=course,
        starts_at=datetime.combine(completed_on, datetime.min.time(), tzinfo=LONDON),
        place="Training room",
        trainer="RJ Council",
        capacity=20,
        status="held",
        created_by=by,
    )
    return Attendance.objects.create(
        session=session, user=user, invited_by=by, attended=True, completed_on=completed_on, result=result
    )


def _refer(officer, made: datetime, time_machine, count=1):
    time_machine.move_to(made, tick=False)
    for _ in range(count):
        referral = ReferralFactory(referring_officer=officer)
        referral_services.submit_referral(referral=referral, by=officer)


def _accredit(facilitator, kind, *, expires_on, status=AccreditationStatus.CURRENT, level=Level.ACCREDITED):
    return Accreditation.objects.create(
        facilitator=facilitator,
        conference_kind=kind,
        level=level,
        status=status,
        granted_on=expires_on - timedelta(days=730),
        expires_on=expires_on,
        lapsed_on=expires_on if status == AccreditationStatus.LAPSED else None,
        cpd_hours_required=Decimal("12"),
        granted_by=facilitator,
    )


@pytest.fixture
def people(time_machine, supervisor):
    agency = AgencyFactory(name="Shire Police", code="SP")
    north, south = UnitFactory(agency=agency, name="North"), UnitFactory(agency=agency, name="South")

    def officer(name, unit, **extra):
        return UserFactory(username=name.lower(), first_name=name, last_name="Quill", officer=True, unit=unit, **extra)

    team = {
        "nia": officer("Nia", north),
        "noor": officer("Noor", north),
        "ned": officer("Ned", north),
        "sam": officer("Sam", south),
        "sol": officer("Sol", south),
        "sid": officer("Sid", south, is_active=False),
    }
    course = Course.objects.create(
        title="Restorative awareness", kind=CourseKind.OFFICER_AWARENESS, hours=Decimal("3"), valid_months=24
    )
    for name, completed_on in [
        ("nia", date(2025, 12, 25)),
        ("noor", date(2024, 7, 25)),
        ("ned", date(2023, 9, 25)),
        ("sam", date(2026, 2, 25)),
        ("sid", date(2026, 1, 10)),
    ]:
        _pass(team[name], completed_on, course=course, by=supervisor)
    _pass(team["sol"], date(2026, 1, 10), course=course, by=supervisor, result=Result.NOT_YET)
    _pass(supervisor, date(2026, 1, 10), course=course, by=supervisor)  # not an officer: not counted

    made = datetime(2026, 3, 20, 9, 0, tzinfo=LONDON)
    _refer(team["nia"], datetime(2026, 2, 20, 9, 0, tzinfo=LONDON), time_machine)  # outside the period
    for name, count in [("nia", 2), ("noor", 1), ("sam", 1), ("ned", 2), ("sol", 1)]:
        _refer(team[name], made, time_machine, count)

    time_machine.move_to(LOOKED, tick=False)
    faye = UserFactory(username="faye", first_name="Faye", last_name="Lund", facilitator=True, accredited=False)
    _accredit(faye, ConferenceKind.VICTIM_OFFENDER, expires_on=TODAY + timedelta(days=10))
    _accredit(faye, ConferenceKind.FAMILY_GROUP, expires_on=TODAY + timedelta(days=80), level=Level.SENIOR)
    _accredit(faye, ConferenceKind.COMMUNITY_CIRCLE, expires_on=TODAY + timedelta(days=120))
    _accredit(faye, ConferenceKind.PEACEMAKING_CIRCLE, expires_on=TODAY - timedelta(days=30), status="lapsed")
    _accredit(faye, ConferenceKind.SURROGATE_VICTIM, expires_on=TODAY - timedelta(days=5))
    _accredit(faye, ConferenceKind.SHUTTLE, expires_on=TODAY - timedelta(days=100), status="lapsed")
    rebuild_rollup()
    return {**team, "faye": faye, "north": north, "south": south, "course": course}


def training_section(client, **params) -> str:
    response = client.get(reverse("dashboard:index"), {**MARCH, **params})
    assert response.status_code == 200
    return response.content.decode().split('id="training-h"')[1]


def table(section: str, name: str) -> list[list[str]]:
    """Return the rows of one training table, each as its header cell and data cells."""
    html = section.split(f'data-training="{name}"')[1].split("</table>")[0].split("</thead>")[1]
    rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)
    # A cell's figure is its text before any tag: a rate's interval follows it in a block of its own.
    cells = r"<t[hd][^>]*>([^<]*)(?:<div[^>]*data-interval>.*?</div>)?</t[hd]>"
    return [[unescape(c).strip() for c in re.findall(cells, row, re.S)] for row in rows]


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_every_training_figure_of_the_known_programme(people, login, supervisor):
    section = training_section(login(supervisor))
    assert table(section, "coverage") == [
        ["SP · North", "3", "2", "66.7%"],
        ["SP · South", "2", "1", "50.0%"],
        ["All units", "5", "3", "60.0%"],
    ]
    assert table(section, "referrers") == [
        ["Trained officers", "3", "4", "1.33"],
        ["Untrained officers", "2", "3", "1.50"],
    ]
    assert table(section, "expiring") == [
        ["Faye Lund", "Victim-offender conference", "Accredited", "4 Apr 2026", "10"],
        ["Faye Lund", "Family group conference", "Senior", "13 Jun 2026", "80"],
    ]
    lapsed = section.split('data-training="lapsed">')[1].split("</p>")[0]
    assert lapsed == "2 accreditations lapsed in the last 90 days."
    assert "on or after 25 Mar 2024" in section
    assert reverse("dashboard:training_csv") in section


def test_the_trained_within_filter_changes_the_answer(people, login, supervisor):
    client = login(supervisor)
    section = training_section(client, trained_months=36)
    assert table(section, "coverage")[-1] == ["All units", "5", "4", "80.0%"]
    # 4 of 5 with its 95 % Wilson interval: 37.6 to 96.4 % (worked out in tests/reporting/test_pages.py).
    assert "37.6–96.4%" in unescape(section.split('data-training="coverage"')[1].split("</table>")[0])
    assert wilson_text(4, 5) == "37.6–96.4%"
    assert table(section, "referrers") == [
        ["Trained officers", "4", "6", "1.50"],
        ["Untrained officers", "1", "1", "1.00"],
    ]
    section = training_section(client, trained_months=6)
    assert table(section, "coverage") == [
        ["SP · North", "3", "1", "33.3%"],
        ["SP · South", "2", "1", "50.0%"],
        ["All units", "5", "2", "40.0%"],
    ]


def test_a_unit_filter_narrows_officers_and_referrals(people, login, supervisor):
    section = training_section(login(supervisor), unit=people["south"].pk)
    assert table(section, "coverage") == [["SP · South", "2", "1", "50.0%"], ["All units", "2", "1", "50.0%"]]
    assert table(section, "referrers") == [
        ["Trained officers", "1", "1", "1.00"],
        ["Untrained officers", "1", "1", "1.00"],
    ]


@pytest.mark.parametrize("value", ["7", "x", "24; drop"])
def test_a_bad_trained_within_is_a_form_error(value, people, login, supervisor):
    response = login(supervisor).get(reverse("dashboard:index"), {**MARCH, "trained_months": value})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_the_training_record_export(people, login, supervisor):
    response = login(supervisor).get(reverse("dashboard:training_csv"))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="rj-training-record-2026-03-25.csv"'
    rows = csv_rows(response)
    nia, faye = people["nia"], people["faye"]
    by_person = {}
    for row in rows:
        by_person.setdefault(row["staff_id"], []).append(row)
    # Passes only (Sol's "not yet" is not a course passed), the supervisor's and the inactive officer's included.
    courses = [r for r in rows if r["record"] == "course"]
    assert len(courses) == 6
    assert by_person[str(nia.pk)] == [
        {
            "staff_id": str(nia.pk), "role": "Police officer", "agency": "Shire Police", "unit": "North",
            "partner": "", "record": "course", "course": "Restorative awareness", "course_kind": "Officer awareness",
            "hours": "3.0", "completed_on": "2025-12-25", "result": "Passed", "accreditation_kind": "",
            "accreditation_level": "", "accreditation_status": "", "granted_on": "", "expires_on": "",
        }
    ]  # fmt: skip
    assert str(people["sol"].pk) not in by_person
    held = {r["accreditation_kind"]: r for r in by_person[str(faye.pk)]}
    assert len(held) == 6 and {r["record"] for r in held.values()} == {"accreditation"}
    assert held["Family group conference"]["accreditation_level"] == "Senior"
    assert held["Family group conference"]["expires_on"] == "2026-06-13"
    assert held["Victim-offender conference"]["accreditation_status"] == "Current"
    assert held["Surrogate-victim conference"]["accreditation_status"] == "Lapsed"  # past expiry, not yet marked
    assert held["Peacemaking circle"]["accreditation_status"] == "Lapsed"
    text = "".join(",".join(r.values()) for r in rows)
    for name in ("Nia", "Quill", "Faye", "Lund"):
        assert name not in text
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.EXPORT, detail="training record csv export", actor=supervisor
    ).exists()


def test_the_training_record_as_xlsx(people, login, supervisor):
    response = login(supervisor).get(reverse("dashboard:training_xlsx"))
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:2] == b"PK"
    assert AuditEntry.objects.filter(detail="training record xlsx export").count() == 1


@pytest.mark.parametrize("name", ["dashboard:training_csv", "dashboard:training_xlsx"])
@pytest.mark.parametrize("persona", ["officer", "unit_lead", "facilitator", "partner"])
def test_other_roles_may_not_download_the_training_record(name, persona, request, login):
    client = login(request.getfixturevalue(persona))
    assert client.get(reverse(name)).status_code == 403
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).exists()


def test_the_training_record_is_read_only(login, supervisor):
    assert login(supervisor).post(reverse("dashboard:training_csv")).status_code == 405


def _grow(supervisor, course, units: int, officers: int):
    """Add units with officers who passed, referred and (some) facilitators with expiring accreditations."""
    for u in range(units):
        unit = UnitFactory(name=f"Extra {u}")
        for o in range(officers):
            officer = UserFactory(officer=True, unit=unit)
            if o % 2:
                _pass(officer, TODAY - timedelta(days=30), course=course, by=supervisor)
            referral = ReferralFactory(referring_officer=officer)
            referral_services.submit_referral(referral=referral, by=officer)
        facilitator = UserFactory(facilitator=True, accredited=False)
        _accredit(facilitator, ConferenceKind.VICTIM_OFFENDER, expires_on=TODAY + timedelta(days=20))


def _queries(client) -> int:
    rebuild_rollup()
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("dashboard:index"), MARCH).status_code == 200
    return len(captured)


def test_the_section_costs_the_same_queries_whatever_the_size(people, login, supervisor):
    client = login(supervisor)
    small = _queries(client)
    _grow(supervisor, people["course"], units=4, officers=5)
    large = _queries(client)
    assert small == large
    assert len(table(training_section(client), "coverage")) == 2 + 4 + 1
