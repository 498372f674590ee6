"""The case file page, who may open and change it, assigning facilitators, the case list and home pages."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import services as case_services
from cases.models import Case, CaseEvent, CaseNote, CaseStatus, ContactAttempt
from cases.readiness import readiness_problems
from cases.transitions import move_case
from people.models import AuditEntry
from tests.cases.builders import build_world, prepare, to_monitoring
from tests.factories import UserFactory
from tests.helpers import page_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(officer, supervisor, facilitator):
    return build_world(officer=officer, supervisor=supervisor, facilitator=facilitator)


def readiness_list(response) -> list[str]:
    """Return the items of the page's "What is needed to move on" list, as shown."""
    text = page_text(response)
    match = re.search(r"<ul [^>]*data-readiness>(.*?)</ul>", text, re.S)
    if match is None:
        return []
    return [re.sub(r"<[^>]+>", "", item).strip() for item in re.findall(r"<li[^>]*>(.*?)</li>", match.group(1), re.S)]


# The page


def test_the_case_page_tells_the_story(login, world, facilitator, supervisor):
    other = UserFactory(username="kim", first_name="Kim", last_name="Baker", facilitator=True)
    case_services.assign_facilitators(case=world.case, by=supervisor, facilitator=facilitator, co_facilitator=other)
    case_services.log_contact(
        case=world.case,
        by=facilitator,
        person=world.harmed,
        contacted_at=timezone.now() - timedelta(hours=2),
        channel="phone",
        outcome="no_answer",
    )

    response = login(facilitator).get(world.case.get_absolute_url())

    assert response.status_code == 200
    text = page_text(response)
    assert re.search(rf"<h1[^>]*>Case {world.case.reference} <span[^>]*>Intake</span>", text)
    assert f"Facilitator: <strong>{facilitator}</strong>" in text
    assert "Co-facilitator: <strong>Kim Baker</strong>" in text
    for name in ("Jamie Doyle", "Sue Doyle", "Pat Lee"):
        assert name in text
    assert "07700 900777" in text  # the case's facilitators see contact details
    for role in ("Responsible party", "Guardian", "Harmed party"):
        assert role in text
    assert "What is needed to move on" in text
    # The timeline: the opening move, the assignments and the contact, with who.
    assert "Case opened: <strong>Intake</strong>" in text
    assert f"Facilitator: {facilitator}, with Kim Baker." in text
    assert "Phone to Pat Lee: no answer." in text
    assert str(supervisor) in text
    # The conference and agreement sections of the other parts of the app are included.
    assert 'id="conferences"' in text
    assert 'id="agreement"' in text


def test_the_readiness_panel_lists_exactly_what_is_missing(login, world, facilitator, supervisor):
    client = login(facilitator)
    url = world.case.get_absolute_url()

    shown = readiness_list(client.get(url))
    assert shown == ["Assess the readiness and risk of Jamie Doyle.", "Assess the readiness and risk of Pat Lee."]

    for person in (world.responsible, world.harmed):
        case_services.record_assessment(
            case=world.case, by=facilitator, person=person, will_attend=True, ready=True, risk="low"
        )
    shown = readiness_list(client.get(url))
    assert shown == readiness_problems(world.case)
    assert shown == [
        "A supervisor must sign off the assessment of Jamie Doyle.",
        "Record Jamie Doyle's consent to take part in a conference.",
        "Record a guardian's consent for Jamie Doyle, who is a juvenile.",
        "A supervisor must sign off the assessment of Pat Lee.",
        "Record Pat Lee's consent to take part in a conference.",
    ]
    assert re.search(r"<button[^>]*disabled[^>]*>.*?Mark ready", page_text(client.get(url)), re.S)


def test_a_case_with_everything_in_place_offers_mark_ready(login, world, facilitator, supervisor):
    prepare(world, by=facilitator, supervisor=supervisor)

    response = login(facilitator).get(world.case.get_absolute_url())

    text = page_text(response)
    assert readiness_list(response) == []
    assert "Every consent, assessment and sign-off is in place." in text
    assert re.search(r'action="/cases/\d+/ready/".*?<button class="btn btn-primary" type="submit">', text, re.S)


def test_an_unassigned_case_asks_for_a_facilitator(login, officer, supervisor):
    world = build_world(officer=officer, supervisor=supervisor)
    response = login(supervisor).get(world.case.get_absolute_url())
    assert readiness_list(response)[0] == "Assign a facilitator."
    assert "not assigned yet" in page_text(response)


@pytest.mark.parametrize(
    ("stage", "expected"),
    [
        ("ready", ["Schedule a conference", "/conferences/cases/{pk}/schedule/"]),
        ("conference_held", ["Record the agreement", "/agreements/cases/{pk}/new/"]),
        ("monitoring", ["2 agreement items still open.", "Letter to Pat", "Clean the park"]),
    ],
)
def test_each_stage_shows_its_next_action(login, world, facilitator, supervisor, stage, expected):
    if stage == "monitoring":
        to_monitoring(world, by=facilitator, supervisor=supervisor)
    else:
        prepare(world, by=facilitator, supervisor=supervisor)
        case = case_services.mark_case_ready(case=world.case, by=facilitator)
        if stage == "conference_held":
            case = move_case(case=case, method_name="schedule", by=facilitator)
            move_case(case=case, method_name="hold_conference", by=facilitator)

    text = page_text(login(facilitator).get(world.case.get_absolute_url()))

    panel = text[text.index("What is needed to move on") : text.index('role="tablist"')]
    for snippet in expected:
        assert snippet.format(pk=world.case.pk) in panel


def test_the_stages_show_where_a_returned_case_stopped(login, world, facilitator):
    case_services.return_case(case=world.case, by=facilitator, reason_code="no_contact", note="")
    text = page_text(login(facilitator).get(world.case.get_absolute_url()))
    stages = text[text.index('aria-label="Stages of the case"') :]
    stages = stages[: stages.index("</ol>")]
    assert "Intake" in stages
    assert "Returned to agency" in stages
    assert "Ready" not in stages


def test_the_timeline_shows_every_kind_of_event(login, world, facilitator, supervisor):
    prepare(world, by=facilitator, supervisor=supervisor)
    case_services.add_note(case=world.case, by=facilitator, text="Pat prefers mornings.")
    case_services.mark_case_ready(case=world.case, by=facilitator)

    text = page_text(login(facilitator).get(world.case.get_absolute_url()))
    timeline = text[text.index("Timeline") :]

    for kind in ("Assignment", "Assessment", "Consent", "Note"):
        assert f">{kind}</span>" in timeline
    assert "Intake → <strong>Ready</strong>" in timeline
    assert "Jamie Doyle: consent to take part in a conference (given by Sue Doyle, guardian)." in timeline
    assert "Pat prefers mornings." not in timeline  # the timeline says only that a note was added
    # Newest first.
    assert timeline.index("Intake → <strong>Ready</strong>") < timeline.index("Case opened")


def test_viewing_the_case_page_is_audited(login, world, facilitator):
    login(facilitator).get(world.case.get_absolute_url())
    entry = AuditEntry.objects.get(action=AuditEntry.Action.VIEW)
    assert (entry.actor, entry.object_id) == (facilitator, str(world.case.pk))


def test_tab_in_the_address_opens_that_tab(login, world, facilitator):
    text = page_text(login(facilitator).get(world.case.get_absolute_url(), {"tab": "notes"}))
    assert re.search(r'class="nav-link active" id="case-notes-tab"', text)
    assert 'class="tab-pane fade show active" id="case-notes"' in text


# Who may open and change a case


PERSONAS = ["anonymous", "officer", "partner", "other_facilitator", "facilitator", "supervisor"]


def _post_data(world, name):
    consent = world.case.consents.first()
    assessment = world.case.assessments.first()
    now = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    today = timezone.localdate().isoformat()
    person = str(world.harmed.pk)
    return {
        "mark_ready": (reverse("cases:mark_ready", args=[world.case.pk]), {}),
        "assign": (
            reverse("cases:assign", args=[world.case.pk]),
            {"assign-facilitator": str(world.case.facilitator_id)},
        ),
        "log_contact": (
            reverse("cases:log_contact", args=[world.case.pk]),
            {"person": person, "contacted_at": now, "channel": "phone", "outcome": "reached"},
        ),
        "record_consent": (
            reverse("cases:record_consent", args=[world.case.pk]),
            {"person": person, "purpose": "share_outcome", "given_by": person, "given_on": today, "method": "verbal"},
        ),
        "withdraw_consent": (
            reverse("cases:withdraw_consent", args=[world.case.pk, consent.pk]),
            {"reason": "Changed their mind."},
        ),
        "record_assessment": (
            reverse("cases:record_assessment", args=[world.case.pk]),
            {"person": person, "will_attend": "on", "ready": "on", "risk": "medium"},
        ),
        "sign_off": (reverse("cases:sign_off", args=[world.case.pk, assessment.pk]), {}),
        "add_note": (reverse("cases:add_note", args=[world.case.pk]), {"text": "A note."}),
        "add_party": (
            reverse("cases:add_party", args=[world.case.pk]),
            {"role": "supporter", "kind": "individual", "first_name": "Ray", "last_name": "Ng"},
        ),
        "complete": (reverse("cases:complete", args=[world.case.pk]), {}),
        "return": (reverse("cases:return", args=[world.case.pk]), {"return-reason_code": "no_contact"}),
        "close": (reverse("cases:close", args=[world.case.pk]), {"close-reason": "Pat declined."}),
    }[name]


# Expected status per persona, in the order of PERSONAS. 302 for a logged-in persona means the
# request went through (a change, or a refusal of an impossible move with a message).
WRITE = (302, 404, 404, 404, 302, 302)
SUPERVISOR_ONLY = (302, 403, 403, 403, 403, 302)
MATRIX = {
    "mark_ready": WRITE,
    "assign": SUPERVISOR_ONLY,
    "log_contact": WRITE,
    "record_consent": WRITE,
    "withdraw_consent": WRITE,
    "record_assessment": WRITE,
    "sign_off": SUPERVISOR_ONLY,
    "add_note": WRITE,
    "add_party": WRITE,
    "complete": WRITE,
    "return": WRITE,
    "close": WRITE,
}
CHANGES = {"mark_ready", "complete"}  # impossible in intake: refused with a message, nothing changes


@pytest.fixture
def prepared_world(world, facilitator, supervisor):
    """The world's case with a consent and an (unsigned) assessment to withdraw and sign off."""
    case_services.record_consent(
        case=world.case,
        by=facilitator,
        person=world.harmed,
        purpose="conference",
        given_by=world.harmed,
        given_on=timezone.localdate(),
        method="written",
    )
    case_services.record_assessment(
        case=world.case, by=facilitator, person=world.harmed, will_attend=True, ready=False, risk="low"
    )
    return world


@pytest.mark.parametrize(
    ("action", "persona", "expected"),
    [
        pytest.param(action, persona, status, id=f"{action}-{persona}-{status}")
        for action, statuses in MATRIX.items()
        for persona, status in zip(PERSONAS, statuses, strict=True)
    ],
)
def test_permission_matrix_of_the_changes(
    client, request, prepared_world, other_facilitator, action, persona, expected
):
    world = prepared_world
    url, data = _post_data(world, action)
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    client.raise_request_exception = False
    events_before = CaseEvent.objects.filter(case=world.case).count()

    response = client.post(url, data)

    assert response.status_code == expected
    if persona == "anonymous":
        assert response["Location"].startswith(f"{reverse('login')}?next=")
    if expected == 403:
        assert "You are not allowed to do this" in page_text(response)
    if expected == 404:
        assert "Page not found" in page_text(response)
        assert world.case.reference not in page_text(response)
    changed = CaseEvent.objects.filter(case=world.case).count() != events_before
    assert changed is (persona != "anonymous" and expected == 302 and action not in CHANGES)


@pytest.mark.parametrize(
    ("page", "statuses"),
    [
        ("detail", (302, 404, 404, 404, 200, 200)),
        ("add_party", (302, 404, 404, 404, 200, 200)),
        ("reassign", (302, 403, 403, 403, 403, 200)),
        ("list", (302, 403, 403, 200, 200, 200)),
    ],
)
def test_permission_matrix_of_the_pages(client, request, world, other_facilitator, page, statuses):
    url = reverse(f"cases:{page}", args=[world.case.pk] if page in ("detail", "add_party") else [])
    for persona, expected in zip(PERSONAS, statuses, strict=True):
        client.logout()
        if persona != "anonymous":
            client.force_login(request.getfixturevalue(persona))
        response = client.get(url)
        assert response.status_code == expected, persona
        if expected != 200:
            assert world.case.reference not in page_text(response), persona


def test_a_case_page_for_another_facilitator_looks_like_a_missing_one(login, world, other_facilitator):
    client = login(other_facilitator)
    existing = client.get(world.case.get_absolute_url())
    missing = client.get(reverse("cases:detail", args=[Case.objects.order_by("pk").last().pk + 1000]))
    assert existing.status_code == missing.status_code == 404
    assert not ContactAttempt.objects.exists()


def test_the_case_pages_refuse_get_for_changes(login, world, facilitator):
    response = login(facilitator).get(reverse("cases:add_note", args=[world.case.pk]))
    assert response.status_code == 405
    assert not CaseNote.objects.exists()


def test_a_co_facilitator_works_the_case(login, world, supervisor, facilitator, other_facilitator):
    case_services.assign_facilitators(
        case=world.case, by=supervisor, facilitator=facilitator, co_facilitator=other_facilitator
    )
    client = login(other_facilitator)
    assert client.get(world.case.get_absolute_url()).status_code == 200
    response = client.post(reverse("cases:add_note", args=[world.case.pk]), {"text": "Met Pat."})
    assert response.status_code == 302
    assert CaseNote.objects.get().author == other_facilitator


# Assigning facilitators


def test_a_supervisor_assigns_a_facilitator_and_a_co_facilitator(login, officer, supervisor, facilitator):
    world = build_world(officer=officer, supervisor=supervisor)
    co = UserFactory(username="co", facilitator=True)
    client = login(supervisor)
    page = page_text(client.get(world.case.get_absolute_url()))
    assert 'name="assign-facilitator"' in page

    response = client.post(
        reverse("cases:assign", args=[world.case.pk]),
        {"assign-facilitator": facilitator.pk, "assign-co_facilitator": co.pk},
        follow=True,
    )

    case = world.refresh()
    assert (case.facilitator, case.co_facilitator) == (facilitator, co)
    assert f"Facilitators of {case} saved." in page_text(response)
    assert CaseEvent.objects.filter(case=case, kind="assignment", summary=f"Facilitator: {facilitator}, with {co}.")
    audited = AuditEntry.objects.filter(
        action=AuditEntry.Action.CHANGE, object_type="cases.case", object_id=str(case.pk)
    )
    assert audited.filter(actor=supervisor).exists()


def test_a_facilitator_cannot_see_the_assign_form(login, world, facilitator):
    text = page_text(login(facilitator).get(world.case.get_absolute_url()))
    assert 'name="assign-facilitator"' not in text


@pytest.mark.parametrize("problem", ["same_person", "inactive", "not_a_facilitator", "missing"])
def test_assigning_someone_wrong_is_refused_with_a_form_error(login, world, supervisor, facilitator, problem):
    inactive = UserFactory(username="gone", facilitator=True, is_active=False)
    chosen = {
        "same_person": {"assign-facilitator": facilitator.pk, "assign-co_facilitator": facilitator.pk},
        "inactive": {"assign-facilitator": inactive.pk},
        "not_a_facilitator": {"assign-facilitator": supervisor.pk},
        "missing": {},
    }[problem]

    response = login(supervisor).post(reverse("cases:assign", args=[world.case.pk]), chosen)

    assert response.status_code == 400
    text = page_text(response)
    assert "Nothing was saved" in text
    assert (
        "The co-facilitator must be someone other than the facilitator." in text
        if problem == "same_person"
        else "Select a valid choice" in text or "This field is required." in text
    )
    case = world.refresh()
    assert (case.facilitator, case.co_facilitator) == (facilitator, None)


def test_assigning_on_a_closed_case_is_refused_with_a_message(login, world, supervisor, other_facilitator):
    case_services.close_without_conference(case=world.case, by=supervisor, reason="Pat declined.")
    client = login(supervisor)
    assert 'name="assign-facilitator"' not in page_text(client.get(world.case.get_absolute_url()))

    response = client.post(
        reverse("cases:assign", args=[world.case.pk]), {"assign-facilitator": other_facilitator.pk}, follow=True
    )

    assert "its facilitators can no longer change" in page_text(response)
    assert world.refresh().facilitator != other_facilitator


# Reassigning a caseload


def test_a_supervisor_moves_a_departing_facilitators_open_cases(login, officer, supervisor, facilitator):
    successor = UserFactory(username="successor", first_name="Sam", last_name="Next", facilitator=True)
    open_ones = [build_world(officer=officer, supervisor=supervisor, facilitator=facilitator).case for _ in range(2)]
    closed = build_world(officer=officer, supervisor=supervisor, facilitator=facilitator).case
    case_services.close_without_conference(case=closed, by=supervisor, reason="Declined.")
    client = login(supervisor)

    page = page_text(client.get(reverse("cases:reassign")))
    assert f"{facilitator} (2 open cases)" in page

    response = client.post(
        reverse("cases:reassign"), {"departing": facilitator.pk, "successor": successor.pk}, follow=True
    )

    text = page_text(response)
    assert "2 open cases moved to Sam Next." in text
    assert response.redirect_chain[-1][0] == f"{reverse('cases:list')}?facilitator={successor.pk}"
    assert all(Case.objects.get(pk=case.pk).facilitator == successor for case in open_ones)
    assert Case.objects.get(pk=closed.pk).facilitator == facilitator
    assert CaseEvent.objects.filter(summary=f"Caseload of {facilitator} moved to {successor}.").count() == 2


def test_reassigning_to_the_same_facilitator_is_refused(login, world, supervisor, facilitator):
    response = login(supervisor).post(
        reverse("cases:reassign"), {"departing": facilitator.pk, "successor": facilitator.pk}
    )
    assert response.status_code == 400
    assert "Choose someone other than the departing facilitator." in page_text(response)
    assert not CaseEvent.objects.filter(summary__startswith="Caseload").exists()


def test_reassigning_an_empty_caseload_says_nothing_moved(login, supervisor, facilitator, other_facilitator):
    response = login(supervisor).post(
        reverse("cases:reassign"), {"departing": facilitator.pk, "successor": other_facilitator.pk}, follow=True
    )
    assert f"{facilitator} has no open case: nothing was moved." in page_text(response)


def test_a_departed_inactive_facilitator_can_still_be_chosen_as_departing(login, world, supervisor, facilitator):
    facilitator.is_active = False
    facilitator.save()
    successor = UserFactory(username="successor", facilitator=True)
    response = login(supervisor).post(
        reverse("cases:reassign"), {"departing": facilitator.pk, "successor": successor.pk}
    )
    assert response.status_code == 302
    assert world.refresh().facilitator == successor


def test_the_reassign_page_is_reachable_from_the_supervisor_home_and_the_case_list(login, supervisor):
    client = login(supervisor)
    url = reverse("cases:reassign")
    assert url in page_text(client.get("/"))
    assert url in page_text(client.get(reverse("cases:list")))


# The case list


@pytest.fixture
def three_cases(officer, supervisor, facilitator, other_facilitator):
    """The facilitator's case, the other facilitator's case (the facilitator co-facilitates), an unassigned one."""
    mine = build_world(officer=officer, supervisor=supervisor, facilitator=facilitator).case
    theirs = build_world(officer=officer, supervisor=supervisor, facilitator=other_facilitator).case
    case_services.assign_facilitators(
        case=theirs, by=supervisor, facilitator=other_facilitator, co_facilitator=facilitator
    )
    nobody = build_world(officer=officer, supervisor=supervisor).case
    return mine, theirs, nobody


@pytest.mark.parametrize(
    ("choice", "shown"),
    [
        ("", {0, 1, 2}),
        ("unassigned", {2}),
        ("facilitator", {0, 1}),
        ("other_facilitator", {1}),
        ("nonsense", {0, 1, 2}),
    ],
)
def test_supervisors_filter_the_case_list_by_facilitator(login, request, supervisor, three_cases, choice, shown):
    value = str(request.getfixturevalue(choice).pk) if choice in ("facilitator", "other_facilitator") else choice
    response = login(supervisor).get(reverse("cases:list"), {"facilitator": value})

    text = page_text(response)
    for index, case in enumerate(three_cases):
        assert (case.reference in text) is (index in shown), index
    if value and choice != "nonsense":
        assert f'<option value="{value}" selected>' in text


def test_the_list_combines_stage_and_facilitator(login, supervisor, three_cases, facilitator):
    mine, theirs, _ = three_cases
    case_services.close_without_conference(case=theirs, by=supervisor, reason="Declined.")
    text = page_text(login(supervisor).get(reverse("cases:list"), {"facilitator": facilitator.pk, "status": "intake"}))
    assert mine.reference in text
    assert theirs.reference not in text


def test_facilitators_have_no_facilitator_filter(login, facilitator, three_cases):
    text = page_text(login(facilitator).get(reverse("cases:list")))
    assert 'name="facilitator"' not in text
    assert three_cases[0].reference in text
    assert three_cases[1].reference in text  # co-facilitated
    assert three_cases[2].reference not in text


def test_the_supervisor_home_links_to_unassigned_cases(login, supervisor, three_cases, facilitator):
    text = page_text(login(supervisor).get("/"))
    assert f"{reverse('cases:list')}?status=intake&facilitator=unassigned" in text
    assert "Open caseload by facilitator" in text
    assert re.search(rf"{facilitator}</a>\s*<span>2</span>", text)


# The facilitator's home page


def test_the_facilitator_home_lists_open_cases_with_what_is_needed(login, officer, supervisor, facilitator):
    intake = build_world(officer=officer, supervisor=supervisor, facilitator=facilitator)
    monitored = build_world(officer=officer, supervisor=supervisor, facilitator=facilitator)
    to_monitoring(monitored, by=facilitator, supervisor=supervisor)
    closed = build_world(officer=officer, supervisor=supervisor, facilitator=facilitator).case
    case_services.close_without_conference(case=closed, by=facilitator, reason="Declined.")

    text = page_text(login(facilitator).get("/"))

    assert intake.case.reference in text
    assert "2 things to prepare" in text
    assert "Assess the readiness and risk of Jamie Doyle." in text
    assert monitored.case.reference in text
    assert "2 agreement items still open." in text
    assert closed.reference not in text


def test_a_case_ready_in_the_facilitator_home_says_schedule(login, world, facilitator, supervisor):
    prepare(world, by=facilitator, supervisor=supervisor)
    case_services.mark_case_ready(case=world.case, by=facilitator)
    text = page_text(login(facilitator).get("/"))
    assert "Schedule a conference." in text
    assert world.refresh().status == CaseStatus.READY
