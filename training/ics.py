"""The calendar entry of a training session (RFC 5545), for download and for the invitation emails."""

from django.utils.translation import gettext as _

from rjcases.calendar import event_calendar

from .models import SessionStatus, TrainingSession


def session_calendar(session: TrainingSession) -> bytes:
    """Return the .ics of a training session; SEQUENCE grows each time it moves or is cancelled."""
    return event_calendar(
        product="Training session",
        uid=str(session.uid),
        sequence=session.sequence,
        cancelled=session.status == SessionStatus.CANCELLED,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        summary=_("Training: %(course)s") % {"course": session.course.title},
        location=session.place or session.meeting_link,
        url=session.meeting_link,
        description=_("Trainer: %(trainer)s. Please tell the programme's supervisors if you cannot attend.")
        % {"trainer": session.trainer},
    )
