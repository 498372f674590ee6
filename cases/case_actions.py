"""What is done from the case file: preparation, assignment, notes and closing.

Each handler is parse -> fetch through the permission getter -> call a service -> redirect; a form
that does not validate shows the case file again with the form's errors in place.
"""

from django.contrib import messages
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from people.models import ContactDetails
from referrals.models import PartyRole
from referrals.services import adopt_contact_update, dismiss_contact_update

from . import services
from .case_file import PERSON_FORMS, render_case_file
from .forms import (
    AssignForm,
    CasePartyForm,
    CloseForm,
    ContactDetailsForm,
    NoteForm,
    ReturnForm,
    WithdrawConsentForm,
    person_form_kwargs,
)
from .models import CaseStatus
from .permissions import get_case_for_user, get_contact_update_for_case, people_for_user, require_supervisor

CASE_ERRORS = services.CASE_ERRORS


@require_POST
def assign_facilitators(request, pk):
    require_supervisor(request.user)
    case = get_case_for_user(request.user, pk, write=True)
    form = AssignForm(request.POST, prefix="assign")
    if not form.is_valid():
        return render_case_file(request, case, bound={"assign": form}, status=400)
    try:
        services.assign_facilitators(case=case, by=request.user, **form.cleaned_data)
    except CASE_ERRORS as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Facilitators of %(case)s saved.") % {"case": case})
    return redirect(case)


def _back(case, tab=""):
    """Redirect to the case page, on the tab `tab` (people, notes) if given."""
    return redirect(f"{case.get_absolute_url()}?tab={tab}" if tab else case.get_absolute_url())


def _done(request, case, message, tab=""):
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
    return _done(request, case, _("Case %(case)s is ready: schedule a conference.") % {"case": case})


def _person_form(request, case, name):
    """Bind the person form `name` to the POST."""
    form_class = PERSON_FORMS[name]
    return form_class(request.POST, **person_form_kwargs(form_class, case))


def _record_for_person(request, pk, name, record):
    """Validate a person form, then `record(case, data)`; return the response and the result."""
    case = get_case_for_user(request.user, pk, write=True)
    form = _person_form(request, case, name)
    if not form.is_valid():
        if form.chosen_person_id() is None:
            messages.error(request, _("That person is not on this case. Reload the page and try again."))
            return _back(case, "people")
        return render_case_file(request, case, bound={name: form}, status=400)
    try:
        message = record(case, form.cleaned_data)
    except CASE_ERRORS as error:
        messages.error(request, str(error))
        return _back(case, "people")
    return _done(request, case, message, "people")


@require_POST
def log_contact(request, pk):
    def record(case, data):
        attempt = services.log_contact(case=case, by=request.user, **data)
        return _("%(channel)s to %(person)s logged.") % {
            "channel": attempt.get_channel_display(),
            "person": data["person"].display_name,
        }

    return _record_for_person(request, pk, "contact", record)


@require_POST
def record_consent(request, pk):
    def record(case, data):
        consent = services.record_consent(case=case, by=request.user, **data)
        return _("Consent of %(person)s to %(purpose)s recorded.") % {
            "person": data["person"].display_name,
            "purpose": consent.get_purpose_display().lower(),
        }

    return _record_for_person(request, pk, "consent", record)


@require_POST
def record_assessment(request, pk):
    def record(case, data):
        services.record_assessment(case=case, by=request.user, **data)
        return _("Assessment of %(person)s saved. A supervisor signs it off.") % {"person": data["person"].display_name}

    return _record_for_person(request, pk, "assessment", record)


@require_POST
def decide_contact_update(request, pk, update_pk):
    """Adopt contact details proposed on a referral into the person's details, or dismiss them."""
    decision = request.POST.get("decision")
    if decision not in ("adopt", "dismiss"):
        return HttpResponseBadRequest(_("Choose adopt or dismiss."))
    case = get_case_for_user(request.user, pk, write=True)
    update = get_contact_update_for_case(case, update_pk)
    decide = adopt_contact_update if decision == "adopt" else dismiss_contact_update
    try:
        decide(update=update, by=request.user)
    except CASE_ERRORS as error:
        messages.error(request, str(error))
        return _back(case, "people")
    if decision == "adopt":
        message = _("Proposed contact details adopted into the record.")
    else:
        message = _("Proposed contact details dismissed; nothing changed in the record.")
    return _done(request, case, message, "people")


@require_POST
def withdraw_consent(request, pk, consent_pk):
    case = get_case_for_user(request.user, pk, write=True)
    consent = get_object_or_404(case.consents.select_related("person"), pk=consent_pk)
    form = WithdrawConsentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the consent is withdrawn."))
        return _back(case, "people")
    before = case.status
    try:
        services.withdraw_consent(consent=consent, by=request.user, reason=form.cleaned_data["reason"])
    except CASE_ERRORS as error:
        messages.error(request, str(error))
        return _back(case, "people")
    case.refresh_from_db()
    message = _("Consent of %(person)s withdrawn.") % {"person": consent.person.display_name}
    if case.status == CaseStatus.INTAKE and before != CaseStatus.INTAKE:
        message += " " + _("The case is back in intake: it is no longer ready for a conference.")
        if before == CaseStatus.SCHEDULED:
            message += " " + _("Its scheduled conference is cancelled.")
    return _done(request, case, message, "people")


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
    message = _("Assessment of %(person)s signed off.") % {"person": assessment.person.display_name}
    return _done(request, case, message, "people")


@require_POST
def add_note(request, pk):
    case = get_case_for_user(request.user, pk, write=True)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return render_case_file(request, case, bound={"note": form}, status=400)
    services.add_note(case=case, by=request.user, text=form.cleaned_data["text"])
    return _done(request, case, _("Note added."), "notes")


def add_party(request, pk):
    """Add a guardian, a supporter or another party to the case."""
    case = get_case_for_user(request.user, pk, write=True)
    if not case.is_open:
        messages.error(
            request,
            _("Case %(case)s is %(status)s: no one can be added now.")
            % {"case": case, "status": case.get_status_display().lower()},
        )
        return _back(case, "people")
    form = CasePartyForm(request.POST or None, case=case, candidates=people_for_user(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            services.add_party_to_case(case=case, by=request.user, party=form.to_input())
        except CASE_ERRORS as error:
            messages.error(request, str(error))
            return _back(case, "people")
        role = PartyRole(form.cleaned_data["role"]).label
        return _done(request, case, _("%(role)s added to the case.") % {"role": role}, "people")
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
    return _done(request, case, _("Case %(case)s completed. The referring officer is told.") % {"case": case})


@require_POST
def return_case(request, pk):
    case = get_case_for_user(request.user, pk, write=True)
    form = ReturnForm(request.POST, prefix="return")
    if not form.is_valid():
        return render_case_file(request, case, bound={"return": form}, status=400)
    try:
        services.return_case(case=case, by=request.user, **form.cleaned_data)
    except CASE_ERRORS as error:
        messages.error(request, str(error))
        return _back(case)
    message = _("Case %(case)s returned to the referring agency. The officer is told.") % {"case": case}
    return _done(request, case, message)


@require_POST
def close_case(request, pk):
    case = get_case_for_user(request.user, pk, write=True)
    form = CloseForm(request.POST, prefix="close")
    if not form.is_valid():
        return render_case_file(request, case, bound={"close": form}, status=400)
    try:
        services.close_without_conference(case=case, by=request.user, reason=form.cleaned_data["reason"])
    except CASE_ERRORS as error:
        messages.error(request, str(error))
        return _back(case)
    message = _("Case %(case)s closed without a conference. The officer is told.") % {"case": case}
    return _done(request, case, message)


@require_http_methods(["GET", "POST"])
def contact_details(request, pk, person_pk):
    """Add or correct a participant's contact details (the case's facilitators and supervisors)."""
    case = get_case_for_user(request.user, pk, write=True)
    person = services.case_people(case).get(person_pk)
    if person is None:
        raise Http404(_("That person is not on this case."))
    on_record = ContactDetails.objects.filter(person=person).first() or ContactDetails(person=person)
    form = ContactDetailsForm(request.POST if request.method == "POST" else None, instance=on_record)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_contact_details(case=case, by=request.user, person=person, **form.cleaned_data)
        except CASE_ERRORS as error:
            messages.error(request, str(error))
        else:
            message = _("Contact details of %(person)s saved.") % {"person": person.display_name}
            return _done(request, case, message, "people")
    context = {"case": case, "person": person, "form": form}
    return render(request, "cases/contact_details.html", context, status=400 if form.errors else 200)
