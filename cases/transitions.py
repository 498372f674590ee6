"""The one writer of a case's status.

Each move locks the row, checks the allowed-transitions table (the @transition methods on the
model, through rjcases/workflow.py), stamps the record, writes an event row and announces the move
(`case_moved`), so that reminders replan without this module knowing of them.
"""

from django.db import transaction
from django.utils import timezone

from rjcases.workflow import apply_transition, case_activity, case_moved, check_transition

from .models import Case, CaseEvent, CaseStatus


def open_case(*, referral, by) -> Case:
    """Open the case of an accepted referral, in intake. Called inside the acceptance's transaction."""
    case = Case.objects.create(referral=referral)
    CaseEvent.objects.create(
        case=case, actor=by, from_status="", to_status=CaseStatus.INTAKE, reason="Referral accepted."
    )
    case_moved.send(sender=Case, case=case)
    return case


CASE_VERBS = {
    "mark_ready": "marked ready",
    "back_to_intake": "moved back to intake",
    "schedule": "scheduled",
    "unschedule": "moved back to ready",
    "hold_conference": "marked as conference held",
    "start_monitoring": "moved to monitoring",
    "complete": "completed",
    "close_without_conference": "closed without a conference",
    "return_to_agency": "returned to the agency",
}


def lock_case(case: Case) -> Case:
    """Return the case row locked for this transaction (a no-op lock on SQLite)."""
    return Case.objects.select_for_update().get(pk=case.pk)


def check_case_move(case: Case, method_name: str) -> None:
    check_transition(case, method_name, verb=CASE_VERBS[method_name])


def move_case(*, case: Case, method_name: str, by, reason: str = "", changes=None) -> Case:
    """Move a case through one of its allowed transitions, with an event row.

    `changes` are field values stamped with the move (a return reason, a closing note).
    """
    with transaction.atomic():
        locked = lock_case(case)
        previous = apply_transition(locked, method_name, verb=CASE_VERBS[method_name])
        for field, value in (changes or {}).items():
            setattr(locked, field, value)
        locked.status_changed_at = locked.last_activity_at = timezone.now()
        locked.save()
        CaseEvent.objects.create(case=locked, actor=by, from_status=previous, to_status=locked.status, reason=reason)
        case_moved.send(sender=Case, case=locked)
    return locked


def record_case_event(case: Case, *, by, kind: str, summary: str, reason: str = "") -> CaseEvent:
    """Add a non-move entry to the case's timeline. `summary` holds no contact details or notes."""
    event = CaseEvent.objects.create(case=case, actor=by, kind=kind, summary=summary[:300], reason=reason)
    # A queryset update: activity is not a change of the case worth a history row.
    Case.objects.filter(pk=case.pk).update(last_activity_at=event.created_at)
    case.last_activity_at = event.created_at
    case_activity.send(sender=Case, case=case)
    return event
