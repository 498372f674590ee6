"""One calendar event as an .ics file (RFC 5545): what conference and training invitations share."""

from datetime import UTC, datetime

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event


def event_calendar(
    *,
    product: str,
    uid: str,
    sequence: int,
    cancelled: bool,
    starts_at: datetime,
    ends_at: datetime,
    summary: str,
    location: str,
    description: str,
    url: str = "",
) -> bytes:
    """Return the .ics of one event. The UID never changes and SEQUENCE grows with each change, so
    calendars update the event they already have instead of adding another."""
    calendar = Calendar()
    calendar.add("prodid", f"-//RJ Cases//{product}//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    event = Event()
    event.add("uid", f"{uid}@rjcases")
    event.add("sequence", sequence)
    event.add("dtstamp", timezone.now())
    # UTC times need no VTIMEZONE block and every calendar reads them the same way.
    event.add("dtstart", starts_at.astimezone(UTC))
    event.add("dtend", ends_at.astimezone(UTC))
    event.add("summary", summary)
    event.add("location", location)
    if url:
        event.add("url", url)
    event.add("description", description)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("organizer", f"mailto:{settings.DEFAULT_FROM_EMAIL.split('<')[-1].rstrip('>')}")
    calendar.add_component(event)
    return calendar.to_ical()
