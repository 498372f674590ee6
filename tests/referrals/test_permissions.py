"""Who may open which page: every page against every persona, and each role's landing page after login."""

import pytest
from django.urls import reverse

from cases.models import Case
from people.models import Role
from referrals import services
from referrals.models import Referral, ReferralStatus
from tests.factories import ReferralFactory, UserFactory
from tests.helpers import page_text
from tests.signing_in import sign_in

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "officer", "other_officer", "unit_lead", "supervisor", "facilitator", "partner", "outsider"]


@pytest.fixture
def world(officer, supervisor, facilitator):
    """The officer's draft, their submitted referral, and an accepted one whose case the facilitator holds."""
    draft = ReferralFactory(referring_officer=officer)
    submitted = services.submit_referral(referral=ReferralFactory(referring_officer=officer), by=officer)
    to_accept = services.submit_referral(referral=ReferralFactory(referring_officer=officer), by=officer)
    accepted = services.accept_referral(referral=to_accept, by=supervisor)
    Case.objects.filter(referral=accepted).update(facilitator=facilitator)
    return {"draft": draft, "submitted": submitted, "case": Case.objects.get(referral=accepted)}


# page: (method, url of the world, POST data)
PAGES = {
    "list": ("get", lambda w: reverse("referrals:list"), None),
    "create": ("get", lambda w: reverse("referrals:create"), None),
    "detail": ("get", lambda w: reverse("referrals:detail", args=[w["draft"].pk]), None),
    "edit": ("get", lambda w: reverse("referrals:edit", args=[w["draft"].pk]), None),
    "submit": ("post", lambda w: reverse("referrals:submit", args=[w["draft"].pk]), {}),
    "withdraw": (
        "post",
        lambda w: reverse("referrals:withdraw", args=[w["draft"].pk]),
        {"reason": "No longer needed."},
    ),
    "screening_queue": ("get", lambda w: reverse("referrals:screening_queue"), None),
    "screen": ("get", lambda w: reverse("referrals:screen", args=[w["submitted"].pk]), None),
    "case_list": ("get", lambda w: reverse("cases:list"), None),
    "case_detail": ("get", lambda w: reverse("cases:detail", args=[w["case"].pk]), None),
    "home": ("get", lambda w: reverse("home"), None),
}

# Expected status per page, in the order of PERSONAS. 302 for a logged-in persona is a successful POST.
MATRIX = {
    #                  anon  officer other  lead  super  facil  partner outsider
    "list":            (302, 200,    200,   200,  200,   403,   403,    403),
    "create":          (302, 200,    200,   200,  403,   403,   403,    403),
    "detail":          (302, 200,    404,   200,  200,   404,   404,    404),
    "edit":            (302, 200,    404,   200,  403,   404,   404,    404),
    "submit":          (302, 302,    404,   302,  403,   404,   404,    404),
    "withdraw":        (302, 302,    404,   302,  302,   404,   404,    404),
    "screening_queue": (302, 403,    403,   403,  200,   403,   403,    403),
    "screen":          (302, 403,    403,   403,  200,   403,   403,    403),
    "case_list":       (302, 403,    403,   403,  200,   200,   403,    403),
    "case_detail":     (302, 404,    404,   404,  200,   200,   404,    404),
    "home":            (302, 200,    200,   200,  200,   200,   200,    200),
}  # fmt: skip

# What a successful POST does to the officer's draft.
EFFECTS = {"submit": ReferralStatus.SUBMITTED, "withdraw": ReferralStatus.WITHDRAWN}


@pytest.mark.parametrize(
    ("page", "persona", "expected"),
    [
        pytest.param(page, persona, status, id=f"{page}-{persona}-{status}")
        for page, statuses in MATRIX.items()
        for persona, status in zip(PERSONAS, statuses, strict=True)
    ],
)
def test_permission_matrix(client, request, world, page, persona, expected):
    method, url_of, data = PAGES[page]
    url = url_of(world)
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    client.raise_request_exception = False

    response = getattr(client, method)(url, data) if method == "post" else client.get(url)

    assert response.status_code == expected
    if persona == "anonymous":
        assert response["Location"].startswith(f"{reverse('login')}?next=")
    if page in EFFECTS:
        world["draft"].refresh_from_db()
        changed = persona != "anonymous" and expected == 302
        assert world["draft"].status == (EFFECTS[page] if changed else ReferralStatus.DRAFT)
    if expected == 403:
        assert "You are not allowed to do this" in page_text(response)
    if expected == 404:
        assert "Page not found" in page_text(response)


def test_guessing_ids_gives_the_same_404(login, other_officer, world):
    client = login(other_officer)
    existing = client.get(reverse("referrals:detail", args=[world["draft"].pk]))
    missing = client.get(reverse("referrals:detail", args=[Referral.objects.order_by("pk").last().pk + 1000]))
    assert existing.status_code == missing.status_code == 404
    assert world["draft"].reference not in page_text(existing)


@pytest.mark.parametrize("persona", ["officer", "unit_lead", "other_officer", "supervisor"])
def test_referral_list_shows_what_the_persona_may_see(login, request, world, persona):
    stranger = ReferralFactory()  # another unit's officer
    text = page_text(login(request.getfixturevalue(persona)).get(reverse("referrals:list")))

    sees_unit = persona in ("officer", "unit_lead", "supervisor")
    assert (world["draft"].reference in text) is sees_unit
    assert (world["submitted"].reference in text) is sees_unit
    assert (stranger.reference in text) is (persona == "supervisor")


def test_an_officer_does_not_see_a_colleagues_referral_even_in_the_same_unit(login, officer, unit):
    colleague = UserFactory(username="colleague", officer=True, unit=unit)
    theirs = ReferralFactory(referring_officer=colleague)

    client = login(officer)
    assert theirs.reference not in page_text(client.get(reverse("referrals:list")))
    assert client.get(reverse("referrals:detail", args=[theirs.pk])).status_code == 404


def test_a_unit_lead_can_edit_the_units_referrals(login, unit_lead, world):
    response = login(unit_lead).get(reverse("referrals:edit", args=[world["draft"].pk]))
    assert response.status_code == 200
    assert world["draft"].reference in page_text(response)


def test_a_facilitator_sees_only_their_own_cases(login, facilitator, supervisor, world, officer):
    other = services.accept_referral(
        referral=services.submit_referral(referral=ReferralFactory(referring_officer=officer), by=officer),
        by=supervisor,
    )
    client = login(facilitator)
    text = page_text(client.get(reverse("cases:list")))
    assert world["case"].reference in text
    assert other.reference not in text
    assert client.get(reverse("cases:detail", args=[other.case.pk])).status_code == 404


def test_an_officer_trying_to_screen_is_refused_with_the_reason(login, officer, world):
    response = login(officer).post(reverse("referrals:screen", args=[world["submitted"].pk]), {"action": "accept"})

    assert response.status_code == 403
    assert "Only supervisors screen referrals." in page_text(response)
    world["submitted"].refresh_from_db()
    assert world["submitted"].status == ReferralStatus.SUBMITTED
    assert not Case.objects.filter(referral=world["submitted"]).exists()


# Logging in with the real form, and each role's home page


def partner_name(user):
    return str(user.partner)


@pytest.mark.parametrize(
    ("persona", "content"),
    [
        ("officer", lambda user: "Log a diversion referral"),
        ("unit_lead", lambda user: "All unit referrals"),
        ("other_officer", lambda user: "All my referrals"),
        ("supervisor", lambda user: "Screening queue · oldest first"),
        ("facilitator", lambda user: "My cases"),
        ("partner", partner_name),
        ("outsider", partner_name),
    ],
)
def test_logging_in_lands_on_the_roles_home_page(client, request, persona, content):
    user = request.getfixturevalue(persona)
    response = sign_in(client, user.username)

    assert response.status_code == 302
    assert response["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    text = page_text(home)
    assert content(user) in text
    assert user.get_role_display() in text


def test_an_administrator_lands_on_the_programme_overview(client):
    admin = UserFactory(username="admin", admin=True)
    assert admin.role == Role.ADMIN
    response = sign_in(client, "admin", follow=True)

    assert response.redirect_chain == [("/", 302)]
    text = page_text(response)
    assert "Programme overview" in text
    assert "Administration" in text


def test_login_goes_back_to_the_page_asked_for(client, officer, world):
    url = reverse("referrals:detail", args=[world["draft"].pk])
    response = client.get(url)
    assert response.status_code == 302

    response = sign_in(client, "officer", url=response["Location"])
    assert response.status_code == 302
    assert response["Location"] == url


def test_a_wrong_password_does_not_log_in(client, officer):
    response = client.post(reverse("login"), {"login": "officer", "password": "wrong"})

    assert response.status_code == 200
    assert "The username and/or password you specified are not correct." in page_text(response)
    assert client.get("/").status_code == 302
