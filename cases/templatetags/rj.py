"""Small display helpers shared by every template."""

from django import template
from django.conf import settings
from django.utils.html import format_html

from people.models import Notification

register = template.Library()

_BADGE_COLOURS = {
    "draft": "secondary",
    "submitted": "primary",
    "needs_info": "warning",
    "accepted": "success",
    "declined": "danger",
    "withdrawn": "dark",
    "intake": "info",
    "ready": "primary",
    "scheduled": "primary",
    "conference_held": "primary",
    "monitoring": "warning",
    "completed": "success",
    "returned": "danger",
    "closed_no_conference": "dark",
    "held": "success",
    "cancelled": "secondary",
    "pending": "secondary",
    "missed": "danger",
    "waived": "dark",
}


@register.simple_tag
def status_badge(record):
    """Render a record's status as a coloured badge with its readable label."""
    colour = _BADGE_COLOURS.get(record.status, "secondary")
    text = "text-dark" if colour in ("warning", "info") else ""
    return format_html(
        '<span class="badge text-bg-{} {} status-badge">{}</span>', colour, text, record.get_status_display()
    )


@register.simple_tag
def status_label_badge(value, label):
    """Render a status given as (value, label), e.g. from a count table."""
    colour = _BADGE_COLOURS.get(value, "secondary")
    text = "text-dark" if colour in ("warning", "info") else ""
    return format_html('<span class="badge text-bg-{} {} status-badge">{}</span>', colour, text, label)


@register.simple_tag(takes_context=True)
def query_with(context, **changes):
    """Return the current query string with `changes` applied (for pagination and sorting links)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        params[key] = value
    return params.urlencode()


@register.simple_tag(takes_context=True)
def unread_notification_count(context):
    """Return how many of the logged-in user's notifications are unread (0 for anyone else)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


@register.inclusion_tag("includes/sort_header.html", takes_context=True)
def sort_header(context, sorting, key, label, css=""):
    """Render a column header that sorts the list by `key`, and says how it is sorted now."""
    current = key == sorting.key
    return {
        "label": label,
        "css": css,
        "query": query_with(context, sort=sorting.param_for(key), page=1),
        "current": current,
        "descending": current and sorting.descending,
    }


@register.simple_tag
def participant_languages():
    """The participants' languages, each named in itself: Django's own names are in the page's language."""
    return settings.LANGUAGES
