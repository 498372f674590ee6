"""Reminders where other pages show them: the case and conference pages, the supervisors' count."""

from django import template

from cases.permissions import can_work_case

from ..models import Reminder, ReminderStatus
from ..planning import planned_for_case

register = template.Library()


@register.simple_tag(takes_context=True)
def case_reminders(context, case) -> list | None:
    """Return the case's reminders for its panel, or None for a user who does not work the case."""
    if not can_work_case(context["request"].user, case):
        return None
    return list(planned_for_case(case)[:200])


@register.simple_tag(takes_context=True)
def conference_reminders(context, conference) -> list | None:
    if not can_work_case(context["request"].user, conference.case):
        return None
    return list(
        conference.reminders.select_related("recipient_user", "recipient_person", "recipient_partner").order_by(
            "-due_at", "-pk"
        )
    )


@register.simple_tag(takes_context=True)
def failed_reminder_count(context) -> int:
    """Return how many reminders failed for good: supervisors see and resend them (0 for others)."""
    user = getattr(context.get("request"), "user", None)
    if user is None or not user.is_authenticated or not user.is_supervisor:
        return 0
    return Reminder.objects.filter(status=ReminderStatus.FAILED).count()


@register.inclusion_tag("reminders/_status.html")
def reminder_status(reminder):
    return {"reminder": reminder}
