"""The one writer of a case's status, and the shared machinery of every status writer.

Each move locks the row, checks the allowed-transitions table (the @transition methods on the
model), stamps the record, writes an event row and leaves follow-up work to on_commit.
"""

from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed

from .models import Case, CaseEvent, CaseStatus


class InvalidTransition(Exception):
    """A move that is not possible from the record's current status (not a permission problem)."""


def check_transition(record, method_name: str, *, verb: str) -> None:
    """Raise InvalidTransition unless the allowed-transitions table permits `method_name` now.

    `verb` completes the message "… cannot be <verb> now" when the move is not allowed.
    """
    if not can_proceed(getattr(record, method_name)):
        noun = record._meta.verbose_name.capitalize()
        raise InvalidTransition(f"{noun} {record} cannot be {verb} now: its status is {record.get_status_display()}.")


def apply_transition(record, method_name: str, *, verb: str) -> str:
    """Run the model's transition `method_name` on a locked record; return the status it left."""
    check_transition(record, method_name, verb=verb)
    previous = record.status
    getattr(record, method_name)()
    return previous


def open_case(*, referral, by) -> Case:
    """Open the case of an accepted referral, in intake. Called inside the acceptance's transaction."""
    case = Case.objects.create(referral=referral)
    CaseEvent.objects.create(
        case=case, actor=by, from_status="", to_status=CaseStatus.INTAKE, reason="Referral accepted."
    )
    return case


_CASE_VERBS = {
    "mark_ready": "marked ready",
    "close_without_conference": "closed without a conference",
    "return_to_agency": "returned to the agency",
}


def move_case(*, case: Case, method_name: str, by, reason: str = "") -> Case:
    """Move a case through one of its allowed transitions, with an event row."""
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        previous = apply_transition(locked, method_name, verb=_CASE_VERBS[method_name])
        locked.status_changed_at = timezone.now()
        locked.save()
        CaseEvent.objects.create(case=locked, actor=by, from_status=previous, to_status=locked.status, reason=reason)
    return locked
