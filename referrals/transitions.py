"""The one writer of a referral's status.

Every move locks the referral row, checks the allowed moves declared on the model, records an
event (who, when, from, to, why), announces the move (`referral_moved`) and raises
InvalidTransition for a move not possible now.
"""

from django.db import transaction

from rjcases.workflow import InvalidTransition, apply_transition, check_transition, referral_moved

from .models import Referral, ReferralEvent

__all__ = ["InvalidTransition", "check_referral_move", "move_referral"]

_VERBS = {
    "submit": "submitted",
    "resubmit": "resubmitted",
    "request_info": "sent back for information",
    "accept": "accepted",
    "decline": "declined",
    "withdraw": "withdrawn",
}


def check_referral_move(referral: Referral, method_name: str) -> None:
    """Raise InvalidTransition if the move is not possible from the referral's status now."""
    check_transition(referral, method_name, verb=_VERBS[method_name])


def move_referral(*, referral: Referral, method_name: str, by, reason: str = "", changes=None) -> Referral:
    """Lock the referral, apply `changes` (field values stamped with the move), move it and log it.

    Must run inside the caller's transaction when other writes belong with the move.
    """
    with transaction.atomic():
        locked = Referral.objects.select_for_update().get(pk=referral.pk)
        previous = apply_transition(locked, method_name, verb=_VERBS[method_name])
        for field, value in (changes or {}).items():
            setattr(locked, field, value)
        # The history row gets the verb only: reasons are free text (maybe personal) and live in the event.
        locked._change_reason = _VERBS[method_name]
        locked.save()
        ReferralEvent.objects.create(
            referral=locked, actor=by, from_status=previous, to_status=locked.status, reason=reason
        )
        referral_moved.send(sender=Referral, referral=locked)
    return locked
