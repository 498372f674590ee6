"""A case from intake to completed in a real browser: the facilitator prepares, schedules, holds the
conference, records the agreement and its progress, and closes the case; the officer sees the outcome."""

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from cases import services as case_services
from cases.models import Case, CaseStatus
from conferences.models import (
    AgreementItem,
    Conference,
    ConferenceFacilitator,
    ConferenceKind,
    ConferenceStatus,
    ItemKind,
    ItemStatus,
)
from people.models import Notification
from referrals import services as referral_services
from referrals.models import PartyRole
from tests.factories import PersonFactory, ReferralFactory, ReferralPartyFactory, UnitFactory, UserFactory

from .test_referral_flow import log_in, log_out

# The live server needs a transactional database; see test_referral_flow.py.
pytestmark = pytest.mark.django_db(transaction=True)


def years_ago(years: int) -> date:
    today = timezone.localdate()
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def open_prepared_case(*, officer, supervisor, facilitator) -> Case:
    """An accepted referral whose case is the facilitator's: the adult responsible party (Jamie Doyle)
    is assessed and signed off, the harmed party (Pat Lee) will not attend; only Jamie's consent is missing."""
    referral = ReferralFactory(
        referring_officer=officer,
        responsible__person=PersonFactory(first_name="Jamie", last_name="Doyle", date_of_birth=years_ago(30)),
    )
    harmed = ReferralPartyFactory(
        referral=referral,
        role=PartyRole.HARMED,
        person=PersonFactory(first_name="Pat", last_name="Lee", date_of_birth=years_ago(60)),
        admits_responsibility=None,
        prior_diversions=None,
    ).person
    referral_services.submit_referral(referral=referral, by=officer)
    case = referral_services.accept_referral(referral=referral, by=supervisor).case
    case = case_services.assign_facilitators(case=case, by=supervisor, facilitator=facilitator)
    responsible = referral.parties.get(role=PartyRole.RESPONSIBLE).person
    for person, will_attend in ((responsible, True), (harmed, False)):
        assessment = case_services.record_assessment(
            case=case, by=facilitator, person=person, will_attend=will_attend, ready=will_attend, risk="low"
        )
        case_services.sign_off_assessment(assessment=assessment, by=supervisor)
    return case


def next_step_panel(page: Page):
    return page.get_by_role("region", name=re.compile(r"^(What is needed to move on|Outcome)$"))


def test_facilitator_takes_a_case_to_completion(live_server, page: Page, screenshot):
    base_url = live_server.url
    officer = UserFactory(username="pc_shah", first_name="Priya", last_name="Shah", officer=True, unit=UnitFactory())
    supervisor = UserFactory(username="sgt_okafor", first_name="Ada", last_name="Okafor")
    facilitator = UserFactory(username="kofi", first_name="Kofi", last_name="Mensah", facilitator=True)
    case = open_prepared_case(officer=officer, supervisor=supervisor, facilitator=facilitator)
    reference = case.reference
    jamie_pk = case.referral.parties.get(role=PartyRole.RESPONSIBLE).person_id
    today = timezone.localdate()

    # The facilitator opens the case from their home page: only Jamie's consent is missing.
    log_in(page, base_url, "kofi")
    expect(page.get_by_role("heading", name="My cases")).to_be_visible()
    page.get_by_role("link", name=reference).click()
    expect(page.get_by_role("heading", name=f"Case {reference}")).to_contain_text("Intake")
    panel = next_step_panel(page)
    expect(panel.get_by_role("listitem")).to_have_count(1)
    expect(panel.get_by_role("listitem")).to_have_text("Record Jamie Doyle's consent to take part in a conference.")
    expect(panel.get_by_role("button", name="Mark ready")).to_be_disabled()
    screenshot("case-1-readiness")

    # The consent, through the form on Jamie's card.
    jamie = page.get_by_role("article", name="Jamie Doyle")
    jamie.get_by_role("button", name="Record consent").click()
    consent_form = jamie.locator("form").filter(has=page.get_by_role("heading", name="Record Jamie Doyle's consent"))
    expect(consent_form).to_be_visible()
    consent_form.get_by_label("Purpose").select_option(label="Take part in a conference")
    expect(consent_form.get_by_label("Given by")).to_have_value(str(jamie_pk))
    consent_form.get_by_label("Given on").fill(today.isoformat())
    consent_form.get_by_label("How it was given").select_option(label="In writing (signed form)")
    consent_form.get_by_role("button", name="Record consent").click()
    expect(page.get_by_role("alert")).to_contain_text("Consent of Jamie Doyle to take part in a conference recorded.")
    expect(jamie.get_by_role("strong").filter(has_text="Take part in a conference")).to_be_visible()
    expect(jamie.get_by_text("No consent recorded.")).to_have_count(0)
    panel = next_step_panel(page)
    expect(panel).to_contain_text("Every consent, assessment and sign-off is in place.")

    # Ready, then scheduled.
    panel.get_by_role("button", name="Mark ready").click()
    expect(page.get_by_role("alert")).to_contain_text(f"Case {reference} is ready: schedule a conference.")
    expect(page.get_by_role("heading", name=f"Case {reference}")).to_contain_text("Ready")
    next_step_panel(page).get_by_role("link", name="Schedule a conference").click()
    expect(page.get_by_role("heading", name="Schedule a conference")).to_be_visible()
    starts_on = today + timedelta(days=4)
    page.get_by_label("Kind of conference").select_option(label="Community circle")
    page.get_by_label("Date").fill(starts_on.isoformat())
    page.get_by_label("Start time").fill("10:00")
    expect(page.get_by_label("Duration (minutes)")).to_have_value("120")
    expect(page.get_by_label("In person")).to_be_checked()
    page.get_by_label("Or an address").fill("Community Hall, 3 Church Lane")
    expect(page.get_by_label("Kofi Mensah")).to_be_checked()
    screenshot("case-2-schedule-form")
    page.get_by_role("button", name="Schedule the conference").click()

    heading = page.get_by_role("heading", name=re.compile(r"^Community circle"))
    expect(heading).to_contain_text("Scheduled")
    expect(page.get_by_role("alert")).to_contain_text(f"Community circle scheduled for {starts_on:%A} {starts_on.day}")
    expect(page.get_by_role("row").filter(has_text="Jamie Doyle")).to_contain_text("Responsible party")
    expect(page.get_by_role("button", name="Record as held")).to_be_disabled()
    conference = Conference.objects.get(case=case)
    assert conference.kind == ConferenceKind.COMMUNITY_CIRCLE
    assert timezone.localtime(conference.starts_at).date() == starts_on
    assert conference.address == "Community Hall, 3 Church Lane"

    # Time passes: the conference took place three hours ago.
    starts_at = timezone.now() - timedelta(hours=3)
    ends_at = starts_at + timedelta(minutes=conference.duration_minutes)
    Conference.objects.filter(pk=conference.pk).update(starts_at=starts_at, ends_at=ends_at)
    ConferenceFacilitator.objects.filter(conference=conference).update(starts_at=starts_at, ends_at=ends_at)
    page.reload()
    expect(page.get_by_text("This conference has started.")).to_be_visible()
    page.get_by_role("link", name="Record as held").click()
    expect(page.get_by_role("heading", name="Record the conference as held")).to_be_visible()
    page.get_by_label("Jamie Doyle (responsible party)").check()
    page.get_by_label("Confidential notes").fill("Jamie listened to the shop's account and apologised in person.")
    page.get_by_role("button", name="Record as held").click()
    expect(page.get_by_role("alert")).to_contain_text("Conference recorded as held.")
    expect(page.get_by_role("heading", name=re.compile(r"^Community circle"))).to_contain_text("Held")
    expect(page.get_by_role("row").filter(has_text="Jamie Doyle")).to_contain_text("Yes")

    # The agreement: an apology letter and £25 of restitution.
    page.get_by_role("navigation", name="breadcrumb").get_by_role("link", name=f"Case {reference}").click()
    expect(page.get_by_role("heading", name=f"Case {reference}")).to_contain_text("Conference held")
    next_step_panel(page).get_by_role("link", name="Record the agreement").click()
    expect(page.get_by_role("heading", name="Record the agreement")).to_be_visible()
    due = today + timedelta(days=30)
    page.get_by_label("Summary").fill("Jamie will write to the shop and pay back the stock.")
    rows = page.locator("[data-item-row]")
    expect(rows).to_have_count(1)
    apology = rows.nth(0)
    apology.get_by_label("Kind").select_option(label="Apology letter")
    expect(apology.get_by_label("Amount to pay (£)")).to_be_hidden()
    apology.get_by_label("Description").fill("A letter of apology to the shop staff")
    apology.get_by_label("Due date").fill(due.isoformat())
    page.get_by_role("button", name="Add an item").click()
    expect(rows).to_have_count(2)
    restitution = rows.nth(1)
    expect(restitution.get_by_label("Kind")).to_have_value(ItemKind.RESTITUTION)
    expect(restitution.get_by_label("Hours to do")).to_be_hidden()
    restitution.get_by_label("Description").fill("Pay back the stock taken")
    restitution.get_by_label("Amount to pay (£)").fill("25.00")
    restitution.get_by_label("Due date").fill(due.isoformat())
    screenshot("case-3-agreement-form")
    page.get_by_role("button", name="Record the agreement").click()
    expect(page.get_by_role("alert")).to_contain_text(f"Agreement recorded: case {reference} is now monitored.")
    expect(page.get_by_role("heading", name=f"Case {reference}")).to_contain_text("Monitoring")
    expect(next_step_panel(page)).to_contain_text("2 agreement items still open.")

    # The payment in full, then the restitution item completed.
    page.get_by_role("tabpanel").get_by_role("link", name="Restitution").click()
    expect(page.get_by_role("heading", name="Restitution")).to_contain_text("Pending")
    page.get_by_label("Amount paid (£)").fill("25.00")
    expect(page.get_by_label("Paid on")).to_have_value(today.isoformat())
    page.get_by_role("button", name="Record the payment").click()
    expect(page.get_by_role("alert")).to_contain_text(f"Payment of £25.00 on {today:%d %b %Y} recorded.")
    expect(page.get_by_text("£25.00 of £25.00 paid")).to_be_visible()
    page.get_by_label("Completed").check()
    page.get_by_role("button", name="Save the status").click()
    expect(page.get_by_role("alert")).to_contain_text("Item marked completed.")
    expect(page.get_by_role("heading", name="Restitution")).to_contain_text("Completed")

    # The apology letter completed.
    page.get_by_role("link", name=reference).click()
    expect(next_step_panel(page)).to_contain_text("1 agreement item still open.")
    page.get_by_role("tabpanel").get_by_role("link", name="Apology letter").click()
    expect(page.get_by_role("heading", name="Apology letter")).to_contain_text("Pending")
    page.get_by_label("Completed").check()
    page.get_by_role("button", name="Save the status").click()
    expect(page.get_by_role("alert")).to_contain_text("Item marked completed.")

    # The case completed.
    page.get_by_role("link", name=reference).click()
    panel = next_step_panel(page)
    expect(panel).to_contain_text("Every agreement item is completed or waived.")
    panel.get_by_role("button", name="Complete the case").click()
    expect(page.get_by_role("alert")).to_contain_text(f"Case {reference} completed. The referring officer is told.")
    expect(page.get_by_role("heading", name=f"Case {reference}")).to_contain_text("Completed")
    expect(next_step_panel(page)).to_contain_text("The referring officer was told the outcome")
    expect(page.get_by_text("Close the case", exact=True)).to_have_count(0)
    screenshot("case-4-closed")
    log_out(page)

    # The officer sees the outcome.
    log_in(page, base_url, "pc_shah")
    expect(page.get_by_role("heading", name="Welcome, Priya")).to_be_visible()
    notification = page.get_by_role("link", name=f"Referral {reference}: the case is closed as “Completed”")
    expect(notification).to_be_visible()
    notification.click()
    expect(page.get_by_role("heading", name=f"Referral {reference}")).to_contain_text("Accepted")
    expect(page.get_by_role("term").filter(has_text="Outcome")).to_be_visible()
    expect(page.get_by_role("definition").filter(has_text=re.compile(r"^\s*Completed\s*$"))).to_have_count(2)
    expect(page.get_by_text("Not yet: the restorative process is under way.")).to_have_count(0)

    # What the database says.
    case.refresh_from_db()
    assert case.status == CaseStatus.COMPLETED
    assert case.closed_at is not None
    conference.refresh_from_db()
    assert conference.status == ConferenceStatus.HELD
    assert conference.participants.get(person_id=jamie_pk).attended is True
    items = {item.kind: item for item in AgreementItem.objects.filter(agreement__case=case)}
    assert set(items) == {ItemKind.APOLOGY, ItemKind.RESTITUTION}
    assert all(item.status == ItemStatus.COMPLETED for item in items.values())
    assert items[ItemKind.RESTITUTION].amount == items[ItemKind.RESTITUTION].amount_paid == 25
    notification = Notification.objects.get(user=officer)
    assert reference in notification.text
    assert "Completed" in notification.text
