"""The home page of each role, and the case pages."""

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import render

from conferences.permissions import items_for_user
from referrals.models import Referral, ReferralStatus
from referrals.permissions import referrals_for_user

from .audit import record_audit
from .models import AuditEntry, CaseStatus
from .permissions import cases_for_user, get_case_for_user


def home(request):
    """Land each role on the work it has to do now."""
    user = request.user
    context = {}
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
        template = "home/supervisor.html"
    elif user.is_facilitator:
        context["cases"] = cases_for_user(user).select_related("referral__offence_category").order_by("opened_at")[:20]
        template = "home/facilitator.html"
    else:
        context["items"] = (
            items_for_user(user)
            .select_related("agreement__case__referral", "partner")
            .order_by("status", "due_date")[:50]
        )
        template = "home/partner.html"
    return render(request, template, context)


def _counts_by_status(queryset, choices):
    counts = dict(queryset.order_by().values_list("status").annotate(n=Count("pk")))
    return [(value, label, counts.get(value, 0)) for value, label in choices.choices]


def case_list(request):
    user = request.user
    if not (user.is_supervisor or user.is_facilitator):
        raise PermissionDenied("Cases are for supervisors and facilitators.")
    cases = (
        cases_for_user(user).select_related("referral__offence_category", "facilitator").order_by("-opened_at", "-pk")
    )
    status = request.GET.get("status", "")
    if status in CaseStatus.values:
        cases = cases.filter(status=status)
    page = Paginator(cases, 25).get_page(request.GET.get("page"))
    return render(request, "cases/list.html", {"page": page, "status": status, "statuses": CaseStatus.choices})


def case_detail(request, pk):
    case = get_case_for_user(request.user, pk)
    record_audit(request.user, AuditEntry.Action.VIEW, case, request=request)
    referral: Referral = case.referral
    context = {
        "case": case,
        "referral": referral,
        "parties": referral.parties.select_related("person__contact"),
        "events": case.events.select_related("actor"),
        "can_see_referral": referrals_for_user(request.user).filter(pk=referral.pk).exists(),
    }
    return render(request, "cases/detail.html", context)
