"""The calendar invitation of a conference (RFC 5545), for download and for the participants' emails."""

from datetime import UTC

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from .models import Conference, ConferenceStatus


def conference_invitation(conference: Conference) -> bytes:
    """Return the .ics of a conference. The UID never changes; SEQUENCE grows with each reschedule,
    so calendars update the event they already have instead of adding another."""
    calendar = Calendar()
    calendar.add("prodid", "-//RJ Cases//Restorative conference//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if conference.status == ConferenceStatus.CANCELLED else "PUBLISH")
    event = Event()
    event.add("uid", f"{conference.uid}@rjcases")
    event.add("sequence", conference.sequence)
    event.add("dtstamp", timezone.now())
    # UTC times need no VTIMEZONE block and every calendar reads them the same way.
    event.add("dtstart", conference.starts_at.astimezone(UTC))
    event.add("dtend", conference.ends_at.astimezone(UTC))
    # The title names the kind of meeting and the case reference only: an invitation may be
    # forwarded, so it carries no names and nothing said about the incident.
    event.add("summary", f"{conference.get_kind_display()} ({conference.case.reference})")
    event.add("location", conference.place_details)
    if conference.meeting_link:
        event.add("url", conference.meeting_link)
    # In the language active as it is made: the participant's, for the file their invitation carries.
    event.add("description", _("Restorative justice meeting. Please contact your facilitator if you cannot attend."))
    event.add("status", "CANCELLED" if conference.status == ConferenceStatus.CANCELLED else "CONFIRMED")
    event.add("organizer", f"mailto:{settings.DEFAULT_FROM_EMAIL.split('<')[-1].rstrip('>')}")
    calendar.add_component(event)
    return calendar.to_ical()
