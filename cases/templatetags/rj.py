"""Small display helpers shared by every template."""

from django import template
from django.utils.html import format_html

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
