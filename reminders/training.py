"""Planning training's messages: reminders before an accreditation expires, the notice that it
lapsed, and each session's invitations and news. The same reconciling of rows as planning.py's,
for subjects on the training floor."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from training.accreditation import REMINDER_DAYS
from training.models import Accreditation, AccreditationStatus, SessionStatus, TrainingSession

from .models import MEMBER_COPY_KEY, Reminder, ReminderKind, ReminderStatus
from .planning import _at_morning, _reconcile, _to_supervisors, _to_user, cancel_reminder

Kind = ReminderKind


def plan_accreditation_reminders(accreditation: Accreditation) -> None:
    """Plan the reminders before a current accreditation expires, or the notice that it lapsed.

    To the facilitator and the supervisors, at 09:00 REMINDER_DAYS (60, 30, 7) days before the
    expiry. Keyed on the expiry day: a renewal or a new grant is a new expiry, whose reminders are
    planned afresh while the unsent ones of the old expiry are cancelled (not moved, so that the
    reminders list shows what was planned for which date).
    """
    now = timezone.now()
    subject_code = f"a{accreditation.pk}"
    existing = Reminder.objects.filter(
        accreditation=accreditation, kind__in=(Kind.ACCREDITATION_EXPIRING, Kind.ACCREDITATION_LAPSED)
    )
    wanted = []
    common = {"subject": {"accreditation": accreditation}}
    if accreditation.status == AccreditationStatus.CURRENT:
        stamp = accreditation.expires_on.isoformat()
        old = existing.filter(kind=Kind.ACCREDITATION_EXPIRING, status=ReminderStatus.PENDING)
        for row in old.exclude(key__contains=f":{stamp}:").exclude(key__regex=MEMBER_COPY_KEY):
            cancel_reminder(row, reason=f"Renewed or granted again: it now expires on {stamp}.")
        # A day already past is not planned; one planned for this expiry stays (a re-plan after its
        # moment, before the sweep took it, must not cancel it).
        planned = set(
            existing.exclude(status=ReminderStatus.CANCELLED)
            .filter(key__contains=f":{stamp}:")
            .values_list("variant", flat=True)
        )
        expires_at = _at_midnight(accreditation.expires_on)
        for days in REMINDER_DAYS:
            due_at = _at_morning(accreditation.expires_on - timedelta(days=days))
            if due_at <= now and f"{days}d" not in planned:
                continue
            each = {**common, "kind": Kind.ACCREDITATION_EXPIRING, "variant": f"{days}d", "stamp": stamp}
            each.update(due_at=due_at, expires_at=expires_at)
            wanted += _to_user(accreditation.facilitator, **each) + _to_supervisors(**each)
        why_cancelled = "The accreditation is current again."
    else:
        lapsed_on = accreditation.lapsed_on or timezone.localdate()
        each = {**common, "kind": Kind.ACCREDITATION_LAPSED, "variant": "", "stamp": lapsed_on.isoformat()}
        each["due_at"] = now
        wanted += _to_user(accreditation.facilitator, **each) + _to_supervisors(**each)
        why_cancelled = "The accreditation lapsed."
    _reconcile(existing, wanted, subject_code=subject_code, why_cancelled=why_cancelled)


def _at_midnight(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(0, 0)), timezone.get_default_timezone())


TRAINING_NEWS = (Kind.TRAINING_INVITATION, Kind.TRAINING_MOVED, Kind.TRAINING_CANCELLED)


def plan_training_session_messages(session: TrainingSession) -> None:
    """Send each invitee of a session its invitation and, once per move or cancellation, the news.

    Planned from the rows, as for conferences: someone not yet reached gets the invitation (for the
    session's current time, however often it moved before it went out); someone reached gets one
    notice per change (keyed on the session's sequence): the new time, or that it is cancelled.
    Those never reached are not told of a cancellation. In the app, and by email with the calendar
    entry when they have an address.
    """
    stamp = f"s{session.sequence}"
    existing = Reminder.objects.filter(training_session=session, kind__in=TRAINING_NEWS)
    sent = existing.filter(status=ReminderStatus.SENT).values_list("recipient_user", "key")
    reached = {user_id for user_id, _ in sent}
    # Reached at an earlier sequence: the news now is that it moved. What was already sent at this
    # sequence is not planned again (_reconcile skips a key that was sent).
    reached_before = {user_id for user_id, key in sent if key.split(":")[2] != stamp}
    wanted = []
    if session.status in (SessionStatus.SCHEDULED, SessionStatus.CANCELLED):
        cancelled = session.status == SessionStatus.CANCELLED
        common = {"variant": "", "stamp": stamp, "due_at": timezone.now(), "subject": {"training_session": session}}
        common["expires_at"] = session.ends_at if cancelled else session.starts_at
        for attendance in session.attendances.select_related("user"):
            user = attendance.user
            if cancelled and user.pk not in reached:
                continue
            if cancelled:
                kind = Kind.TRAINING_CANCELLED
            else:
                kind = Kind.TRAINING_MOVED if user.pk in reached_before else Kind.TRAINING_INVITATION
            wanted += _to_user(user, kind=kind, **common)
    _reconcile(
        existing,
        wanted,
        subject_code=f"t{session.pk}",
        why_cancelled={
            SessionStatus.SCHEDULED: "Replaced by the news of the session's new time.",
            SessionStatus.CANCELLED: "The session was cancelled.",
        }.get(session.status, "The session was held."),
    )
