"""A participant answers their invitation on a phone, through the link their email carried; the
facilitator sees the answer on the conference page."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from cases import services as case_services
from cases.followups import issue_survey_link
from cases.models import SatisfactionSurvey
from conferences import services as conference_services
from conferences.models import Participant
from reminders.sending import send_due_reminders
from tests.factories import UserFactory
from tests.reminders.conftest import conference_plan, make_ready_case

from .conftest import ARTIFACTS
from .test_referral_flow import log_in

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
LINK = re.compile(r"https://rj\.example\.org(/invitation/[A-Za-z0-9_-]+/)")


def test_a_participant_confirms_on_a_phone_and_the_facilitator_sees_it(
    live_server, browser, page: Page, screenshot, serious_violations
):
    base_url = live_server.url
    officer = UserFactory(username="pc_ames", officer=True)
    supervisor = UserFactory(username="sgt_bell")
    facilitator = UserFactory(username="fac_cole", first_name="Cass", last_name="Cole", facilitator=True)
    case = make_ready_case(officer=officer, supervisor=supervisor, facilitator=facilitator)
    starts = timezone.localtime().replace(hour=14, minute=30, second=0, microsecond=0) + timedelta(days=3)
    mail.outbox.clear()
    conference = conference_services.schedule_conference(
        case=case, by=facilitator, plan=conference_plan(starts), facilitators=[facilitator]
    )
    send_due_reminders()  # the nudge after the booking has sent the invitations already, as a worker would
    [email] = [e for e in mail.outbox if e.to == ["robin.reed@example.org"]]
    link = LINK.search(email.body).group(1)

    # bypass_csp: axe-core is added to the page as a script, which the site's policy would refuse.
    phone = browser.new_context(viewport=PHONE, locale="en-GB", is_mobile=True, has_touch=True, bypass_csp=True)
    participant_page = phone.new_page()
    participant_page.goto(f"{base_url}{link}")
    expect(
        participant_page.get_by_role("heading", name="You are invited to a restorative justice meeting")
    ).to_be_visible()
    expect(participant_page.get_by_text("Room 3, Northby Library")).to_be_visible()
    assert participant_page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # nothing off-screen
    ARTIFACTS.mkdir(exist_ok=True)
    participant_page.screenshot(path=str(ARTIFACTS / "invitation-phone.png"), full_page=True)
    assert serious_violations(participant_page) == []
    participant_page.get_by_role("button", name="Send my answer").click()  # no answer chosen: the errors
    expect(participant_page.get_by_text("Please choose one answer.")).to_be_visible()
    assert serious_violations(participant_page) == []
    participant_page.get_by_label("Yes, I will come").check()
    participant_page.get_by_role("button", name="Send my answer").click()
    expect(participant_page.get_by_text("Thank you: you said you will come.")).to_be_visible()
    participant_page.screenshot(path=str(ARTIFACTS / "invitation-answered.png"), full_page=True)
    assert serious_violations(participant_page) == []
    participant_page.goto(f"{base_url}/invitation/not-a-real-link/")
    expect(participant_page.get_by_role("heading", name="We could not find this invitation")).to_be_visible()
    assert serious_violations(participant_page) == []
    phone.close()

    robin = conference.participants.get(person__first_name="Robin")
    assert robin.invitation == Participant.Invitation.ACCEPTED

    log_in(page, base_url, "fac_cole")
    page.goto(f"{base_url}{conference.get_absolute_url()}")
    expect(page.get_by_text("2 people · 2 invited · 1 confirmed")).to_be_visible()
    row = page.get_by_role("row", name=re.compile("Robin Reed"))
    expect(row.get_by_role("combobox")).to_have_value("accepted")
    expect(row.get_by_text(re.compile(r"Sent .*; answered"))).to_be_visible()
    screenshot("invitation-facilitator")


def test_the_facilitator_corrects_contact_details_from_the_case_file(live_server, page: Page, screenshot):
    base_url = live_server.url
    officer = UserFactory(username="pc_dale", officer=True)
    supervisor = UserFactory(username="sgt_eze")
    facilitator = UserFactory(username="fac_finn", facilitator=True)
    case = make_ready_case(officer=officer, supervisor=supervisor, facilitator=facilitator)

    log_in(page, base_url, "fac_finn")
    page.goto(f"{base_url}{case.get_absolute_url()}?tab=people")
    page.get_by_role("link", name="Edit contact details of Harriet Hale").click()
    expect(page.get_by_role("heading", name="Contact details of Harriet Hale")).to_be_visible()
    page.get_by_role("textbox", name="Phone").fill("07700 900999")
    page.get_by_label("Do not use this email address").check()
    screenshot("contact-details-form")
    page.get_by_role("button", name="Save contact details").click()

    expect(page.get_by_text("Contact details of Harriet Hale saved.")).to_be_visible()
    expect(page.get_by_text("07700 900999", exact=True)).to_be_visible()
    expect(page.get_by_text("not to be used", exact=True)).to_be_visible()
    screenshot("contact-details-saved")


def test_the_survey_pages_pass_the_accessibility_check_on_a_phone(live_server, browser, serious_violations):
    officer = UserFactory(username="pc_gray", officer=True)
    supervisor = UserFactory(username="sgt_hart")
    facilitator = UserFactory(username="fac_ives", facilitator=True)
    case = make_ready_case(officer=officer, supervisor=supervisor, facilitator=facilitator)
    case_services.close_without_conference(case=case, by=supervisor, reason="The parties settled it themselves.")
    survey = SatisfactionSurvey.objects.get(case=case)
    link = issue_survey_link(survey=survey)

    phone = browser.new_context(viewport=PHONE, locale="en-GB", is_mobile=True, bypass_csp=True)
    page = phone.new_page()
    page.goto(f"{live_server.url}{link}")
    expect(page.get_by_role("heading", name="How was your experience?")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert serious_violations(page) == []
    page.get_by_role("button", name="Send my answers").click()  # nothing chosen: the errors
    expect(page.get_by_text("Please choose one answer.")).to_be_visible()
    assert serious_violations(page) == []
    page.get_by_role("link", name="Cymraeg").click()
    expect(page.get_by_role("heading", name="Sut brofiad gawsoch chi?")).to_be_visible()
    page.get_by_label("Bodlon iawn").check()
    page.get_by_role("button", name="Anfon fy atebion").click()
    expect(page.get_by_role("heading", name="Diolch")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "survey-thanks-welsh.png"), full_page=True)
    assert serious_violations(page) == []
    phone.close()
