"""The supervisors' dashboard, the cases behind each figure, the evaluation exports and officers' feedback."""

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from accounts.reauth import reauthenticate_if_needed
from cases.permissions import require_supervisor
from people.models import Role
from referrals.permissions import referrals_for_user

from . import exports, metrics
from .feedback import outcomes_by_month
from .figures import dashboard_figures, latest_build, refresh_interval
from .filters import FilterForm
from .models import Breakdown
from .report import DECLINE_REASONS, RETURN_REASONS, Report, group_label, metric_label
from .survival import time_to_reoffence
from .training import training_figures

PAGE_SIZE = 50
ID_BREAKDOWNS = ("officer", "facilitator", "unit")


def _filters_or_400(request):
    """Return (form, filters); filters is None when the query string is not valid."""
    form = FilterForm(request.GET)
    return form, (form.filters() if form.is_valid() else None)


def index(request):
    require_supervisor(request.user)
    form, filters = _filters_or_400(request)
    build = latest_build()
    context = {"form": form, "build": build}
    if filters is None:
        return render(request, "dashboard/index.html", context, status=400)
    if build is not None:
        context.update(
            sections_html=_sections_html(request, filters, build),
            query=filters.query(),
            refresh_interval=refresh_interval(),
            # Live, not cached with the sections: training is recorded between rebuilds.
            training=training_figures(filters, dashboard_figures(filters, build)),
        )
    return render(request, "dashboard/index.html", context)


def _sections_html(request, filters, build) -> str:
    """Render the figures' sections once per rollup build and filters: they change only with a rebuild."""
    key = f"dashboard-html:{build.pk}:{build.computed_at.timestamp()}:{filters.cache_key()}"
    html = cache.get(key)
    if html is None:
        report = Report(dashboard_figures(filters, build), filters)
        sections = _sections(report)
        context = {"sections": sections, "referrers": report.referrers(), "charts": report.charts(sections)}
        html = render_to_string("dashboard/_sections.html", context, request=request)
        cache.set(key, html, timeout=60 * 60)
    return mark_safe(html)


def _sections(report: Report) -> dict:
    """The dashboard's sections, as the page shows them and the figures export writes them."""
    return {
        "funnel": report.funnel(),
        "declined": report.reasons("declined", DECLINE_REASONS, _("Declined referrals by reason")),
        "returned": report.reasons("returned", RETURN_REASONS, _("Returned cases by reason")),
        "timeliness": report.timeliness(),
        "caseload": report.caseload(),
        "reparation": report.reparation(),
        "harmed": report.harmed_party(),
        "reoffending": report.reoffending(),
        "survival": time_to_reoffence(report.figures["total"]["survival"]),
    }


def _drilldown_params(request):
    """Return (metric, breakdown, group, after) from the query string, or raise ValueError with a reason."""
    metric = request.GET.get("metric", "")
    if metric not in metrics.DRILLABLE:
        raise ValueError(_("Unknown figure."))
    breakdown = request.GET.get("breakdown", "")
    group = request.GET.get("group", "")
    if breakdown and breakdown not in metrics.BREAKDOWN_DIMENSIONS:
        raise ValueError(_("Unknown breakdown."))
    if breakdown in ID_BREAKDOWNS and not (group.isascii() and group.isdigit() and len(group) <= 18):
        raise ValueError(_("That group is not a number."))
    if len(group) > 40:
        raise ValueError(_("That group is too long."))
    after = request.GET.get("after", "")
    if after and not after.isdigit():
        raise ValueError(_("The page marker is not a number."))
    return metric, breakdown, group, int(after) if after else None


def drilldown(request):
    """List the referrals (and their cases) behind one figure, newest first, a page at a time.

    Pages follow a marker (the last id shown) rather than an offset, and nothing is counted:
    the list stays quick however many cases are behind the figure.
    """
    require_supervisor(request.user)
    form, filters = _filters_or_400(request)
    try:
        metric, breakdown, group, after = _drilldown_params(request)
    except ValueError as error:
        return HttpResponseBadRequest(str(error))
    if filters is None:
        return HttpResponseBadRequest("; ".join(form.non_field_errors()) or _("Invalid filters."))
    listed = metrics.filtered_referrals(filters, referrals_for_user(request.user))  # sealed records are not listed
    referrals = metrics.cases_behind(listed, metric, breakdown=breakdown, group=group)
    if after is not None:
        referrals = referrals.filter(pk__lt=after)
    page = list(
        referrals.select_related("offence_category", "unit__agency", "case__facilitator").order_by("-pk")[
            : PAGE_SIZE + 1
        ]
    )
    more = len(page) > PAGE_SIZE
    page = page[:PAGE_SIZE]
    next_query = request.GET.copy()
    if more:
        next_query["after"] = page[-1].pk
    context = {
        "referrals": page,
        "metric": metric_label(metric),
        "breakdown": dict(Breakdown.choices).get(breakdown, ""),
        "group": group_label(breakdown, group) if breakdown else "",
        "next_query": next_query.urlencode() if more else "",
        "back_query": filters.query(),
    }
    return render(request, "dashboard/cases.html", context)


def export(request, fmt: str):
    """Download the filtered cases for evaluation: pseudonymised, or in full for an administrator."""
    require_supervisor(request.user)
    full = request.GET.get("full") == "1"
    if full and request.user.role != Role.ADMIN:
        raise PermissionDenied(_("Only administrators can export names and contact details."))
    if full and (again := reauthenticate_if_needed(request)):
        return again
    form, filters = _filters_or_400(request)
    if filters is None:
        return HttpResponseBadRequest("; ".join(form.non_field_errors()) or _("Invalid filters."))
    if fmt == "xlsx":
        return exports.xlsx_response(filters, full=full, user=request.user)
    return exports.csv_response(filters, full=full, user=request.user)


@require_safe
def figures_export(request):
    """Download every table of the dashboard's view as CSV: each figure with its 95 % interval."""
    require_supervisor(request.user)
    form, filters = _filters_or_400(request)
    if filters is None:
        return HttpResponseBadRequest("; ".join(form.non_field_errors()) or _("Invalid filters."))
    build = latest_build()
    if build is None:
        return HttpResponseBadRequest(_("The figures have not been computed yet."))
    report = Report(dashboard_figures(filters, build), filters)
    sections = _sections(report)
    sections["referrers"] = report.referrers()
    del sections["survival"]  # written from its histograms: the section holds only the words
    return exports.figures_response(filters, sections, report.figures["total"]["survival"])


@require_safe
def training_export(request, fmt: str):
    """Download the training record for funders: whoever may download the other exports may."""
    require_supervisor(request.user)
    return exports.training_response(fmt=fmt, user=request.user)


def feedback(request):
    """Show an officer the outcomes of their referrals (a unit lead: their unit's) month by month."""
    if not request.user.is_officer:
        raise PermissionDenied(_("This page shows officers the outcomes of their referrals."))
    months = outcomes_by_month(referrals_for_user(request.user))
    return render(request, "dashboard/feedback.html", {"months": months})
