"""Supervisors' view of reminders that could not be sent, and sending one again."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.permissions import require_supervisor
from referrals.permissions import can_see_sealed
from rjcases.workflow import InvalidTransition

from .models import Reminder, ReminderStatus
from .sending import resend_reminder


def failed_reminders(request):
    require_supervisor(request.user)
    failed = Reminder.objects.filter(status=ReminderStatus.FAILED).select_related(
        "case__referral", "referral", "recipient_user", "recipient_person", "recipient_partner"
    )
    if not can_see_sealed(request.user):
        failed = failed.exclude(case__referral__sealed_at__isnull=False).exclude(referral__sealed_at__isnull=False)
    page = Paginator(failed.order_by("-due_at", "-pk"), 50).get_page(request.GET.get("page"))
    return render(request, "reminders/failed.html", {"page": page})


@require_POST
def resend(request, pk):
    require_supervisor(request.user)
    reminder = get_object_or_404(Reminder, pk=pk)
    try:
        resend_reminder(reminder=reminder, by=request.user)
    except InvalidTransition as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("The reminder “%(kind)s” will be sent again within a minute.") % {"kind": reminder.get_kind_display()},
        )
    return redirect("reminders:failed")
