"""The home page of each role, the case list and the case file.

Case pages: parse -> fetch through the permission getter -> call a service -> redirect or respond.
A form that does not validate shows the case file again with the form's errors in place.
"""

from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, Count, ExpressionWrapper, Prefetch, Q, When
from django.db.models import Case as Condition
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_fsm import can_proceed

from conferences.models import AgreementItem, ConferenceStatus, ItemStatus, Participant
from conferences.permissions import items_for_user
from referrals.models import PartyRole, Referral, ReferralStatus
from referrals.permissions import referrals_for_user

from . import services
from .audit import record_audit
from .forms import (
    AssessmentForm,
    AssignForm,
    CaseFilterForm,
    CasePartyForm,
    CloseForm,
    ConsentForm,
    ContactForm,
    NoteForm,
    ReassignForm,
    ReturnForm,
    WithdrawConsentForm,
    facilitators_with_caseload,
)
from .listing import sort_and_paginate
from .models import OPEN_CASE_STATUSES, AuditEntry, Case, CaseEvent, CaseStatus, ConsentPurpose, Notification
from .permissions import can_work_case, cases_for_user, get_case_for_user, require_supervisor
from .readiness import readiness_problems
from .services import PreparationError
from .transitions import InvalidTransition

CHANGE = AuditEntry.Action.CHANGE
CASE_ERRORS = (InvalidTransition, PreparationError)


# Home pages


def home(request):
    """Land each role on the work it has to do now."""
    user = request.user
    context = {
        "notifications": _notifications(user),
        "unread_count": user.notifications.filter(read_at__isnull=True).count(),
    }
    if user.is_officer or user.is_supervisor:
        referrals = referrals_for_user(user)
        context["referral_counts"] = _counts_by_status(referrals, ReferralStatus)
    if user.is_officer:
        context["needs_info"] = referrals.filter(status=ReferralStatus.NEEDS_INFO).with_list_data()[:10]
        context["recent"] = referrals.with_list_data().order_by("-created_at", "-pk")[:8]
        template = "home/officer.html"
    elif user.is_supervisor:
        queue = referrals.awaiting_screening().with_list_data()
        context["queue"] = queue[:8]
        context["queue_total"] = queue.count()
        context["case_counts"] = _counts_by_status(cases_for_user(user), CaseStatus)
        context["unassigned"] = cases_for_user(user).filter(facilitator__isnull=True, status=CaseStatus.INTAKE).count()
        context["caseload"] = [f for f in facilitators_with_caseload() if f.is_active or f.open_cases]
        template = "home/supervisor.html"
    elif user.is_facilitator:
        cases = (
            cases_for_user(user)
            .filter(status__in=OPEN_CASE_STATUSES)
            .select_related("referral__offence_category", "facilitator", "co_facilitator")
            .order_by("opened_at", "pk")
        )
        context["cases"] = [(case, next_step(case)) for case in cases]
        template = "home/facilitator.html"
    else:
        context["items"] = (
            items_for_user(user)
            .select_related("agreement__case__referral", "partner")
            .prefetch_related("payments", "hours_entries")
            # Open items first (else 50 settled ones could hide them), soonest due first.
            .order_by(Condition(When(status=ItemStatus.PENDING, then=0), default=1), "status", "due_date", "pk")[:50]
        )
        template = "home/partner.html"
    return render(request, template, context)


def _counts_by_status(queryset, choices):
    counts = dict(queryset.order_by().values_list("status").annotate(n=Count("pk")))
    return [(value, label, counts.get(value, 0)) for value, label in choices.choices]


def _notifications(user):
    """Return the user's latest notifications, the unread ones first."""
    unread = ExpressionWrapper(Q(read_at__isnull=True), output_field=BooleanField())
    return list(user.notifications.alias(unread=unread).order_by("-unread", "-created_at", "-pk")[:20])


@require_POST
def mark_notifications_read(request):
    count = Notification.objects.filter(user=request.user, read_at__isnull=True).update(read_at=timezone.now())
    if count:
        messages.success(request, f"{count} notification{'s' if count != 1 else ''} marked as read.")
    return redirect("home")


@dataclass
class NextStep:
    """What a case needs now, in a sentence, with the details behind it."""

    text: str
    details: list[str] = field(default_factory=list)


def next_step(case: Case, *, conferences=None, agreements=None) -> NextStep:
    """Return what the case needs to move on from its stage."""
    status = case.status
    if status == CaseStatus.INTAKE:
        problems = readiness_problems(case)
        if problems:
            return NextStep(f"{len(problems)} thing{'s' if len(problems) != 1 else ''} to prepare", problems)
        return NextStep("Everything is in place: mark the case ready.")
    if status == CaseStatus.READY:
        return NextStep("Schedule a conference.")
    if status == CaseStatus.SCHEDULED:
        scheduled = [c for c in (conferences or case.conferences.all()) if c.status == ConferenceStatus.SCHEDULED]
        if scheduled:
            when = timezone.localtime(scheduled[0].starts_at)
            return NextStep(f"Conference on {when:%a %d %b %Y at %H:%M}: record it once held.")
        return NextStep("Record the conference once it is held.")
    if status == CaseStatus.CONFERENCE_HELD:
        return NextStep("Record the agreement.")
    if status == CaseStatus.MONITORING:
        open_items = _open_items(case, agreements)
        if open_items:
            count = len(open_items)
            return NextStep(
                f"{count} agreement item{'s' if count != 1 else ''} still open.",
                [
                    f"{item} (due {item.due_date:%d %b %Y}{', overdue' if item.is_overdue else ''})"
                    for item in open_items
                ],
            )
        return NextStep("Every agreement item is completed or waived: complete the case.")
    return NextStep(f"Closed on {timezone.localtime(case.closed_at):%d %b %Y}." if case.closed_at else "Closed.")


def _open_items(case, agreements=None):
    agreements = agreements if agreements is not None else case.agreements.prefetch_related("items")
    current = next((a for a in agreements if a.is_current), None)
    return current.open_items() if current else []


# The case list and the supervisors' assignment pages


CASE_SORTS = {"reference": ("referral__reference",), "opened": ("opened_at",), "activity": ("last_activity_at",)}


def case_list(request):
    user = request.user
    if not (user.is_supervisor or user.is_facilitator):
        raise PermissionDenied("Cases are for supervisors and facilitators.")
    filters = CaseFilterForm(request.GET, by_facilitator=user.is_supervisor)
    cases = filters.filter(
        cases_for_user(user).select_related("referral__offence_category", "facilitator", "co_facilitator")
    )
    sorting, page = sort_and_paginate(request, cases, columns=CASE_SORTS, default="-opened")
    context = {"page": page, "sorting": sorting, "filters": filters, "status": filters.cleaned_data.get("status", "")}
    return render(request, "cases/list.html", context)


def reassign_caseload(request):
    """Hand every open case of a departing facilitator to a successor."""
    require_supervisor(request.user)
    form = ReassignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        departing, successor = form.cleaned_data["departing"], form.cleaned_data["successor"]
        try:
            moved = services.reassign_caseload(by=request.user, departing=departing, successor=successor)
        except CASE_ERRORS as error:
            form.add_error(None, str(error))
        else:
            if moved:
                record_audit(request.user, CHANGE, departing, request=request, detail=f"caseload moved: {moved}")
                messages.success(request, f"{moved} open case{'s' if moved != 1 else ''} moved to {successor}.")
                return redirect(f"{reverse('cases:list')}?facilitator={successor.pk}")
            messages.info(request, f"{departing} has no open case: nothing was moved.")
            return redirect("cases:reassign")
    context = {"form": form, "caseload": facilitators_with_caseload()}
    return render(request, "cases/reassign.html", context, status=400 if form.errors else 200)


@require_POST
def assign_facilitators(request, pk):
    require_supervisor(request.user)
    case = get_case_for_user(request.user, pk, write=True)
    form = AssignForm(request.POST, prefix="assign")
    if not form.is_valid():
        return _case_file(request, case, bound={"assign": form}, status=400)
    try:
        services.assign_facilitators(case=case, by=request.user, **form.cleaned_data)
    except CASE_ERRORS as error:
        messages.error(request, str(error))
    else:
        record_audit(request.user, CHANGE, case, request=request, detail="facilitators")
        messages.success(request, f"Facilitators of {case} saved.")
    return redirect(case)


# The case file


def case_detail(request, pk):
    case = get_case_for_user(request.user, pk)
    return _case_file(request, case)


@dataclass
class PersonFile:
    """One person on the case with their preparation: contacts, consents, assessment, and the forms."""

    person: object
    roles: list = field(default_factory=list)
    contacts: list = field(default_factory=list)
    consents: list = field(default_factory=list)
    assessment: object = None
    forms: dict = field(default_factory=dict)

    @property
    def role_values(self):
        return [party.role for party in self.roles]

    @property
    def active_consents(self):
        return [consent for consent in self.consents if consent.is_active]

    @property
    def withdrawn_consents(self):
        return [consent for consent in self.consents if not consent.is_active]

    @property
    def needs_guardian_consent(self) -> bool:
        """A juvenile party needs a guardian's consent to take part as well as their own."""
        is_party = any(role in (PartyRole.RESPONSIBLE, PartyRole.HARMED) for role in self.role_values)
        guardian_gave = any(
            c.is_active and c.by_guardian and c.purpose == ConsentPurpose.CONFERENCE for c in self.consents
        )
        return is_party and self.person.is_juvenile and not guardian_gave

    @property
    def open_form(self):
        """Return the name of a form that came back with errors, to show it opened."""
        return next((name for name, form in self.forms.items() if form.is_bound), "")


_ROLE_ORDER = [PartyRole.RESPONSIBLE, PartyRole.HARMED, PartyRole.GUARDIAN, PartyRole.SUPPORTER]
_PERSON_FORMS = {"contact": ContactForm, "consent": ConsentForm, "assessment": AssessmentForm}


def _person_files(case, parties, *, bound, can_record) -> list[PersonFile]:
    people = {party.person_id: party.person for party in parties}
    guardians = {party.person_id for party in parties if party.role == PartyRole.GUARDIAN}
    files = {}
    for party in sorted(parties, key=lambda p: (_ROLE_ORDER.index(p.role), p.pk)):
        files.setdefault(party.person_id, PersonFile(person=party.person)).roles.append(party)
    nobody = PersonFile(person=None)  # the records of someone no longer on the case are not shown
    for attempt in case.contacts.select_related("recorded_by"):
        files.get(attempt.person_id, nobody).contacts.append(attempt)
    for consent in case.consents.select_related("given_by", "recorded_by", "withdrawn_by"):
        consent.withdraw_form = WithdrawConsentForm(auto_id=f"id_withdraw{consent.pk}_%s")
        files.get(consent.person_id, nobody).consents.append(consent)
    for assessment in case.assessments.select_related("assessed_by", "signed_off_by"):
        files.get(assessment.person_id, nobody).assessment = assessment
    for pk, person_file in files.items():
        for name, form_class in _PERSON_FORMS.items():
            form = bound.get(name)
            if form is not None and form.chosen_person_id() == pk:
                person_file.forms[name] = form
            elif can_record:
                initial = {"person": pk}
                if name == "assessment":
                    initial |= AssessmentForm.initial_from(person_file.assessment)
                elif name == "contact":
                    initial["contacted_at"] = timezone.localtime().replace(second=0, microsecond=0)
                elif name == "consent":
                    initial |= {"given_by": pk, "given_on": timezone.localdate()}
                kwargs = {"guardians": guardians} if name == "consent" else {}
                auto_id = f"id_p{pk}_{name}_%s"
                person_file.forms[name] = form_class(people=people, initial=initial, auto_id=auto_id, **kwargs)
    return list(files.values())


CASE_TABS = ("people", "conferences", "agreement", "notes", "referral")


def _active_tab(request, case, bound) -> str:
    """Return the tab to open: the one of a form with errors, the one asked for, or the stage's."""
    if any(name in bound for name in _PERSON_FORMS):
        return "people"
    if "note" in bound:
        return "notes"
    if request.GET.get("tab") in CASE_TABS:
        return request.GET["tab"]
    if case.status in (CaseStatus.SCHEDULED, CaseStatus.CONFERENCE_HELD):
        return "conferences"
    if case.status in (CaseStatus.MONITORING, CaseStatus.COMPLETED):
        return "agreement"
    return "people"


def _case_file(request, case, *, bound=None, status=200):
    """Render the case file; `bound` holds forms that came back with errors, by name."""
    bound = bound or {}
    user = request.user
    record_audit(user, AuditEntry.Action.VIEW, case, request=request)
    referral: Referral = case.referral
    parties = list(referral.parties.select_related("person__contact"))
    conferences = list(
        case.conferences.select_related("venue").prefetch_related(
            Prefetch("participants", queryset=Participant.objects.select_related("person", "user")),
            "bookings__facilitator",
        )
    )
    agreements = list(
        case.agreements.prefetch_related(
            Prefetch(
                "items",
                queryset=AgreementItem.objects.select_related("partner", "harmed_party").prefetch_related(
                    "payments", "hours_entries"
                ),
            )
        )
    )
    scheduled = next((c for c in conferences if c.status == ConferenceStatus.SCHEDULED), None)
    events = list(case.events.select_related("actor").order_by("-created_at", "-pk"))
    is_open = case.is_open
    context = {
        "case": case,
        "referral": referral,
        "parties": parties,
        "people": _person_files(case, parties, bound=bound, can_record=is_open),
        "step": next_step(case, conferences=conferences, agreements=agreements),
        "open_items": _open_items(case, agreements) if case.status == CaseStatus.MONITORING else [],
        "scheduled_conference": scheduled,
        "events": events,
        "stages": _stages(case, events),
        "can_work": can_work_case(user, case),
        "notes": case.notes.select_related("author"),
        "note_form": bound.get("note") or NoteForm(),
        "conferences": conferences,
        "agreements": agreements,
        "closing": {
            "complete": can_proceed(case.complete),
            "return": can_proceed(case.return_to_agency),
            "close": can_proceed(case.close_without_conference),
        },
        "return_form": bound.get("return") or ReturnForm(prefix="return"),
        "close_form": bound.get("close") or CloseForm(prefix="close"),
        "tab": _active_tab(request, case, bound),
        "has_errors": bool(bound),
        "can_see_referral": referrals_for_user(user).filter(pk=referral.pk).exists(),
    }
    if user.is_supervisor and is_open:
        initial = {"facilitator": case.facilitator_id, "co_facilitator": case.co_facilitator_id}
        context["assign_form"] = bound.get("assign") or AssignForm(prefix="assign", initial=initial)
    return render(request, "cases/detail.html", context, status=status)


_PATH = [
    CaseStatus.INTAKE,
    CaseStatus.READY,
    CaseStatus.SCHEDULED,
    CaseStatus.CONFERENCE_HELD,
    CaseStatus.MONITORING,
    CaseStatus.COMPLETED,
]


def _stages(case, events) -> list[tuple[str, str]]:
    """Return the stages as (label, done | current | todo | stopped); a case closed early ends where it left."""
    if case.status in _PATH:
        reached = _PATH.index(case.status)
        states = ["done" if i < reached else "current" if i == reached else "todo" for i in range(len(_PATH))]
        return [(stage.label, state) for stage, state in zip(_PATH, states, strict=True)]
    left = next((e.from_status for e in events if e.kind == CaseEvent.Kind.MOVE and e.to_status == case.status), "")
    reached = _PATH.index(left) if left in _PATH else -1
    return [(stage.label, "done") for stage in _PATH[: reached + 1]] + [(case.get_status_display(), "stopped")]


def _back(case, tab=""):
    """Redirect to the case page, on the tab `tab` (people, notes) if given."""
    return redirect(f"{case.get_absolute_url()}?tab={tab}" if tab else case.get_absolute_url())


def _done(request, case, detail, message, tab=""):
    record_audit(request.user, CHANGE, case, request=request, detail=detail)
    messages.success(request, message)
    return _back(case, tab)


@require_POST
def mark_ready(request, pk):
    case = get_case_for_user(request.user, pk, write=True)
    try:
        services.mark_case_ready(case=case, by=request.user)
    except CASE_ERRORS as error:
        messages.error(request, str(error))
        return _back(case)
    return _done(request, case, "ready", f"Case {case} is ready: schedule a conference.")


def _person_form(request, case, name):
    """Bind the person form `name` to the POST; return it, or a response when the person is unknown."""
    parties = list(case.referral.parties.select_related("person"))
    people = {party.person_id: party.person for party in parties}
    kwargs = {"people": people}
    if name == "consent":
        kwargs["guardians"] = {party.person_id for party in parties if party.role == PartyRole.GUARDIAN}
    return _PERSON_FORMS[name](request.POST, **kwargs)


def _record_for_person(request, pk, name, record):
    """Validate a person form, then `record(case, data)`; return the response and the result."""
    case = get_case_for_user(request.user, pk, write=True)
    form = _person_form(request, case, name)
    if not form.is_valid():
        if form.chosen_person_id() is None:
            messages.error(request, "That person is not on this case. Reload the page and try again.")
            return _back(case, "people")
        return _case_file(request, case, bound={name: form}, status=400)
    try:
        message = record(case, form.cleaned_data)
    except CASE_ERRORS as error:
        messages.error(request, str(error))
        return _back(case, "people")
    return _done(request, case, name, message, "people")


@require_POST
def log_contact(request, pk):
    def record(case, data):
        attempt = services.log_contact(case=case, by=request.user, **data)
        return f"{attempt.get_channel_display()} to {data['person'].display_name} logged."

    return _record_for_person(request, pk, "contact", record)


@require_POST
def record_consent(request, pk):
    def record(case, data):
        consent = services.record_consent(case=case, by=request.user, **data)
        return f"Consent of {data['person'].display_name} to {consent.get_purpose_display().lower()} recorded."

    return _record_for_person(request, pk, "consent", record)


@require_POST
def record_assessment(request, pk):
    def record(case, data):
        services.record_assessment(case=case, by=request.user, **data)
        return f"Assessment of {data['person'].display_name} saved. A supervisor signs it off."

    return _record_for_person(request, pk, "assessment", record)


@require_POST
def withdraw_consent(request, pk, consent_pk):
    case = get_case_for_user(request.user, pk, write=True)
    consent = get_object_or_404(case.consents.select_related("person"), pk=consent_pk)
    form = WithdrawConsentForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why the consent is withdrawn.")
        return _back(case, "people")
    before = case.status
    try:
        services.withdraw_consent(consent=consent, by=request.user, reason=form.cleaned_data["reason"])
    except CASE_ERRORS as error:
        messages.error(request, str(error))
        return _back(case, "people")
    case.refresh_from_db()
    message = f"Consent of {consent.person.display_name} withdrawn."
    if case.status == CaseStatus.INTAKE and before != CaseStatus.INTAKE:
        message += " The case is back in intake: it is no longer ready for a conference."
        if before == CaseStatus.SCHEDULED:
            message += " Its scheduled conference is cancelled."
    return _done(request, case, "consent withdrawn", message, "people")


@require_POST
def sign_off_assessment(request, pk, assessment_pk):
    require_supervisor(request.user)
    case = get_case_for_user(request.user, pk, write=True)
    assessment = get_object_or_404(case.assessments.select_related("person"), pk=assessment_pk)
    try:
        services.sign_off_assessment(assessment=assessment, by=request.user)
    except CASE_ERRORS as error:
        messages.error(request, str(error))
        return _back(case, "people")
    return _done(request, case, "sign-off", f"Assessment of {assessment.person.display_name} signed off.", "people")


@require_POST
def add_note(request, pk):
    case = get_case_for_user(request.user, pk, write=True)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _case_file(request, case, bound={"note": form}, status=400)
    services.add_note(case=case, by=request.user, text=form.cleaned_data["text"])
    return _done(request, case, "note", "Note added.", "notes")


def add_party(request, pk):
    """Add a guardian, a supporter or another party to the case."""
    case = get_case_for_user(request.user, pk, write=True)
    if not case.is_open:
        messages.error(request, f"Case {case} is {case.get_status_display().lower()}: no one can be added now.")
        return _back(case, "people")
    form = CasePartyForm(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_party_to_case(case=case, by=request.user, party=form.to_input())
        except CASE_ERRORS as error:
            messages.error(request, str(error))
            return _back(case, "people")
        role = PartyRole(form.cleaned_data["role"]).label
        return _done(request, case, "party added", f"{role} added to the case.", "people")
    return render(request, "cases/add_party.html", {"case": case, "form": form}, status=400 if form.errors else 200)


# Closing


@require_POST
def complete_case(request, pk):
    case = get_case_for_user(request.user, pk, write=True)
    try:
        services.complete_case(case=case, by=request.user)
    except CASE_ERRORS as error:
        messages.error(request, str(error))
        return _back(case)
    return _done(request, case, "completed", f"Case {case} completed. The referring officer is told.")


@require_POST
def return_case(request, pk):
    case = get_case_for_user(request.user, pk, write=True)
    form = ReturnForm(request.POST, prefix="return")
    if not form.is_valid():
        return _case_file(request, case, bound={"return": form}, status=400)
    try:
        services.return_case(case=case, by=request.user, **form.cleaned_data)
    except CASE_ERRORS as error:
        messages.error(request, str(error))
        return _back(case)
    return _done(request, case, "returned", f"Case {case} returned to the referring agency. The officer is told.")


@require_POST
def close_case(request, pk):
    case = get_case_for_user(request.user, pk, write=True)
    form = CloseForm(request.POST, prefix="close")
    if not form.is_valid():
        return _case_file(request, case, bound={"close": form}, status=400)
    try:
        services.close_without_conference(case=case, by=request.user, reason=form.cleaned_data["reason"])
    except CASE_ERRORS as error:
        messages.error(request, str(error))
        return _back(case)
    return _done(request, case, "closed", f"Case {case} closed without a conference. The officer is told.")
