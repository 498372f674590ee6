"""The one writer of a referral's status.

Every move locks the referral row, checks the allowed moves declared on the model, records an
event (who, when, from, to, why) and raises InvalidTransition for a move not possible now.
"""

from django.db import transaction

from cases.transitions import InvalidTransition, apply_transition

from .models import Referral, ReferralEvent

__all__ = ["InvalidTransition", "move_referral"]

_VERBS = {
    "submit": "submitted",
    "resubmit": "resubmitted",
    "request_info": "sent back for information",
    "accept": "accepted",
    "decline": "declined",
    "withdraw": "withdrawn",
}


def move_referral(*, referral: Referral, method_name: str, by, reason: str = "", changes=None) -> Referral:
    """Lock the referral, apply `changes` (field values stamped with the move), move it and log it.

    Must run inside the caller's transaction when other writes belong with the move.
    """
    with transaction.atomic():
        locked = Referral.objects.select_for_update().get(pk=referral.pk)
        previous = apply_transition(locked, method_name, verb=_VERBS[method_name])
        for field, value in (changes or {}).items():
            setattr(locked, field, value)
        locked._change_reason = reason or _VERBS[method_name]
        locked.save()
        ReferralEvent.objects.create(
            referral=locked, actor=by, from_status=previous, to_status=locked.status, reason=reason
        )
    return locked
