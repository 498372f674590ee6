"""The case file: one page with the case's people, conferences, agreement, notes and referral.

What the case needs next is worked out here too (`next_step`), for the file and the facilitator's home.
Conferences and agreements are read through the case's relations: this floor does not import them.
"""

from dataclasses import dataclass, field

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_fsm import can_proceed

from people.audit import record_audit
from people.models import AuditEntry
from referrals.models import ContactUpdate, PartyRole, Referral
from referrals.permissions import referrals_for_user

from .forms import (
    AssessmentForm,
    AssignForm,
    CloseForm,
    ConsentForm,
    ContactForm,
    NoteForm,
    ReturnForm,
    WithdrawConsentForm,
)
from .models import Case, CaseEvent, CaseStatus, ConsentPurpose
from .permissions import can_work_case, get_case_for_user
from .readiness import readiness_problems


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
            count = len(problems)
            text = ngettext("%(count)s thing to prepare", "%(count)s things to prepare", count) % {"count": count}
            return NextStep(text, problems)
        return NextStep(_("Everything is in place: mark the case ready."))
    if status == CaseStatus.READY:
        return NextStep(_("Schedule a conference."))
    if status == CaseStatus.SCHEDULED:
        scheduled = [c for c in (conferences or case.conferences.all()) if c.is_scheduled]
        if scheduled:
            when = timezone.localtime(scheduled[0].starts_at)
            return NextStep(
                _("Conference on %(date)s at %(time)s: record it once held.")
                % {"date": f"{when:%a %d %b %Y}", "time": f"{when:%H:%M}"}
            )
        return NextStep(_("Record the conference once it is held."))
    if status == CaseStatus.CONFERENCE_HELD:
        return NextStep(_("Record the agreement."))
    if status == CaseStatus.MONITORING:
        open_items = _open_items(case, agreements)
        if open_items:
            count = len(open_items)
            return NextStep(
                ngettext("%(count)s agreement item still open.", "%(count)s agreement items still open.", count)
                % {"count": count},
                [_item_due(item) for item in open_items],
            )
        return NextStep(_("Every agreement item is completed or waived: complete the case."))
    if case.closed_at:
        return NextStep(_("Closed on %(date)s.") % {"date": f"{timezone.localtime(case.closed_at):%d %b %Y}"})
    return NextStep(_("Closed."))


def _item_due(item) -> str:
    """Say what an open agreement item is and when it is due."""
    values = {"item": item, "date": f"{item.due_date:%d %b %Y}"}
    if item.is_overdue:
        return _("%(item)s (due %(date)s, overdue)") % values
    return _("%(item)s (due %(date)s)") % values


def _open_items(case, agreements=None):
    agreements = agreements if agreements is not None else case.agreements.prefetch_related("items")
    current = next((a for a in agreements if a.is_current), None)
    return current.open_items() if current else []


# The case file


def case_detail(request, pk):
    case = get_case_for_user(request.user, pk)
    return render_case_file(request, case)


@dataclass
class PersonFile:
    """One person on the case with their preparation: contacts, consents, assessment, and the forms."""

    person: object
    roles: list = field(default_factory=list)
    contacts: list = field(default_factory=list)
    consents: list = field(default_factory=list)
    assessment: object = None
    forms: dict = field(default_factory=dict)
    proposals: list = field(default_factory=list)  # contact details typed on a referral, to adopt or dismiss

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
PERSON_FORMS = {"contact": ContactForm, "consent": ConsentForm, "assessment": AssessmentForm}


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
    proposals = ContactUpdate.objects.pending().filter(person_id__in=people).select_related("referral", "proposed_by")
    for proposal in proposals.order_by("created_at", "pk"):
        files[proposal.person_id].proposals.append(proposal)
    for pk, person_file in files.items():
        for name, form_class in PERSON_FORMS.items():
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
    if any(name in bound for name in PERSON_FORMS):
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


def render_case_file(request, case, *, bound=None, status=200):
    """Render the case file; `bound` holds forms that came back with errors, by name."""
    bound = bound or {}
    user = request.user
    record_audit(user, AuditEntry.Action.VIEW, case, request=request)
    referral: Referral = case.referral
    parties = list(referral.parties.select_related("person__contact"))
    # Through the case's relations, with each model's related rows in one query.
    conferences = list(
        case.conferences.select_related("venue").prefetch_related(
            "participants__person", "participants__user", "bookings__facilitator"
        )
    )
    agreements = list(
        case.agreements.prefetch_related(
            "items__partner", "items__harmed_party", "items__payments", "items__hours_entries"
        )
    )
    scheduled = next((c for c in conferences if c.is_scheduled), None)
    can_work = can_work_case(user, case)
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
        "can_work": can_work,
        # What is written in an exchange is the case team's alone (DESIGN.md, data protection 4).
        "exchanges": list(case.exchanges.prefetch_related("members__statements")) if can_work else [],
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
