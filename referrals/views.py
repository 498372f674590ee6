"""Referral pages: parse -> fetch through the permission getter -> call a service -> respond."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from people.audit import record_audit
from people.merging import MergeRefused
from people.models import AuditEntry
from rjcases.listing import sort_and_paginate

from . import services
from .eligibility import evaluate_referral
from .forms import (
    AcceptForm,
    DeclineForm,
    InfoAnswerForm,
    PartyFormSet,
    ReferralFilter,
    ReferralForm,
    RequestInfoForm,
    WithdrawForm,
    party_initial,
)
from .matching import MergeForm, merge_party_into, possible_duplicates
from .models import ReferralStatus
from .permissions import (
    can_edit_referral,
    can_see_party_contacts,
    can_withdraw_referral,
    contact_people_for_user,
    get_referral_for_user,
    people_for_referrer,
    referrals_for_user,
    require_referrer,
    require_screener,
)
from .transitions import InvalidTransition

# The columns each list sorts by (ascending); every key here is backed by an index at scale.
REFERRAL_SORTS = {"reference": ("reference",), "incident": ("incident_date",), "logged": ("created_at",)}
QUEUE_SORTS = {"reference": ("reference",), "submitted": ("submitted_at",)}


def referral_list(request):
    user = request.user
    if not (user.is_officer or user.is_supervisor):
        raise PermissionDenied(_("Referrals are for police officers and supervisors."))
    filters = ReferralFilter(request.GET, queryset=referrals_for_user(user).with_list_data())
    sorting, page = sort_and_paginate(request, filters.qs, columns=REFERRAL_SORTS, default="-logged")
    if user.is_supervisor:
        title = _("All referrals")
    elif user.is_unit_lead:
        title = _("Referrals of %(unit)s") % {"unit": user.unit}
    else:
        title = _("My referrals")
    context = {"filters": filters, "page": page, "sorting": sorting, "title": title}
    return render(request, "referrals/list.html", context)


def referral_create(request):
    require_referrer(request.user)
    form = ReferralForm(request.POST or None)
    parties = PartyFormSet(
        request.POST or None, prefix="parties", form_kwargs={"candidates": people_for_referrer(request.user)}
    )
    if request.method == "POST" and form.is_valid() and parties.is_valid():
        party_inputs, _removed = parties.to_inputs()
        referral = services.create_referral(officer=request.user, data=form.to_input(), parties=party_inputs)
        if request.POST.get("action") == "submit":
            return _submit_and_redirect(request, referral)
        messages.success(
            request, _("Draft %(referral)s saved. Submit it when it is complete.") % {"referral": referral}
        )
        return redirect(referral)
    return render(request, "referrals/form.html", {"form": form, "parties": parties, "referral": None})


def referral_edit(request, pk):
    referral = get_referral_for_user(request.user, pk, write=True)
    if not referral.is_editable:
        messages.error(
            request,
            _("Referral %(referral)s can no longer be changed: its status is %(status)s.")
            % {"referral": referral, "status": referral.get_status_display()},
        )
        return redirect(referral)
    needs_info = referral.status == ReferralStatus.NEEDS_INFO
    form = ReferralForm(request.POST or None, instance=referral)
    parties = PartyFormSet(
        request.POST or None,
        prefix="parties",
        initial=party_initial(referral, contact_people=contact_people_for_user(request.user, referral)),
        form_kwargs={
            "party_people": dict(referral.parties.values_list("pk", "person_id")),
            "candidates": people_for_referrer(request.user),
        },
    )
    answer = InfoAnswerForm(request.POST or None, prefix="info") if needs_info else None
    if request.method == "POST" and form.is_valid() and parties.is_valid() and (answer is None or answer.is_valid()):
        party_inputs, removed = parties.to_inputs()
        try:
            referral = services.update_referral(
                referral=referral,
                by=request.user,
                data=form.to_input(),
                parties=party_inputs,
                removed_party_ids=removed,
            )
            if needs_info:
                services.answer_info_request(referral=referral, by=request.user, answer=answer.cleaned_data["answer"])
                messages.success(
                    request,
                    _("Referral %(referral)s is back with the supervisors for screening.") % {"referral": referral},
                )
                return redirect(referral)
        except InvalidTransition as error:
            messages.error(request, str(error))
            return redirect(referral)
        if request.POST.get("action") == "submit":
            return _submit_and_redirect(request, referral)
        messages.success(request, _("Changes to %(referral)s saved.") % {"referral": referral})
        return redirect(referral)
    context = {"form": form, "parties": parties, "referral": referral, "answer": answer}
    return render(request, "referrals/form.html", context)


def _submit_and_redirect(request, referral):
    try:
        services.submit_referral(referral=referral, by=request.user)
    except InvalidTransition as error:
        referral.refresh_from_db()
        if referral.status == ReferralStatus.DRAFT:
            messages.error(request, _("%(error)s It is saved as a draft.") % {"error": error})
            return redirect("referrals:edit", pk=referral.pk)
        messages.error(request, str(error))
        return redirect(referral)
    messages.success(request, _("Referral %(referral)s submitted for screening.") % {"referral": referral})
    return redirect(referral)


def referral_detail(request, pk):
    referral = get_referral_for_user(request.user, pk)
    record_audit(request.user, AuditEntry.Action.VIEW, referral, request=request)
    context = {
        "referral": referral,
        "parties": referral.parties.select_related("person__contact"),
        "events": referral.events.select_related("actor"),
        "can_edit": can_edit_referral(request.user, referral),
        "show_contacts": can_see_party_contacts(request.user, referral),
        "contact_people": contact_people_for_user(request.user, referral),
        "case": getattr(referral, "case", None) if referral.status == ReferralStatus.ACCEPTED else None,
        "withdraw_form": WithdrawForm(),
    }
    return render(request, "referrals/detail.html", context)


@require_POST
def referral_submit(request, pk):
    referral = get_referral_for_user(request.user, pk, write=True)
    return _submit_and_redirect(request, referral)


@require_POST
def referral_withdraw(request, pk):
    referral = get_referral_for_user(request.user, pk)
    if not can_withdraw_referral(request.user, referral):
        raise PermissionDenied(_("Only the referring officer or a supervisor can withdraw a referral."))
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the referral is withdrawn."))
        return redirect(referral)
    try:
        services.withdraw_referral(referral=referral, by=request.user, reason=form.cleaned_data["reason"])
    except InvalidTransition as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Referral %(referral)s withdrawn.") % {"referral": referral})
    return redirect(referral)


def screening_queue(request):
    require_screener(request.user)
    queue = referrals_for_user(request.user).awaiting_screening().with_list_data()
    sorting, page = sort_and_paginate(request, queue, columns=QUEUE_SORTS, default="submitted")
    return render(request, "referrals/screening_queue.html", {"page": page, "sorting": sorting})


def screen_referral(request, pk):
    """Show the eligibility results and take one decision: accept, decline or ask for information."""
    require_screener(request.user)
    referral = get_referral_for_user(request.user, pk)
    action = request.POST.get("action") if request.method == "POST" else None
    data = request.POST if request.method == "POST" else None
    forms = {
        "accept": AcceptForm(data if action == "accept" else None, prefix="accept"),
        "decline": DeclineForm(data if action == "decline" else None, prefix="decline"),
        "request_info": RequestInfoForm(data if action == "request_info" else None, prefix="info"),
    }
    if action in forms and forms[action].is_valid():
        try:
            _decide(request, referral, action, forms[action])
        except InvalidTransition as error:
            messages.error(request, str(error))
            return redirect(referral)
        except services.OverrideRequired as error:
            forms["accept"].add_error("justification", str(error))
        else:
            return redirect(referral.case if action == "accept" else referral)
    elif action and action not in forms:
        messages.error(request, _("Choose accept, decline or ask for information."))
    record_audit(request.user, AuditEntry.Action.VIEW, referral, request=request, detail="screening")
    results = evaluate_referral(referral)
    context = {
        "referral": referral,
        "parties": referral.parties.select_related("person__contact"),
        "events": referral.events.select_related("actor"),
        "results": results,
        "eligible": all(r.passed for r in results),
        "earlier": referrals_for_user(request.user).earlier_for_responsible_parties_of(referral).with_list_data()[:10],
        "forms": forms,
        "active": action or "accept",
        "duplicates": possible_duplicates(referral),
    }
    return render(request, "referrals/screen.html", context, status=400 if action else 200)


@require_POST
def merge_duplicate(request, pk):
    """Merge a person the referral names into the same individual already on record."""
    require_screener(request.user)
    referral = get_referral_for_user(request.user, pk)
    form = MergeForm(request.POST, duplicates=possible_duplicates(referral))
    if not form.is_valid():
        messages.error(request, " ".join(form.non_field_errors()) or _("Choose a person and a match to merge."))
        return redirect("referrals:screen", pk=referral.pk)
    try:
        merge = merge_party_into(party=form.cleaned_data["party"], keep=form.cleaned_data["keep"], by=request.user)
    except MergeRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Person %(merged)s merged into person %(kept)s.") % {"merged": merge.merged_id, "kept": merge.kept_id},
        )
    return redirect("referrals:screen", pk=referral.pk)


def _decide(request, referral, action, form):
    data = form.cleaned_data
    if action == "accept":
        services.accept_referral(referral=referral, by=request.user, justification=data["justification"])
        referral.refresh_from_db()
        messages.success(request, _("Referral %(referral)s accepted: case opened in intake.") % {"referral": referral})
    elif action == "decline":
        services.decline_referral(
            referral=referral, by=request.user, reason_code=data["reason_code"], note=data["note"]
        )
        messages.success(request, _("Referral %(referral)s declined.") % {"referral": referral})
    else:
        services.request_info(referral=referral, by=request.user, message=data["message"])
        messages.success(
            request,
            _("Referral %(referral)s sent back to the officer for more information.") % {"referral": referral},
        )
