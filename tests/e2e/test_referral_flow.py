"""The whole referral journey in a real browser: an officer logs and submits, a supervisor screens and accepts."""

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from cases.models import Case, CaseStatus
from referrals.models import Referral, ReferralEvent, ReferralStatus
from tests.factories import PASSWORD, UnitFactory, UserFactory, totp_code

# The live server needs a transactional database; the serialized rollback restores the offence
# categories and the eligibility policy seeded by the migrations, which the flush after a
# transactional test removes.
pytestmark = pytest.mark.django_db(transaction=True)


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def log_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    # The second factor: the factory users' authenticator app.
    expect(page.get_by_role("heading", name="Two-Factor Authentication")).to_be_visible()
    page.get_by_label("Code").fill(totp_code())
    page.get_by_role("button", name="Sign In").click()


def log_out(page: Page) -> None:
    page.locator("[data-account-menu]").click()  # the account menu holds the log-out button
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()


def test_officer_submits_and_supervisor_accepts(live_server, page: Page, screenshot):
    base_url = live_server.url
    officer = UserFactory(username="pc_shah", first_name="Priya", last_name="Shah", officer=True, unit=UnitFactory())
    UserFactory(username="sgt_okafor", first_name="Ada", last_name="Okafor")  # a supervisor
    incident_date = timezone.localdate() - timedelta(days=12)
    born = years_before(incident_date, 15) - timedelta(days=40)  # 15 on the incident date
    year = timezone.localdate().year

    # The officer logs in and lands on their home page.
    log_in(page, base_url, "pc_shah")
    expect(page).to_have_url(f"{base_url}/")
    expect(page.get_by_role("heading", name="Welcome, Priya")).to_be_visible()

    # The new referral form.
    page.get_by_role("link", name="Log a diversion referral").click()
    expect(page.get_by_role("heading", name="Log a diversion referral")).to_be_visible()
    page.get_by_label("Police report number").fill("CR/04711/26")
    page.get_by_label("Incident date").fill(incident_date.isoformat())
    page.get_by_label("Incident place").fill("Corner Shop, 12 Market Street")
    page.get_by_label("Offence category").select_option(label="Theft from a shop")
    page.get_by_label("What happened").fill("Took two bottles of soft drink and left without paying.")
    page.get_by_label("The harm caused").fill("The shop lost stock worth £4; staff felt intimidated.")

    rows = page.locator("[data-party-row]")
    expect(rows).to_have_count(1)
    responsible = rows.nth(0)
    expect(responsible.get_by_label("Role")).to_have_value("responsible")
    responsible.get_by_label("First name").fill("Jamie")
    responsible.get_by_label("Last name").fill("Doyle")
    responsible.get_by_label("Date of birth").fill(born.isoformat())
    responsible.get_by_label("Admits responsibility?").select_option(label="Yes")

    page.get_by_role("button", name="Add a person").click()
    expect(rows).to_have_count(2)
    harmed = rows.nth(1)
    expect(harmed.get_by_label("Role")).to_have_value("harmed")
    expect(harmed.get_by_label("Organisation name")).to_be_hidden()
    harmed.get_by_label("Individual or organisation").select_option(label="Organisation")
    expect(harmed.get_by_label("Organisation name")).to_be_visible()
    expect(harmed.get_by_label("Date of birth")).to_be_hidden()
    expect(harmed.get_by_label("First name")).to_be_hidden()
    expect(harmed.get_by_label("Admits responsibility?")).to_be_hidden()
    harmed.get_by_label("Organisation name").fill("Corner Shop Ltd")
    screenshot("1-new-referral-filled")

    page.get_by_role("button", name="Save and submit").click()
    heading = page.get_by_role("heading", name=re.compile(r"^Referral RJ-"))
    expect(heading).to_contain_text("Submitted")
    reference = re.search(rf"RJ-{year}-\d{{6}}", heading.inner_text()).group()
    expect(page.get_by_role("alert")).to_contain_text(f"Referral {reference} submitted for screening.")
    expect(page.get_by_role("row").filter(has_text="Jamie Doyle")).to_contain_text("Juvenile")
    expect(page.get_by_role("cell", name="Corner Shop Ltd")).to_be_visible()
    screenshot("2-referral-submitted")
    log_out(page)

    # The supervisor screens it from the queue.
    log_in(page, base_url, "sgt_okafor")
    expect(page).to_have_url(f"{base_url}/")
    page.get_by_role("navigation").get_by_role("link", name="Screening queue").click()
    expect(page.get_by_role("heading", name="Screening queue")).to_be_visible()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=reference))
    expect(row).to_have_count(1)
    expect(row.get_by_role("cell", name="0 days")).to_be_visible()
    row.get_by_role("link", name="Screen").click()

    expect(page.get_by_role("heading", name=f"Screen referral {reference}")).to_be_visible()
    expect(page.get_by_text("Eligible", exact=True)).to_be_visible()
    expect(page.get_by_label("passes", exact=True)).to_have_count(5)
    expect(page.get_by_label("fails", exact=True)).to_have_count(0)
    for rule in ("Offence category", "Responsible party", "Admission of responsibility", "Age", "Prior diversions"):
        expect(page.get_by_role("listitem").filter(has_text=f"{rule}:")).to_be_visible()
    screenshot("3-screening")

    page.get_by_role("button", name="Accept and open a case").click()
    expect(page.get_by_role("heading", name=f"Case {reference}")).to_contain_text("Intake")
    expect(page.get_by_role("alert")).to_contain_text(f"Referral {reference} accepted: case opened in intake.")
    screenshot("4-case")

    # What the database says.
    referral = Referral.objects.get(reference=reference)
    assert referral.status == ReferralStatus.ACCEPTED
    assert referral.referring_officer == officer
    assert referral.incident_date == incident_date
    assert referral.offence_category.code == "shoplifting"
    parties = {party.role: party for party in referral.parties.select_related("person")}
    assert parties["responsible"].person.display_name == "Jamie Doyle"
    assert parties["responsible"].person.age_on(incident_date) == 15
    assert parties["responsible"].admits_responsibility is True
    assert parties["harmed"].person.kind == "organisation"
    assert parties["harmed"].person.organisation_name == "Corner Shop Ltd"
    assert parties["harmed"].person.date_of_birth is None
    case = Case.objects.get()
    assert case.referral == referral
    assert case.status == CaseStatus.INTAKE
    events = list(ReferralEvent.objects.filter(referral=referral).values_list("from_status", "to_status"))
    assert events == [
        ("", ReferralStatus.DRAFT),
        (ReferralStatus.DRAFT, ReferralStatus.SUBMITTED),
        (ReferralStatus.SUBMITTED, ReferralStatus.ACCEPTED),
    ]
