"""Writes of training: sessions and who is invited, attendance and assessment, observed practice,
and granting, renewing and lapsing accreditations.

Each write is audited where it saves (the change auditing of every model); status changes are
compare-and-set so that two supervisors, or the daily task and a supervisor, cannot both win.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from people.models import Role, User
from rjcases.workflow import Conflict, InvalidTransition, accreditation_changed, training_session_changed

from . import accreditation as rules
from .models import (
    Accreditation,
    AccreditationStatus,
    Attendance,
    Course,
    Observation,
    Result,
    SessionStatus,
    TrainingSession,
    add_months,
)

# Who can be trained: every staff role of the programme.
TRAINABLE_ROLES = (Role.OFFICER, Role.FACILITATOR, Role.SUPERVISOR, Role.PARTNER)


class SessionFull(Conflict):
    code = "session_full"


@dataclass
class SessionPlan:
    """When, where and with whom: what scheduling and moving a session take."""

    starts_at: datetime
    duration_minutes: int
    trainer: str
    capacity: int
    place: str = ""
    meeting_link: str = ""


def _check_plan(plan: SessionPlan) -> None:
    if plan.starts_at <= timezone.now():
        raise InvalidTransition("A session must start in the future.")
    if not (plan.place or plan.meeting_link):
        raise InvalidTransition("Give the place of the session or the link to join it.")


@transaction.atomic
def schedule_session(*, course: Course, by: User, plan: SessionPlan) -> TrainingSession:
    """Schedule a session of an active course."""
    if not course.active:
        raise InvalidTransition("This course is no longer run: it cannot have new sessions.")
    _check_plan(plan)
    return TrainingSession.objects.create(course=course, created_by=by, **vars(plan))


def _lock_session(session: TrainingSession) -> TrainingSession:
    return TrainingSession.objects.select_for_update().select_related("course").get(pk=session.pk)


@transaction.atomic
def move_session(*, session: TrainingSession, by: User, plan: SessionPlan) -> TrainingSession:
    """Change a scheduled session's time, place or capacity; invitees are told with a new calendar entry."""
    session = _lock_session(session)
    if not session.is_scheduled:
        raise InvalidTransition("Only a scheduled session can be changed.")
    _check_plan(plan)
    if plan.capacity < session.attendances.count():
        raise SessionFull(f"{session.attendances.count()} people are invited: the capacity cannot be lower than that.")
    for name, value in vars(plan).items():
        setattr(session, name, value)
    session.sequence += 1
    session.save()
    training_session_changed.send(sender=TrainingSession, session=session, invited=[])
    return session


@transaction.atomic
def cancel_session(*, session: TrainingSession, by: User) -> TrainingSession:
    session = _lock_session(session)
    if not session.is_scheduled:
        raise InvalidTransition("Only a scheduled session can be cancelled.")
    if session.starts_at <= timezone.now():
        raise InvalidTransition("The session has started: record who attended instead of cancelling it.")
    session.status = SessionStatus.CANCELLED
    session.sequence += 1
    session.save(update_fields=["status", "sequence"])
    training_session_changed.send(sender=TrainingSession, session=session, invited=[])
    return session


@transaction.atomic
def invite_to_session(*, session: TrainingSession, by: User, users: list[User]) -> list[Attendance]:
    """Invite people to a scheduled session, up to its capacity; someone already invited is left as is."""
    session = _lock_session(session)
    if not session.is_scheduled or session.ends_at <= timezone.now():
        raise InvalidTransition("People can only be invited to a session that is still to come.")
    for user in users:
        if user.role not in TRAINABLE_ROLES or not user.is_active:
            raise InvalidTransition(f"{user} cannot be invited: only active staff accounts take training.")
    already = set(session.attendances.values_list("user_id", flat=True))
    new = [user for user in users if user.pk not in already]
    if len(already) + len(new) > session.capacity:
        free = session.capacity - len(already)
        raise SessionFull(
            f"The session has {free} place{'s' if free != 1 else ''} left; {len(new)} people were chosen."
        )
    invited = [Attendance.objects.create(session=session, user=user, invited_by=by) for user in new]
    if invited:
        training_session_changed.send(sender=TrainingSession, session=session, invited=invited)
    return invited


@dataclass
class AttendanceRecord:
    """What happened to one invitee: came or not, completed or not, and the assessment."""

    attended: bool
    completed: bool = False
    result: str = ""
    note: str = ""


@transaction.atomic
def record_attendance(*, session: TrainingSession, by: User, records: dict[int, AttendanceRecord]) -> TrainingSession:
    """Record who came, who completed and how each was assessed; the session is then held.

    It can be recorded again (a correction), each change kept by the audit log. Records are keyed by
    attendance id; an id of another session is refused.
    """
    session = _lock_session(session)
    if session.status == SessionStatus.CANCELLED:
        raise InvalidTransition("The session was cancelled: there is no attendance to record.")
    if session.starts_at > timezone.now():
        raise InvalidTransition("Attendance can be recorded once the session has started.")
    attendances = {a.pk: a for a in session.attendances.select_for_update()}
    unknown = set(records) - set(attendances)
    if unknown:
        raise InvalidTransition("Record only the people invited to this session.")
    day = timezone.localdate(session.starts_at)
    now = timezone.now()
    for pk, record in records.items():
        if record.completed and not record.attended:
            raise InvalidTransition("Someone who did not attend cannot have completed the session.")
        if record.result and not record.completed:
            raise InvalidTransition("Only someone who completed the session can be assessed.")
        if record.result not in ("", *Result.values):
            raise InvalidTransition("Choose an assessment result from the list.")
        attendance = attendances[pk]
        attendance.attended = record.attended
        attendance.completed_on = day if record.completed else None
        attendance.result = record.result
        attendance.assessment_note = record.note.strip()
        attendance.recorded_by, attendance.recorded_at = by, now
        attendance.save()
    if session.status == SessionStatus.SCHEDULED:
        session.status = SessionStatus.HELD
        session.save(update_fields=["status"])
    return session


@transaction.atomic
def record_observation(
    *,
    facilitator: User,
    by: User,
    conference_kind: str,
    observed_on: date,
    judgement: str,
    note: str = "",
    conference=None,
) -> Observation:
    """Record that a supervisor watched a facilitator's practice, and what they judged."""
    if facilitator.role != Role.FACILITATOR:
        raise InvalidTransition(f"{facilitator} is not a facilitator.")
    if facilitator.pk == by.pk:
        raise InvalidTransition("Someone else must observe your practice.")
    if observed_on > timezone.localdate():
        raise InvalidTransition("An observation is recorded after the conference, not before.")
    if conference is not None and Observation.objects.filter(facilitator=facilitator, conference=conference).exists():
        raise Conflict(f"{facilitator}'s practice at this conference is already recorded.")
    return Observation.objects.create(
        facilitator=facilitator,
        observer=by,
        conference=conference,
        conference_kind=conference_kind,
        observed_on=observed_on,
        judgement=judgement,
        note=note.strip(),
    )


def _lock_accreditation(facilitator: User, kind: str) -> Accreditation | None:
    return Accreditation.objects.select_for_update().filter(facilitator=facilitator, conference_kind=kind).first()


@transaction.atomic
def grant_accreditation(*, facilitator: User, by: User, conference_kind: str, level: str) -> Accreditation:
    """Grant `level` for `conference_kind` to a facilitator who meets what it asks, from today.

    A grant replaces what the facilitator held for the kind (a trainee becoming accredited, a lapsed
    accreditation granted again); renewing a current one at the same level is `renew_accreditation`.
    """
    if facilitator.role != Role.FACILITATOR or not facilitator.is_active:
        raise InvalidTransition(f"{facilitator} is not an active facilitator.")
    if facilitator.pk == by.pk:
        raise InvalidTransition("A supervisor cannot accredit themselves.")
    today = timezone.localdate()
    standing = rules.standing(facilitator, conference_kind, level, today)
    if not standing.ready:
        raise InvalidTransition("Not yet: " + " ".join(standing.missing))
    held = _lock_accreditation(facilitator, conference_kind)
    if held is not None and held.is_current_on(today) and held.level == level:
        raise InvalidTransition("This accreditation is already held; renew it instead.")
    values = {
        "level": level,
        "status": AccreditationStatus.CURRENT,
        "granted_on": today,
        "expires_on": add_months(today, rules.VALID_MONTHS[level]),
        "cpd_hours_required": rules.CPD_HOURS[level],
        "granted_by": by,
        "renewed_on": None,
        "lapsed_on": None,
    }
    if held is None:
        held = Accreditation.objects.create(facilitator=facilitator, conference_kind=conference_kind, **values)
    else:
        for name, value in values.items():
            setattr(held, name, value)
        held.save()
    accreditation_changed.send(sender=Accreditation, accreditation=held)
    return held


@transaction.atomic
def renew_accreditation(*, accreditation: Accreditation, by: User) -> Accreditation:
    """Extend a current accreditation by one period, once its CPD hours for this period are done."""
    held = Accreditation.objects.select_for_update().get(pk=accreditation.pk)
    today = timezone.localdate()
    if not held.is_current_on(today):
        raise InvalidTransition("A lapsed accreditation cannot be renewed: grant it again.")
    done = rules.cpd_hours(held.facilitator, held.period_started_on, today)
    if done < held.cpd_hours_required:
        raise InvalidTransition(
            f"{done} of the {held.cpd_hours_required} CPD hours are done in this period: "
            "complete the rest before renewing."
        )
    held.renewed_on = today
    held.expires_on = add_months(held.expires_on, rules.VALID_MONTHS[held.level])
    held._change_reason = "renewed"
    held.save(update_fields=["renewed_on", "expires_on"])
    accreditation_changed.send(sender=Accreditation, accreditation=held)
    return held


def lapse_accreditations(today: date | None = None) -> int:
    """Mark lapsed every accreditation whose expiry day has come (hourly); return how many.

    Only a label: `current_on` already reads the date, so an hour the task does not run changes no
    decision. Each lapse is saved (its history row, its audit entry) and announced, so that the
    facilitator and the supervisors hear of it.
    """
    today = today or timezone.localdate()
    lapsed = 0
    due = Accreditation.objects.filter(status=AccreditationStatus.CURRENT, expires_on__lte=today)
    for pk in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            held = (
                Accreditation.objects.select_for_update()
                .filter(pk=pk, status=AccreditationStatus.CURRENT, expires_on__lte=today)
                .first()
            )
            if held is None:
                continue  # renewed or granted again in the meantime
            held.status, held.lapsed_on = AccreditationStatus.LAPSED, today
            held._change_reason = "lapsed"
            held.save(update_fields=["status", "lapsed_on"])
            accreditation_changed.send(sender=Accreditation, accreditation=held)
            lapsed += 1
    return lapsed
