"""An asynchronous exchange in the browser: the facilitator opens it, the harmed party writes on a
phone (a draft, then sent), the facilitator shares it with a sentence taken out, and the responsible
party reads only what was shared, in English and in Welsh."""

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from cases import services as case_services
from cases.models import ConsentPurpose
from conferences.models import Statement, StatementStatus
from referrals.models import PartyRole
from tests.factories import UserFactory
from tests.reminders.conftest import make_ready_case

from .conftest import ARTIFACTS
from .test_referral_flow import log_in

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
LINK = re.compile(r"https://rj\.example\.org(/exchange/[A-Za-z0-9_-]+/)")
KEPT = "The shop felt unsafe for weeks and I slept badly."
TAKEN_OUT = "I know the family lives at 4 Elm Road."


def newest_link(address: str) -> str:
    return [LINK.search(e.body).group(1) for e in mail.outbox if e.to == [address]][-1]


def test_a_statement_is_written_on_a_phone_shared_redacted_and_read_by_the_other_side(
    live_server, browser, page: Page, screenshot, serious_violations
):
    base_url = live_server.url
    officer = UserFactory(username="pc_jones", officer=True)
    supervisor = UserFactory(username="sgt_khan")
    facilitator = UserFactory(username="fac_lowe", first_name="Lee", last_name="Lowe", facilitator=True)
    case = make_ready_case(officer=officer, supervisor=supervisor, facilitator=facilitator)
    for party in case.referral.parties.filter(role__in=(PartyRole.HARMED, PartyRole.RESPONSIBLE)):
        case_services.record_consent(
            case=case,
            by=facilitator,
            person=party.person,
            purpose=ConsentPurpose.EXCHANGE,
            given_by=party.person,
            given_on=case.opened_at.date(),
            method="phone",
        )
    mail.outbox.clear()

    log_in(page, base_url, "fac_lowe")
    page.goto(f"{base_url}{case.get_absolute_url()}?tab=conferences")
    page.get_by_role("link", name="Open an exchange").click()
    expect(page.get_by_role("heading", name="Open an asynchronous exchange")).to_be_visible()
    page.get_by_role("group", name=re.compile("Harriet Hale")).get_by_label(
        "Account of what happened and how it affected you"
    ).check()
    page.get_by_role("group", name=re.compile("Robin Reed")).get_by_label("Reflection on what happened").check()
    screenshot("exchange-open")
    page.get_by_role("button", name="Open the exchange").click()
    expect(page.get_by_text("Exchange opened: each participant is sent their link.")).to_be_visible()
    exchange_url = page.url

    # The harmed party, on a phone, through the link their email carried (the nudge sent it at once).
    phone = browser.new_context(viewport=PHONE, locale="en-GB", is_mobile=True, has_touch=True, bypass_csp=True)
    harriet = phone.new_page()
    harriet.goto(f"{base_url}{newest_link('harriet.hale@example.org')}")
    expect(harriet.get_by_role("heading", name="Your restorative justice exchange")).to_be_visible()
    assert serious_violations(harriet) == []
    box = harriet.get_by_label("What you would like to write")
    box.fill(KEPT)
    harriet.get_by_role("button", name="Save a draft").click()
    expect(harriet.get_by_text("Your draft is saved.")).to_be_visible()
    harriet.reload()  # she comes back later: the draft is there
    expect(harriet.get_by_label("What you would like to write")).to_have_value(KEPT)
    harriet.get_by_label("What you would like to write").fill(f"{KEPT} {TAKEN_OUT}")
    harriet.get_by_role("button", name="Send to my facilitator").click()
    expect(harriet.get_by_text("Thank you: it was sent to your facilitator.")).to_be_visible()
    assert harriet.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    ARTIFACTS.mkdir(exist_ok=True)
    harriet.screenshot(path=str(ARTIFACTS / "exchange-sent-phone.png"), full_page=True)
    assert serious_violations(harriet) == []

    robin = phone.new_page()
    robin.goto(f"{base_url}{newest_link('robin.reed@example.org')}")
    expect(robin.get_by_text("Nothing has been shared with you yet.")).to_be_visible()
    expect(robin.get_by_text("Elm Road")).to_have_count(0)

    # The facilitator reads it and shares it without the sentence that names where a family lives.
    page.goto(exchange_url)
    expect(page.get_by_text(TAKEN_OUT).first).to_be_visible()
    page.get_by_label("What the others will read").fill(KEPT)
    page.get_by_role("button", name="Share with the others").click()
    expect(page.get_by_text("Shared with the parts you took out")).to_be_visible()
    screenshot("exchange-shared")
    statement = Statement.objects.get(member__person__first_name="Harriet")
    assert (statement.status, statement.redacted) == (StatementStatus.SHARED, True)

    robin.goto(f"{base_url}{newest_link('robin.reed@example.org')}")
    shared = robin.get_by_role("region", name="Shared with you")
    expect(shared.get_by_role("heading", name="The person harmed: Account of what happened")).to_be_visible()
    expect(shared.get_by_text(KEPT)).to_be_visible()
    expect(robin.get_by_text("Elm Road")).to_have_count(0)
    expect(robin.get_by_text("Harriet")).to_have_count(0)
    robin.screenshot(path=str(ARTIFACTS / "exchange-shared-phone.png"), full_page=True)
    assert serious_violations(robin) == []
    robin.get_by_role("link", name="Cymraeg").click()
    expect(robin.get_by_role("heading", name="Eich cyfnewid cyfiawnder adferol")).to_be_visible()
    expect(robin.get_by_role("heading", name="Y person a niweidiwyd: Hanes yr hyn a ddigwyddodd")).to_be_visible()
    assert serious_violations(robin) == []
    phone.close()
