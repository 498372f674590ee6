"""The Content-Security-Policy in a real browser: the pages with scripts still work under it, and the
browser refuses nothing on them (a refused script or style fails silently, so the test listens for it).

People are signed in with a session cookie made on the server, not through the login form.
"""

from datetime import date

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Page, expect

from cases import services as case_services
from referrals import services as referral_services
from reporting.rollup import rebuild_rollup
from tests.factories import PersonFactory, ReferralFactory
from tests.helpers import prepare_for_conference

# The live server needs a transactional database; see test_referral_flow.py.
pytestmark = pytest.mark.django_db(transaction=True)

LISTEN = """
document.addEventListener("securitypolicyviolation", (event) => {
  const where = `${event.sourceFile}:${event.lineNumber}`;
  window.reportRefusal(`${event.effectiveDirective} refused ${event.blockedURI} (${where})`);
});
"""


@pytest.fixture
def refusals(page: Page) -> list[str]:
    """Collect what the browser refuses or trips over: policy violations, header errors, script errors."""
    found = []
    page.expose_function("reportRefusal", lambda text: found.append(text))
    page.add_init_script(LISTEN)
    page.on(
        "console",
        lambda message: (
            found.append(message.text)
            if "Content Security Policy" in message.text or "Permissions-Policy" in message.text
            else None
        ),
    )
    page.on("pageerror", lambda error: found.append(f"script error: {error}"))
    return found


def settled(page: Page, found: list[str]) -> list[str]:
    """Return `found` once the page's last violation events have had the time to arrive."""
    page.evaluate("() => new Promise((resolve) => setTimeout(resolve, 100))")
    return found


def sign_in(page: Page, live_server, user) -> None:
    """Give the browser a session of `user`, made on the server."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.clear_cookies()
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])


def drawn_charts(page: Page) -> dict:
    """Return, for each chart canvas, its size and how many of its pixels Chart.js painted."""
    return page.evaluate(
        """() => Object.fromEntries(Array.from(document.querySelectorAll("canvas[data-chart]"), (canvas) => {
          const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
          let painted = 0;
          for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted += 1;
          const chart = typeof Chart === "undefined" ? undefined : Chart.getChart(canvas);
          const size = {width: canvas.width, height: canvas.height};
          return [canvas.dataset.chart, {chart: chart !== undefined, ...size, painted}];
        }))"""
    )


def test_the_browser_reports_what_the_policy_refuses(live_server, page: Page, refusals):
    """The listener hears a refusal: an inline style added to the page is blocked."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.evaluate("""() => document.body.insertAdjacentHTML("beforeend", '<p id="styled" style="color: red">x</p>')""")

    assert page.evaluate("() => document.getElementById('styled').style.color") == ""
    assert any("style-src" in refusal for refusal in settled(page, refusals))


def test_the_dashboard_draws_its_charts(live_server, page: Page, refusals, screenshot, accepted, supervisor):
    declined = ReferralFactory(referring_officer=accepted.referring_officer)
    referral_services.submit_referral(referral=declined, by=accepted.referring_officer)
    referral_services.decline_referral(referral=declined, by=supervisor, reason_code="risk")
    rebuild_rollup()
    sign_in(page, live_server, supervisor)

    page.goto(f"{live_server.url}/dashboard/")
    expect(page.get_by_role("heading", name="Programme dashboard")).to_be_visible()
    expect(page.locator("[data-computed-at]")).to_be_visible()

    charts = drawn_charts(page)
    assert set(charts) == {"funnel", "declined", "returned", "caseload", "reparation", "reoffending"}
    for name, chart in charts.items():
        assert chart["chart"], name
        assert chart["width"] > 0 and chart["height"] > 0, (name, chart)
        assert chart["painted"] > 0, (name, chart)
    screenshot("csp-dashboard")
    assert settled(page, refusals) == []


def test_the_referral_form_adds_and_shapes_party_rows(live_server, page: Page, refusals, officer):
    sign_in(page, live_server, officer)

    page.goto(f"{live_server.url}/referrals/new/")
    rows = page.locator("[data-party-row]")
    expect(rows).to_have_count(1)
    page.get_by_role("button", name="Add a person").click()
    expect(rows).to_have_count(2)
    added = rows.nth(1)
    expect(added.get_by_label("Role")).to_have_value("harmed")
    expect(added.get_by_label("Organisation name")).to_be_hidden()
    added.get_by_label("Individual or organisation").select_option(label="Organisation")
    expect(added.get_by_label("Organisation name")).to_be_visible()
    expect(added.get_by_label("First name")).to_be_hidden()

    assert settled(page, refusals) == []


def test_the_case_file_and_the_schedule_form_work(live_server, page: Page, refusals, officer, supervisor, facilitator):
    # An adult responsible party: a juvenile's case would need a guardian's consent as well.
    referral = ReferralFactory(
        referring_officer=officer, responsible__person=PersonFactory(date_of_birth=date(1990, 1, 1))
    )
    referral_services.submit_referral(referral=referral, by=officer)
    case = referral_services.accept_referral(referral=referral, by=supervisor).case
    case = case_services.assign_facilitators(case=case, by=supervisor, facilitator=facilitator)
    case = prepare_for_conference(case, facilitator=facilitator, supervisor=supervisor)
    sign_in(page, live_server, facilitator)

    # The case file: choosing a tab puts it in the address, for a reload to come back to.
    page.goto(f"{live_server.url}{case.get_absolute_url()}")
    expect(page.get_by_role("heading", name=f"Case {case.reference}")).to_be_visible()
    page.get_by_role("tab", name="Notes").click()
    expect(page.get_by_role("tab", name="Notes")).to_have_attribute("aria-selected", "true")
    expect(page).to_have_url(f"{live_server.url}{case.get_absolute_url()}?tab=notes")

    # The schedule form shows the place fields or the meeting link, for the mode chosen.
    page.goto(f"{live_server.url}/conferences/cases/{case.pk}/schedule/")
    expect(page.get_by_role("heading", name="Schedule a conference")).to_be_visible()
    expect(page.get_by_label("Or an address")).to_be_visible()
    page.get_by_text("Virtual", exact=True).click()
    expect(page.get_by_label("Or an address")).to_be_hidden()
    expect(page.get_by_label("Meeting link")).to_be_visible()

    assert settled(page, refusals) == []


def test_the_api_docs_render_under_their_policies(live_server, page: Page, refusals):
    page.goto(f"{live_server.url}/api/docs/")
    expect(page.locator(".opblock").first).to_be_visible()
    assert settled(page, refusals) == []

    page.goto(f"{live_server.url}/api/redoc/")
    # Redoc lays out the whole schema (every operation with its errors and links) before it shows it.
    expect(page.get_by_role("heading", name="RJ Cases API", exact=False).first).to_be_visible(timeout=30_000)
    # The search runs in Redoc's worker, which its policy allows.
    page.get_by_role("textbox", name="Search").fill("partner")
    partners = page.get_by_role("search").get_by_role("menuitem", name="List the community partners")
    expect(partners).to_be_visible(timeout=20_000)
    # Redoc's page allows its styles and its search worker; only its logo, from a CDN, stays refused.
    assert [refusal for refusal in settled(page, refusals) if "cdn.redoc.ly" not in refusal] == []
