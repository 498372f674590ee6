"""Browser fixtures for the end-to-end tests: Debian's Chromium driven by Playwright's sync API.

Every test in this folder is marked `e2e`. Locally a missing Chromium skips them; in CI it fails them.
"""

import os
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.helpers import reseed_reference_data

# Playwright's sync API runs an event loop in the test thread, so Django's ORM would refuse to run
# in test code (SynchronousOnlyOperation). The live server answers in its own thread regardless.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--lang=en-GB",
]
# Playwright gives each launch a fresh temporary profile itself and refuses a --user-data-dir argument.
HERE = Path(__file__).resolve().parent
ARTIFACTS = HERE.parents[1] / "test-artifacts"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.e2e)


def _unavailable(reason: str):
    """Skip locally, fail in CI: the browser tests must never be skipped silently there."""
    if IN_CI:
        pytest.fail(f"{reason} (CI must run the browser tests)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing: install Debian's chromium package to run the browser tests")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    except Exception:
        playwright.stop()
        raise
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot(page):
    """Save a full-page screenshot of the current page to test-artifacts/<name>.png."""
    ARTIFACTS.mkdir(exist_ok=True)

    def _shot(name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return _shot


@pytest.fixture(autouse=True)
def seeded_reference_data(transactional_db):
    """Put back the rows the data migration seeds (offence categories, policy): a transactional test
    that ran before may have flushed them, and a browser test cannot restore a serialized copy."""
    reseed_reference_data()


AXE = HERE.parents[1] / "node_modules" / "axe-core" / "axe.min.js"
# The rules of WCAG 2.0, 2.1 and 2.2 at levels A and AA, as axe-core tags them.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture
def serious_violations():
    """Return a function giving the serious and critical WCAG violations axe-core finds on a page.

    axe is added to the page as a script: give the page a context made with `bypass_csp=True`.
    """
    if not AXE.exists():
        _unavailable(f"{AXE} is missing: `make test` installs it with npm (package.json)")

    def check(page) -> list[dict]:
        page.add_script_tag(path=str(AXE))
        found = page.evaluate(
            """async (tags) => (await axe.run(document, {runOnly: {type: "tag", values: tags}})).violations
                 .map(v => ({id: v.id, impact: v.impact, help: v.help,
                             nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}))""",
            WCAG_TAGS,
        )
        return [v for v in found if v["impact"] in ("serious", "critical")]

    return check
