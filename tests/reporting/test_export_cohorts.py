"""The evaluation export's cohort columns, through HTTP, with a known answer for each referral.

The programme of conftest.py, plus, on 25 March 2026:
- Ada's case is completed (her items done): a direct conference the harmed party attended, an
  answered survey (4/5, heard, harm not repaired, would recommend). Re-arrested on 1 November 2026:
  the 12-month check says 1 offence, the 24-month check 3 (counts since the case closed).
- Cal, declined for risk while eligible, is the comparison group: her 6-month check says re-arrested
  on 1 July 2026, 2 offences.
- Oz fails the policy (does not admit responsibility) and is accepted with a justification.
- Wil is submitted and withdrawn.
- Shu's case holds a shuttle mediation on 26 March, everyone there.
The checks are answered on 1 April 2028, when all of them are due, and the export is taken then.
"""

import csv
import io
import zipfile
from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import followups
from cases import services as case_services
from cases.models import ReoffendingCheck
from conferences import services as conference_services
from conferences.models import Conference, ConferenceKind, ItemStatus, Venue
from referrals import services as referral_services
from referrals.models import PartyRole
from reporting.exports import SURVEY_COLUMNS
from tests.factories import PersonFactory, ReferralFactory, ReferralPartyFactory
from tests.helpers import prepare_for_conference
from tests.reporting.conftest import LONDON, LOOKED, MADE

pytestmark = pytest.mark.django_db

MARCH = {"start": "2026-03", "end": "2026-03"}
ANSWERED = datetime(2028, 4, 1, 10, 0, tzinfo=LONDON)
REARRESTED = date(2026, 11, 1)
ADULT = date(1990, 5, 6)
NEW_COLUMNS = [
    "admits_responsibility",
    "prior_diversions",
    "conference_kind_group",
    "withdrawn",
    "eligible_by_policy",
    "override",
    "harmed_party_attended",
    "reoffended_on_days_from_referral",
    "reoffended_on_days_from_closure",
    "followed_up_days_from_closure",
    "reoffences_24_months",
    "itt_eligible",
    "itt_assigned",
    "itt_treated",
    "itt_completed",
]


def csv_rows(response) -> list[dict]:
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def _referral(officer, first_name: str, **responsible):
    person = PersonFactory(first_name=first_name, last_name="Cohort", date_of_birth=ADULT)
    referral = ReferralFactory(referring_officer=officer, responsible__person=person, **responsible)
    ReferralPartyFactory(
        referral=referral,
        role=PartyRole.HARMED,
        person=PersonFactory(first_name=f"Harmed{first_name}", last_name="Cohort", date_of_birth=ADULT),
        admits_responsibility=None,
        prior_diversions=None,
    )
    referral_services.submit_referral(referral=referral, by=officer)
    return referral


def _answer(referral, months: int, **answer):
    check = ReoffendingCheck.objects.get(referral=referral, months=months)
    return followups.record_reoffending_check(check=check, **answer)


@pytest.fixture
def cohort(programme, officer, supervisor, time_machine):
    facilitator = programme.facilitator
    ada = programme.ada.case
    for item in ada.agreements.get().items.all():
        conference_services.set_item_status(item=item, by=facilitator, status=ItemStatus.COMPLETED)
    case_services.complete_case(case=ada, by=facilitator)

    oz = _referral(officer, "Oz", responsible__admits_responsibility=False, responsible__prior_diversions=2)
    referral_services.accept_referral(referral=oz, by=supervisor, justification="Admitted it at the door.")

    wil = _referral(officer, "Wil")
    referral_services.withdraw_referral(referral=wil, by=officer, reason="The shop settled it.")

    shu = _referral(officer, "Shu")
    case = referral_services.accept_referral(referral=shu, by=supervisor).case
    case_services.assign_facilitators(case=case, by=supervisor, facilitator=facilitator)
    case = prepare_for_conference(case, facilitator=facilitator, supervisor=supervisor, given_on=LOOKED.date())
    plan = conference_services.ConferencePlan(
        kind=ConferenceKind.SHUTTLE,
        starts_at=LOOKED + timedelta(days=1),
        duration_minutes=90,
        mode=Conference.Mode.IN_PERSON,
        venue=Venue.objects.create(name="Office", address="2 Road"),
    )
    conference = conference_services.schedule_conference(
        case=case, by=facilitator, plan=plan, facilitators=[facilitator]
    )
    time_machine.move_to(LOOKED + timedelta(days=1, hours=3), tick=False)
    everyone = {p.pk: True for p in conference.participants.all()}
    conference_services.hold_conference(conference=conference, by=facilitator, attended=everyone)

    time_machine.move_to(ANSWERED, tick=False)
    rearrest = {"by": supervisor, "reoffended": True, "reoffended_on": REARRESTED}
    _answer(programme.ada, 12, offences=1, **rearrest)
    _answer(programme.ada, 24, offences=3, **rearrest)
    _answer(programme.cal, 6, by=supervisor, reoffended=True, reoffended_on=date(2026, 7, 1), offences=2)
    return {"oz": oz, "wil": wil, "shu": shu}


def _by_person(rows, programme, cohort, key: str) -> dict[str, dict]:
    """Index the export's rows by first name, through the full export's names or the pseudonyms."""
    referrals = {
        "Ada": programme.ada,
        "Ben": programme.ben,
        "Cal": programme.cal,
        "Dee": programme.dee,
        "Oz": cohort["oz"],
        "Wil": cohort["wil"],
        "Shu": cohort["shu"],
    }
    found = {}
    for name, referral in referrals.items():
        person = referral.parties.get(role=PartyRole.RESPONSIBLE).person
        wanted = person.display_name if key == "responsible_party_name" else person.pseudonym.pseudonym
        (found[name],) = [row for row in rows if row[key] == wanted]
    assert len(rows) == len(found) == 7  # Eve's draft was never referred
    return found


def _columns(row, names) -> dict:
    return {name: row[name] for name in names}


EXPECTED = {
    # days: 1 Nov 2026 is 244 days after 2 March (referred) and 221 after 25 March (closed); the
    # 24-month check was due on 25 March 2028, 731 days after the closing (2028 is a leap year).
    "Ada": {
        "admits_responsibility": "yes", "prior_diversions": "0", "conference_kind_group": "direct",
        "withdrawn": "no", "eligible": "yes", "eligible_by_policy": "yes", "override": "no",
        "conference_held": "yes", "harmed_party_attended": "yes", "agreement_fulfilled": "yes",
        "reoffended_on_days_from_referral": "244", "reoffended_on_days_from_closure": "221",
        "followed_up_days_from_closure": "731", "reoffences_24_months": "3",
        "itt_eligible": "yes", "itt_assigned": "yes", "itt_treated": "yes", "itt_completed": "yes",
    },
    # Returned before any conference; its checks are not answered.
    "Ben": {
        "admits_responsibility": "yes", "prior_diversions": "0", "conference_kind_group": "",
        "withdrawn": "no", "eligible": "yes", "eligible_by_policy": "yes", "override": "no",
        "conference_held": "no", "harmed_party_attended": "", "agreement_fulfilled": "no",
        "reoffended_on_days_from_referral": "", "reoffended_on_days_from_closure": "",
        "followed_up_days_from_closure": "", "reoffences_24_months": "",
        "itt_eligible": "yes", "itt_assigned": "yes", "itt_treated": "no", "itt_completed": "no",
    },
    # Declined on 2 March: 1 July is 121 days on; the 6-month check was due 2 September, 184 days on.
    "Cal": {
        "admits_responsibility": "yes", "prior_diversions": "0", "conference_kind_group": "",
        "withdrawn": "no", "eligible": "yes", "eligible_by_policy": "yes", "override": "no",
        "conference_held": "no", "harmed_party_attended": "", "agreement_fulfilled": "no",
        "reoffended_on_days_from_referral": "121", "reoffended_on_days_from_closure": "121",
        "followed_up_days_from_closure": "184", "reoffences_24_months": "2",
        "itt_eligible": "yes", "itt_assigned": "no", "itt_treated": "no", "itt_completed": "no",
    },
    # Waiting for screening: no policy verdict, no case, and "no" (not blank) for the case's outcomes.
    "Dee": {
        "admits_responsibility": "yes", "prior_diversions": "0", "conference_kind_group": "",
        "withdrawn": "no", "eligible": "no", "eligible_by_policy": "", "override": "no",
        "consented": "no", "conference_held": "no", "harmed_party_attended": "", "agreement": "no",
        "agreement_fulfilled": "no",
        "reoffended_on_days_from_referral": "", "reoffended_on_days_from_closure": "",
        "followed_up_days_from_closure": "", "reoffences_24_months": "",
        "itt_eligible": "no", "itt_assigned": "no", "itt_treated": "no", "itt_completed": "no",
    },
    "Oz": {
        "admits_responsibility": "no", "prior_diversions": "2", "conference_kind_group": "",
        "withdrawn": "no", "eligible": "yes", "eligible_by_policy": "no", "override": "yes",
        "conference_held": "no", "harmed_party_attended": "", "agreement_fulfilled": "no",
        "itt_eligible": "yes", "itt_assigned": "yes", "itt_treated": "no", "itt_completed": "no",
    },
    "Wil": {
        "referral_status": "withdrawn", "withdrawn": "yes", "eligible": "no", "eligible_by_policy": "",
        "override": "no", "conference_held": "no", "agreement_fulfilled": "no", "harmed_party_attended": "",
        "itt_eligible": "no", "itt_assigned": "no", "itt_treated": "no", "itt_completed": "no",
    },
    # Everyone attended the shuttle mediation, but it keeps the harmed party out of the room by design.
    "Shu": {
        "conference_kind": "shuttle", "conference_kind_group": "indirect", "withdrawn": "no",
        "eligible": "yes", "eligible_by_policy": "yes", "override": "no",
        "conference_held": "yes", "harmed_party_attended": "", "agreement_fulfilled": "no",
        "itt_eligible": "yes", "itt_assigned": "yes", "itt_treated": "yes", "itt_completed": "no",
    },
}  # fmt: skip
NO_SURVEYS = dict.fromkeys(SURVEY_COLUMNS, "") | {"surveys_answered": "0"}
SURVEYS = {
    "Ada": {
        "surveys_answered": "1",
        "satisfaction_scores": "4",
        "felt_heard": "yes",
        "harm_repaired": "no",
        "would_recommend": "yes",
    }
}


def test_the_pseudonymised_export_gives_each_referral_its_cohort_columns(programme, cohort, login, supervisor):
    rows = csv_rows(login(supervisor).get(reverse("dashboard:export_csv"), MARCH))
    found = _by_person(rows, programme, cohort, "responsible_party")
    for name, expected in EXPECTED.items():
        assert _columns(found[name], expected) == expected, name
        assert _columns(found[name], SURVEY_COLUMNS) == SURVEYS.get(name, NO_SURVEYS), name


def test_eligible_is_the_policy_verdict_or_an_override_on_every_row(programme, cohort, login, supervisor):
    rows = csv_rows(login(supervisor).get(reverse("dashboard:export_csv"), MARCH))
    for row in rows:
        either = row["eligible_by_policy"] == "yes" or row["override"] == "yes"
        assert row["eligible"] == ("yes" if either else "no") == row["itt_eligible"]
        assert row["itt_assigned"] == ("yes" if row["case_status"] else "no")
        assert row["itt_treated"] == row["conference_held"]
        assert row["itt_completed"] == ("yes" if row["case_status"] == "completed" else "no")
    assert sum(row["override"] == "yes" for row in rows) == 1


def test_survey_answers_follow_the_order_of_the_harmed_pseudonyms(programme, cohort, login, supervisor):
    ada = programme.ada
    second = PersonFactory(first_name="Second", last_name="Harmed")
    ReferralPartyFactory(
        referral=ada, role=PartyRole.HARMED, person=second, admits_responsibility=None, prior_diversions=None
    )
    ada.case.surveys.create(person=second, answered_at=ANSWERED, satisfaction=2, would_recommend=False)
    # A third harmed party who never answers keeps an empty place.
    ReferralPartyFactory(
        referral=ada, role=PartyRole.HARMED, admits_responsibility=None, prior_diversions=None, person=PersonFactory()
    )
    rows = csv_rows(login(supervisor).get(reverse("dashboard:export_csv"), MARCH))
    row = _by_person(rows, programme, cohort, "responsible_party")["Ada"]
    assert len(row["harmed_parties"].split(";")) == 3
    assert _columns(row, SURVEY_COLUMNS) == {
        "surveys_answered": "2",
        "satisfaction_scores": "4;2;",
        "felt_heard": "yes;;",
        "harm_repaired": "no;;",
        "would_recommend": "yes;no;",
    }


def test_the_full_export_has_the_cohort_columns_but_no_survey_answers(programme, cohort, login, admin_user):
    client = login(admin_user)
    rows = csv_rows(client.get(reverse("dashboard:export_csv"), {**MARCH, "full": "1"}))
    assert not set(SURVEY_COLUMNS) & set(rows[0])
    found = _by_person(rows, programme, cohort, "responsible_party_name")
    for name, expected in EXPECTED.items():
        assert _columns(found[name], expected) == expected, name
    archive = zipfile.ZipFile(
        io.BytesIO(b"".join(client.get(reverse("dashboard:export_xlsx"), {**MARCH, "full": "1"}).streaming_content))
    )
    sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    strings = archive.read("xl/sharedStrings.xml").decode() if "xl/sharedStrings.xml" in archive.namelist() else ""
    assert sheet.count("<row ") == 8 and "itt_completed" in sheet + strings
    assert not any(column in sheet + strings for column in SURVEY_COLUMNS)


def test_the_cohort_columns_are_after_the_columns_they_explain(login, supervisor):
    response = login(supervisor).get(reverse("dashboard:export_csv"), MARCH)
    columns = next(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert all(column in columns for column in NEW_COLUMNS)
    assert columns.index("eligible") + 1 == columns.index("eligible_by_policy") == columns.index("override") - 1
    assert columns.index("conference_kind") + 1 == columns.index("conference_kind_group")
    assert columns.index("conference_held") + 1 == columns.index("harmed_party_attended")
    assert columns[-4:] == ["itt_eligible", "itt_assigned", "itt_treated", "itt_completed"]


def _grow(officer, supervisor, facilitator, count: int) -> None:
    """Add `count` submitted referrals: a third accepted, a third declined with an answered comparison check."""
    for n in range(count):
        referral = _referral(officer, f"Extra{n}")
        if n % 3 == 0:
            case = referral_services.accept_referral(referral=referral, by=supervisor).case
            case_services.assign_facilitators(case=case, by=supervisor, facilitator=facilitator)
        elif n % 3 == 1:
            referral_services.decline_referral(referral=referral, by=supervisor, reason_code="risk")
            check = ReoffendingCheck.objects.get(referral=referral, months=6)
            ReoffendingCheck.objects.filter(pk=check.pk).update(
                reoffended=True, reoffended_on=MADE.date() + timedelta(days=5), offences=1, recorded_at=MADE
            )


def _export_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        rows = csv_rows(client.get(reverse("dashboard:export_csv"), MARCH))
    assert rows
    return len(captured)


def test_the_export_costs_the_same_queries_whatever_the_number_of_rows(
    officer, supervisor, facilitator, login, time_machine
):
    time_machine.move_to(MADE, tick=False)
    client = login(supervisor)
    _grow(officer, supervisor, facilitator, 3)
    small = _export_queries(client)
    _grow(officer, supervisor, facilitator, 27)
    assert _export_queries(client) == small
