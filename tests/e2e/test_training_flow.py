"""Training in the browser: a new facilitator cannot lead a circle; the supervisor records that
they passed the foundation course, grants the accreditation their observed practice now allows,
and the facilitator leads the circle. The training pages pass axe-core, on a phone too."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from conferences.models import ConferenceFacilitator
from tests.factories import UserFactory
from tests.reminders.conftest import make_ready_case
from training import services as training
from training.models import Accreditation, Attendance, ConferenceKind, Course, CourseKind, Level, TrainingSession

from .conftest import ARTIFACTS
from .test_referral_flow import log_in

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_a_supervisor_records_attendance_and_the_facilitator_becomes_accredited_and_leads(
    live_server, browser, serious_violations
):
    base_url = live_server.url
    desktop = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB", bypass_csp=True)
    page = desktop.new_page()
    officer = UserFactory(username="pc_jones", officer=True)
    supervisor = UserFactory(username="sgt_khan", first_name="Asha", last_name="Khan")
    newcomer = UserFactory(
        username="fac_ngata", first_name="Mere", last_name="Ngata", facilitator=True, accredited=False
    )
    case = make_ready_case(officer=officer, supervisor=supervisor, facilitator=newcomer)
    course = Course.objects.create(
        title="Facilitator foundation",
        kind=CourseKind.FACILITATOR_FOUNDATION,
        hours=Decimal("21"),
        qualifies_for=[ConferenceKind.COMMUNITY_CIRCLE, ConferenceKind.VICTIM_OFFENDER],
    )
    # This morning's session, already under way: attendance can be recorded.
    session = TrainingSession.objects.create(
        course=course,
        starts_at=timezone.now() - timedelta(hours=3),
        duration_minutes=420,
        place="Training room 2, Northby station",
        trainer="Restorative Practice Institute",
        capacity=12,
        created_by=supervisor,
    )
    Attendance.objects.create(session=session, user=newcomer, invited_by=supervisor)
    for days_ago in (40, 12):  # observed co-facilitating two circles, judged competent
        training.record_observation(
            facilitator=newcomer,
            by=supervisor,
            conference_kind=ConferenceKind.COMMUNITY_CIRCLE,
            observed_on=timezone.localdate() - timedelta(days=days_ago),
            judgement="competent",
        )
    starts_on = timezone.localdate() + timedelta(days=5)

    def try_to_schedule():
        page.goto(f"{base_url}/conferences/cases/{case.pk}/schedule/")
        page.get_by_label("Kind of conference").select_option(label="Community circle")
        page.get_by_label("Date").fill(starts_on.isoformat())
        page.get_by_label("Start time").fill("10:00")
        page.get_by_label("Or an address").fill("Community Hall, 3 Church Lane")
        expect(page.get_by_label(re.compile(r"Mere Ngata \(1 open case"))).to_be_checked()
        page.get_by_role("button", name="Schedule the conference").click()

    log_in(page, base_url, "sgt_khan")
    try_to_schedule()
    expect(page.get_by_role("alert").first).to_contain_text("Mere Ngata holds no accreditation for community circles.")
    expect(page.get_by_label("Let them lead without accreditation: why")).to_be_visible()
    shot(page, "training-1-lead-refused")

    # The session: Mere attended, completed and passed.
    page.goto(f"{base_url}/training/")
    page.get_by_role("link", name=re.compile("Facilitator foundation")).first.click()
    expect(page.get_by_role("heading", name=re.compile("Facilitator foundation"))).to_be_visible()
    page.get_by_label("Attended: Mere Ngata").check()
    page.get_by_label("Completed: Mere Ngata").check()
    page.get_by_label("Result: Mere Ngata").select_option(label="Passed")
    assert serious_violations(page) == []
    shot(page, "training-2-attendance")
    page.get_by_role("button", name="Record attendance").click()
    expect(page.get_by_role("alert").first).to_be_visible()
    assert Attendance.objects.get(user=newcomer).result == "passed"

    # Her record: the pass and two observations make her ready for "accredited" in circles.
    page.goto(f"{base_url}/training/people/{newcomer.pk}/")
    expect(page.get_by_role("heading", name=re.compile("Mere Ngata"))).to_be_visible()
    circle = page.locator("[data-kind=community_circle]")
    circle.get_by_role("button", name="Grant Accredited").click()
    expect(page.get_by_role("alert").first).to_contain_text("Accredited")
    held = Accreditation.objects.get(facilitator=newcomer, conference_kind=ConferenceKind.COMMUNITY_CIRCLE)
    assert (held.level, held.is_current) == (Level.ACCREDITED, True)
    assert serious_violations(page) == []
    shot(page, "training-3-accredited")

    # Now she leads.
    try_to_schedule()
    expect(page.get_by_role("heading", name=re.compile(r"^Community circle"))).to_be_visible()
    booking = ConferenceFacilitator.objects.get(conference__case=case, facilitator=newcomer)
    assert booking.is_lead and booking.lead_override_reason == ""
    expect(page.get_by_text("leads", exact=True)).to_be_visible()

    # Mere sees her own record on a phone.
    phone = browser.new_context(viewport=PHONE, locale="en-GB", is_mobile=True, has_touch=True, bypass_csp=True)
    mere = phone.new_page()
    log_in(mere, base_url, "fac_ngata")
    mere.goto(f"{base_url}/training/")
    expect(mere.get_by_text("Facilitator foundation").first).to_be_visible()
    expect(mere.get_by_text(re.compile("Community circle")).first).to_be_visible()
    assert serious_violations(mere) == []
    assert mere.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(mere, "training-4-phone-record")
    phone.close()
    desktop.close()
