"""Agreement and agreement-item pages, including the partners' view of the items they supervise.

Partners see an item's case reference, what is to be done, its due date and progress: never the
harmed party, their contact details, the conference notes or the incident (DESIGN.md, data protection 2-3).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.models import CaseStatus
from cases.permissions import can_work_case, cases_for_user, get_case_for_user
from cases.transitions import check_case_move
from people.audit import record_audit
from people.models import AuditEntry
from referrals.models import PartyRole
from rjcases.listing import sort_and_paginate
from rjcases.workflow import InvalidTransition

from . import services
from .agreement_forms import (
    AgreementForm,
    HoursForm,
    ItemFilter,
    ItemStatusForm,
    PaymentForm,
    RenegotiateForm,
    item_formset,
    item_initial,
)
from .models import AgreementItem, ItemKind, open_first
from .permissions import get_item_for_user, items_for_user

# Open items first, then by due date: what needs following up comes to the top.
ITEM_SORTS = {
    "due": (open_first(), "due_date"),
    "case": ("agreement__case__referral__reference",),
    "kind": ("kind",),
}


def case_agreements(case):
    """Return the case's agreements, newest version first, with what the agreement include shows."""
    items = AgreementItem.objects.select_related("partner", "harmed_party").prefetch_related(
        "payments", "hours_entries"
    )
    return case.agreements.select_related("created_by").prefetch_related(Prefetch("items", queryset=items))


def record_agreement(request, case_pk):
    """Record what the held conference agreed; the case moves to monitoring."""
    case = get_case_for_user(request.user, case_pk, write=True)
    if case.status == CaseStatus.MONITORING:
        messages.error(
            request, _("Case %(case)s already has an agreement; renegotiate it to change it.") % {"case": case}
        )
        return redirect(case)
    try:
        check_case_move(case, "start_monitoring")
    except InvalidTransition:
        messages.error(
            request,
            _("An agreement is recorded once the conference is held; case %(case)s is %(status)s.")
            % {"case": case, "status": case.get_status_display().lower()},
        )
        return redirect(case)
    form = AgreementForm(request.POST or None)
    items = item_formset(case, request.POST or None)
    if request.method == "POST" and form.is_valid() and items.is_valid():
        try:
            services.record_agreement(
                case=case, by=request.user, items=items.to_inputs(), summary=form.cleaned_data["summary"]
            )
        except InvalidTransition as error:
            messages.error(request, str(error))
            return redirect(case)
        messages.success(request, _("Agreement recorded: case %(case)s is now monitored.") % {"case": case})
        return redirect(case)
    context = {"case": case, "form": form, "items": items, "current": None}
    return render(request, "agreements/form.html", context, status=400 if request.method == "POST" else 200)


def renegotiate_agreement(request, case_pk):
    """Replace the current agreement with a new version, prefilled with the items still to do."""
    case = get_case_for_user(request.user, case_pk, write=True)
    current = case_agreements(case).filter(superseded_at__isnull=True).first()
    if case.status != CaseStatus.MONITORING or current is None:
        messages.error(request, _("An agreement can be renegotiated only while the case is monitored."))
        return redirect(case)
    form = RenegotiateForm(request.POST or None, initial={"summary": current.summary})
    items = item_formset(case, request.POST or None, initial=item_initial(current))
    if request.method == "POST" and form.is_valid() and items.is_valid():
        data = form.cleaned_data
        try:
            agreement = services.renegotiate_agreement(
                case=case, by=request.user, items=items.to_inputs(), reason=data["reason"], summary=data["summary"]
            )
        except InvalidTransition as error:
            messages.error(request, str(error))
            return redirect(case)
        messages.success(
            request,
            _("Agreement renegotiated: version %(version)s is now the current one.") % {"version": agreement.version},
        )
        return redirect(case)
    context = {"case": case, "form": form, "items": items, "current": current}
    return render(request, "agreements/form.html", context, status=400 if request.method == "POST" else 200)


def agreement_history(request, case_pk):
    """Show every version of the case's agreement, the current one first."""
    case = get_case_for_user(request.user, case_pk)
    record_audit(request.user, AuditEntry.Action.VIEW, case, request=request, detail="agreement history")
    context = {"case": case, "agreements": case_agreements(case), "can_work": can_work_case(request.user, case)}
    return render(request, "agreements/history.html", context)


def item_list(request):
    """List the items of current agreements the user may see: open ones first, soonest due first."""
    user = request.user
    items = (
        items_for_user(user)
        .filter(agreement__superseded_at__isnull=True)
        .select_related("agreement__case__referral", "partner")
        .prefetch_related("payments", "hours_entries")
    )
    filters = ItemFilter(request.GET, queryset=items, request=request)
    sorting, page = sort_and_paginate(request, filters.qs, columns=ITEM_SORTS, default="due")
    return render(request, "agreements/item_list.html", {"filters": filters, "page": page, "sorting": sorting})


def item_detail(request, pk):
    # Everyone who may see an item may record on it today; the getter stays the judge of that.
    try:
        item, can_record = get_item_for_user(request.user, pk, write=True), True
    except PermissionDenied:
        item, can_record = get_item_for_user(request.user, pk), False
    return _item_page(request, item, can_record=can_record)


@require_POST
def record_payment(request, pk):
    item = get_item_for_user(request.user, pk, write=True)
    form = PaymentForm(request.POST, prefix="payment", item=item)
    if not form.is_valid():
        return _item_page(request, item, can_record=True, payment_form=form)
    try:
        payment = services.record_payment(item=item, by=request.user, **form.cleaned_data)
    except InvalidTransition as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Payment of £%(amount)s on %(date)s recorded.")
            % {"amount": payment.amount, "date": f"{payment.paid_on:%d %b %Y}"},
        )
    return redirect(item)


@require_POST
def record_hours(request, pk):
    item = get_item_for_user(request.user, pk, write=True)
    form = HoursForm(request.POST, prefix="hours", item=item)
    if not form.is_valid():
        return _item_page(request, item, can_record=True, hours_form=form)
    try:
        entry = services.record_hours(item=item, by=request.user, **form.cleaned_data)
    except InvalidTransition as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("%(hours)s hours on %(date)s recorded.") % {"hours": entry.hours, "date": f"{entry.worked_on:%d %b %Y}"},
        )
    return redirect(item)


@require_POST
def set_item_status(request, pk):
    item = get_item_for_user(request.user, pk, write=True)
    form = ItemStatusForm(request.POST, prefix="status", item=item, user=request.user)
    if not form.is_valid():
        return _item_page(request, item, can_record=True, status_form=form)
    try:
        item = services.set_item_status(item=item, by=request.user, **form.cleaned_data)
    except InvalidTransition as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Item marked %(status)s.") % {"status": item.get_status_display().lower()})
    return redirect(item)


def _item_page(request, item, *, can_record, payment_form=None, hours_form=None, status_form=None):
    """Render the item with its ledger and, for those who record on it, the forms that apply now."""
    user = request.user
    case = item.agreement.case
    record_audit(user, AuditEntry.Action.VIEW, item, request=request)
    works_case = can_work_case(user, case)
    responsible = case.referral.parties.filter(role=PartyRole.RESPONSIBLE).select_related("person")
    open_for_recording = can_record and item.agreement.is_current and case.status == CaseStatus.MONITORING
    context = {
        "item": item,
        "case": case,
        "works_case": works_case,
        "can_see_case": cases_for_user(user).filter(pk=case.pk).exists(),
        # Partners get the first name at most; the harmed party only those who work the case.
        "responsible_names": [p.person.display_name if works_case else p.person.first_name for p in responsible],
        "payments": item.payments.select_related("recorded_by"),
        "hours_entries": item.hours_entries.select_related("recorded_by"),
        "open_for_recording": open_for_recording,
        "payment_form": payment_form or PaymentForm(prefix="payment"),
        "hours_form": hours_form or HoursForm(prefix="hours"),
        "status_form": status_form or ItemStatusForm(prefix="status", item=item, user=user),
        "is_restitution": item.kind == ItemKind.RESTITUTION,
        "is_service": item.kind == ItemKind.COMMUNITY_SERVICE,
    }
    status = 400 if payment_form or hours_form or status_form else 200
    return render(request, "agreements/item_detail.html", context, status=status)
