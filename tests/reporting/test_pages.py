"""The dashboard, the cases behind its figures, the exports and officers' feedback, through HTTP."""

import csv
import io
import math
import re
import zipfile
from html import unescape

import pytest
from django.core.cache import cache
from django.urls import reverse

from people.models import AuditEntry, ContactDetails
from referrals import services as referral_services
from reporting.report import interval_text, wilson_interval
from reporting.rollup import rebuild_rollup
from tests.factories import ReferralFactory, offence
from tests.reporting.conftest import people_names

pytestmark = pytest.mark.django_db

MARCH = {"start": "2026-03", "end": "2026-03"}
SUPERVISOR_PAGES = ["dashboard:index", "dashboard:cases", "dashboard:export_csv", "dashboard:export_xlsx"]


def drill(client, **params):
    response = client.get(reverse("dashboard:cases"), {**MARCH, **params})
    assert response.status_code == 200
    return re.findall(r"RJ-\d{4}-\d{6}", response.content.decode())


def csv_rows(response) -> list[dict]:
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


# Who may see what


@pytest.mark.parametrize("name", SUPERVISOR_PAGES)
@pytest.mark.parametrize("persona", ["officer", "unit_lead", "facilitator", "partner"])
def test_other_roles_are_refused(name, persona, request, login):
    client = login(request.getfixturevalue(persona))
    assert client.get(reverse(name), {"metric": "referred"}).status_code == 403


@pytest.mark.parametrize("name", [*SUPERVISOR_PAGES, "dashboard:feedback"])
def test_anonymous_visitors_are_sent_to_log_in(name, client):
    response = client.get(reverse(name))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize("name", SUPERVISOR_PAGES)
@pytest.mark.parametrize("persona", ["supervisor", "admin_user"])
def test_supervisors_and_admins_get_in(name, persona, request, login):
    rebuild_rollup()
    client = login(request.getfixturevalue(persona))
    assert client.get(reverse(name), {"metric": "referred"}).status_code == 200


@pytest.mark.parametrize("persona", ["supervisor", "facilitator", "partner", "admin_user"])
def test_feedback_is_for_officers(persona, request, login):
    assert login(request.getfixturevalue(persona)).get(reverse("dashboard:feedback")).status_code == 403


def test_navbar_links_the_dashboard_for_supervisors_only(login, supervisor, officer):
    link = f'href="{reverse("dashboard:index")}"'
    assert link in login(supervisor).get(reverse("home")).content.decode()
    assert link not in login(officer).get(reverse("home")).content.decode()


# The page


def wilson_text(part: int, whole: int, z: float = 1.959964) -> str:
    """The 95 % Wilson score interval worked out by hand (the formula, not the library the page uses)."""
    p = part / whole
    centre = (p + z * z / (2 * whole)) / (1 + z * z / whole)
    half = z * math.sqrt(p * (1 - p) / whole + z * z / (4 * whole * whole)) / (1 + z * z / whole)
    return f"{max(0.0, centre - half) * 100:.1f}–{min(1.0, centre + half) * 100:.1f}%"


def test_the_wilson_interval_of_a_known_rate():
    """4 of 10: 40.0 %, 16.8 to 68.7 % (Wilson 1927; the figure a statistics table gives)."""
    assert wilson_text(4, 10) == "16.8–68.7%"
    assert interval_text(wilson_interval(4, 10)) == "16.8–68.7%"
    assert wilson_interval(0, 0) is None and wilson_interval(3, 2) is None


def test_dashboard_shows_the_figures_and_when_they_were_computed(programme, login, supervisor):
    rebuild_rollup()
    page = login(supervisor).get(reverse("dashboard:index"), MARCH).content.decode()
    assert "Figures computed 25 Mar 2026, 09:00 from 4 referrals; refreshed every 5 minutes" in page
    funnel = page.split('id="funnel-h"')[1].split("</table>")[0]
    cells = [unescape(c) for c in re.findall(r"<td[^>]*>(?:<a [^>]*>)?([^<]*)", funnel)]
    # referred, eligible, accepted, consented, held, agreement, fulfilled: count, of referred, of previous
    assert cells[:3] == ["4", "100.0%", "100.0%"] and cells[-3:] == ["0", "0.0%", "0.0%"]
    # Each rate with its 95 % Wilson interval, in the cell and on hover.
    shown = r'data-interval><span class="visually-hidden">[^<]*</span>([^<]*)'
    intervals = [unescape(i) for i in re.findall(shown, funnel)]
    assert intervals[:2] == [wilson_text(4, 4)] * 2 == ["51.0–100.0%"] * 2
    agreements = int(cells[-6])  # fulfilled of referred, and of those with an agreement
    assert intervals[-2:] == [wilson_text(0, 4), wilson_text(0, agreements)] == ["0.0–49.0%", "0.0–79.3%"]
    assert 'title="95 % interval: 51.0–100.0%"' in unescape(funnel)
    assert 'id="dashboard-charts" type="application/json"' in page
    assert "<script>" not in page  # no inline script: the charts read the json_script data


def test_an_empty_period_shows_dashes_not_errors(programme, login, supervisor):
    rebuild_rollup()
    response = login(supervisor).get(reverse("dashboard:index"), {"start": "2024-01", "end": "2024-02"})
    page = response.content.decode()
    assert response.status_code == 200
    funnel = page.split('id="funnel-h"')[1].split("</table>")[0]
    assert "–" in funnel and "%" not in funnel


def test_before_the_first_refresh_the_page_says_so(login, supervisor):
    page = login(supervisor).get(reverse("dashboard:index")).content.decode()
    assert "have not been computed yet" in page


@pytest.mark.parametrize(
    "params",
    [
        {"start": "2026-13"},
        {"start": "2026-05", "end": "2026-01"},
        {"unit": "999999"},
        {"kind": "party"},
        {"start": "9999-12", "end": "9999-12"},
    ],
)
def test_bad_filters_are_a_400_with_the_reason(params, login, supervisor):
    response = login(supervisor).get(reverse("dashboard:index"), params)
    assert response.status_code == 400


# Drill-downs


def test_each_figure_lists_its_cases(programme, login, supervisor):
    client = login(supervisor)
    ada, ben, cal, dee = (r.reference for r in (programme.ada, programme.ben, programme.cal, programme.dee))
    assert sorted(drill(client, metric="referred")) == sorted([ada, ben, cal, dee])
    assert drill(client, metric="held") == [ada]
    assert drill(client, metric="declined_risk") == [cal]
    assert drill(client, metric="returned_no_contact") == [ben]
    assert drill(client, metric="overdue_items") == [ada]
    assert sorted(drill(client, metric="contact")) == sorted([ada, ben])
    assert sorted(drill(client, metric="referred", breakdown="age", group="juvenile")) == sorted([ben, dee])
    assert drill(client, metric="referred", breakdown="officer", group=str(programme.cal.referring_officer_id)) == [
        dee,
        cal,
    ]
    assert drill(client, metric="referred", partner=programme.partner.pk) == [ada]
    assert drill(client, metric="referred", breakdown="gender", group="female") == [cal, ben]
    assert drill(client, metric="referred", breakdown="ethnicity", group="not_stated") == [cal]
    assert drill(client, metric="fulfilled") == []


@pytest.mark.parametrize(
    "params",
    [
        {"metric": "nonsense"},
        {"metric": "held", "breakdown": "shoe_size", "group": "9"},
        {"metric": "held", "breakdown": "officer", "group": "x"},
        {"metric": "held", "breakdown": "officer", "group": "\u00b2"},
        {"metric": "held", "breakdown": "unit", "group": "9" * 30},
        {"metric": "overdue_items", "start": "9999-12", "end": "9999-12"},
        {"metric": "held", "after": "-1"},
        {"metric": "held", "start": "March"},
    ],
)
def test_bad_drilldown_requests_are_a_400(params, login, supervisor):
    assert login(supervisor).get(reverse("dashboard:cases"), params).status_code == 400


def test_drilldown_pages_follow_a_marker(officer, supervisor, login, monkeypatch):
    monkeypatch.setattr("reporting.views.PAGE_SIZE", 2)
    made = [
        referral_services.submit_referral(referral=ReferralFactory(referring_officer=officer), by=officer)
        for _ in range(3)
    ]
    client = login(supervisor)
    first = client.get(reverse("dashboard:cases"), {"metric": "referred"})
    shown = re.findall(r"RJ-\d{4}-\d{6}", first.content.decode())
    assert shown == [made[2].reference, made[1].reference]
    link = unescape(re.search(r'href="\?([^"]+)" rel="next"', first.content.decode()).group(1))
    second = client.get(reverse("dashboard:cases") + "?" + link)
    assert re.findall(r"RJ-\d{4}-\d{6}", second.content.decode()) == [made[0].reference]
    assert 'rel="next"' not in second.content.decode()


# Query counts do not grow with the rows


def _submit(officer, n):
    for _ in range(n):
        referral_services.submit_referral(referral=ReferralFactory(referring_officer=officer), by=officer)


def test_dashboard_query_count_does_not_grow(officer, supervisor, login, django_assert_max_num_queries):
    client = login(supervisor)
    _submit(officer, 2)
    rebuild_rollup()
    # 19: the page's own (two of them the training section's), and the session's activity stamp that
    # the idle limit reads (accounts/sessions.py).
    with django_assert_max_num_queries(19) as few:
        client.get(reverse("dashboard:index"))
    _submit(officer, 8)
    rebuild_rollup()
    cache.clear()
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse("dashboard:index")).status_code == 200


def test_drilldown_query_count_does_not_grow(officer, supervisor, login, django_assert_max_num_queries):
    client = login(supervisor)
    _submit(officer, 2)
    with django_assert_max_num_queries(10) as few:
        client.get(reverse("dashboard:cases"), {"metric": "referred"})
    _submit(officer, 8)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse("dashboard:cases"), {"metric": "referred"}).status_code == 200


# Exports


def test_supervisors_get_a_pseudonymised_csv(programme, login, supervisor):
    response = login(supervisor).get(reverse("dashboard:export_csv"), MARCH)
    rows = csv_rows(response)
    text = str(rows)
    assert len(rows) == 4 and "reference" not in rows[0]
    for secret in [
        *people_names(programme.ada, programme.ben, programme.cal, programme.dee),
        "07700 900123",
        "@example.org",
    ]:
        assert secret not in text
    ada = next(r for r in rows if r["restitution_ordered"] == "100.00")
    assert (ada["age_group"], ada["conference_held"], ada["partner"]) == ("adult", "yes", "Bridges")
    assert ada["reoffended_6_months"] == "no" and ada["referred_on"] == "2026-03-02"


def test_pseudonyms_are_stable_random_and_unique(programme, login, supervisor):
    client = login(supervisor)
    first = csv_rows(client.get(reverse("dashboard:export_csv"), MARCH))
    again = csv_rows(client.get(reverse("dashboard:export_csv"), MARCH))
    ids = [r["responsible_party"] for r in first]
    assert ids == [r["responsible_party"] for r in again] and len(set(ids)) == 4
    assert all(re.fullmatch(r"[0-9a-f]{16}", i) for i in ids)
    assert str(programme.ada.parties.first().person_id) not in ids


def test_supervisors_may_not_have_the_full_export(login, supervisor):
    assert login(supervisor).get(reverse("dashboard:export_csv"), {"full": "1"}).status_code == 403


def test_the_admin_full_export_has_names_and_is_audited(programme, login, admin_user):
    response = login(admin_user).get(reverse("dashboard:export_csv"), {**MARCH, "full": "1"})
    rows = csv_rows(response)
    assert {r["responsible_party_name"] for r in rows} == {"Ada Test", "Ben Test", "Cal Test", "Dee Test"}
    assert not any(c.phone in str(rows) for c in ContactDetails.objects.all())
    exports = AuditEntry.objects.filter(actor=admin_user, action=AuditEntry.Action.EXPORT)
    assert [e.detail.split(" 2026")[0] for e in exports] == ["full csv export"]


def test_xlsx_export_has_the_same_rows_without_names(programme, login, supervisor):
    response = login(supervisor).get(reverse("dashboard:export_xlsx"), MARCH)
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert sheet.count("<row ") == 5 and "responsible_party" in sheet
    assert "Ada" not in sheet and "Test" not in sheet


# Officers' feedback


def test_officers_see_their_own_referrals_outcomes_by_month(programme, login, officer, unit_lead):
    page = login(officer).get(reverse("dashboard:feedback")).content.decode()
    row = re.search(r"March 2026</th>(.*?)</tr>", page, re.S).group(1)
    # Ada and Ben: submitted 2, accepted 2, declined 0, conference held 1, completed 0
    assert re.findall(r">(\d+)<", row) == ["2", "2", "0", "1", "0"]
    assert reverse("dashboard:feedback") in login(officer).get(reverse("home")).content.decode()


def test_unit_leads_see_their_units_referrals(programme, login, other_officer):
    other_officer.is_unit_lead = True
    other_officer.save(update_fields=["is_unit_lead"])
    page = login(other_officer).get(reverse("dashboard:feedback")).content.decode()
    row = re.search(r"March 2026</th>(.*?)</tr>", page, re.S).group(1)
    assert re.findall(r">(\d+)<", row) == ["2", "0", "1", "0", "0"]


def test_one_filter_dimension_at_a_time(login, supervisor):
    rebuild_rollup()
    response = login(supervisor).get(reverse("dashboard:index"), {"offence": offence().pk, "kind": "shuttle"})
    assert response.status_code == 400
    assert "Filter by one of agency or unit, offence category, partner or conference kind" in response.content.decode()
