"""The home page of each role: the work it has to do now.

The front door reads every floor (referrals, cases, agreement items), so it lives on top, beside
the URL map.
"""

from django.db.models import BooleanField, Count, ExpressionWrapper, Q, When
from django.db.models import Case as Condition
from django.shortcuts import render

from cases.case_file import next_step
from cases.forms import facilitators_with_caseload
from cases.models import OPEN_CASE_STATUSES, CaseStatus
from cases.permissions import cases_for_user
from conferences.models import ItemStatus
from conferences.permissions import items_for_user
from referrals.models import ReferralStatus
from referrals.permissions import referrals_for_user


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
