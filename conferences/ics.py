"""The calendar invitation of a conference (RFC 5545), for download and for the participants' emails."""

from django.utils.translation import gettext as _

from rjcases.calendar import event_calendar

from .models import Conference, ConferenceStatus


def conference_invitation(conference: Conference) -> bytes:
    """Return the .ics of a conference; SEQUENCE grows with each reschedule."""
    return event_calendar(
        product="Restorative conference",
        uid=str(conference.uid),
        sequence=conference.sequence,
        cancelled=conference.status == ConferenceStatus.CANCELLED,
        starts_at=conference.starts_at,
        ends_at=conference.ends_at,
        # The title names the kind of meeting and the case reference only: an invitation may be
        # forwarded, so it carries no names and nothing said about the incident.
        summary=f"{conference.get_kind_display()} ({conference.case.reference})",
        location=conference.place_details,
        url=conference.meeting_link,
        # In the language active as it is made: the participant's, for the file their invitation carries.
        description=_("Restorative justice meeting. Please contact your facilitator if you cannot attend."),
    )
