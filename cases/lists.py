"""The case list, the supervisors' caseload page, and marking notifications read."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from people.models import Notification
from rjcases.listing import sort_and_paginate

from . import services
from .forms import (
    CaseFilterForm,
    ReassignForm,
    facilitators_with_caseload,
)
from .permissions import cases_for_user, require_supervisor

CASE_ERRORS = services.CASE_ERRORS


@require_POST
def mark_notifications_read(request):
    count = Notification.objects.filter(user=request.user, read_at__isnull=True).update(read_at=timezone.now())
    if count:
        messages.success(
            request,
            ngettext("%(count)s notification marked as read.", "%(count)s notifications marked as read.", count)
            % {"count": count},
        )
    return redirect("home")


# The case list and the supervisors' assignment pages


CASE_SORTS = {"reference": ("referral__reference",), "opened": ("opened_at",), "activity": ("last_activity_at",)}


def case_list(request):
    user = request.user
    if not (user.is_supervisor or user.is_facilitator):
        raise PermissionDenied(_("Cases are for supervisors and facilitators."))
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
                messages.success(
                    request,
                    ngettext(
                        "%(count)s open case moved to %(successor)s.",
                        "%(count)s open cases moved to %(successor)s.",
                        moved,
                    )
                    % {"count": moved, "successor": successor},
                )
                return redirect(f"{reverse('cases:list')}?facilitator={successor.pk}")
            messages.info(request, _("%(departing)s has no open case: nothing was moved.") % {"departing": departing})
            return redirect("cases:reassign")
    context = {"form": form, "caseload": facilitators_with_caseload()}
    return render(request, "cases/reassign.html", context, status=400 if form.errors else 200)
