"""The machinery every status writer shares, and what writers announce when something happened.

Ground floor: it imports no app. Each app's `transitions.py` checks its moves with
`check_transition` / `apply_transition` and raises `InvalidTransition` for a move not possible now.

Writers never call the apps above them (reminders, and cases above referrals). They announce what
happened through the signals below, sent inside the writer's transaction with the record, and the
app that cares listens in its `receivers.py` (connected in its AppConfig.ready). A receiver's
error rolls the write back, as a direct call would. Every announcement a writer makes is listed
here, so that "who reacts to a closed case?" has one place to look.
"""

from django.dispatch import Signal
from django_fsm import can_proceed


class Conflict(Exception):
    """A change that the records as they are now do not allow. The API answers 409 with `code`."""

    code = "conflict"


class InvalidTransition(Conflict):
    """A move that is not possible from the record's current status (not a permission problem)."""

    code = "invalid_transition"


class InputRequired(Exception):
    """A change that needs one more input from the person making it. The API answers 400 on `field`."""

    field = "non_field_errors"
    code = "invalid"


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


# What writers announce. Each is sent with `sender` the record's model and the keywords named.

#: A referral moved (referral). Reminders replan the screening backlog.
referral_moved = Signal()
#: A referral was accepted (referral, by). Cases opens its case in intake.
referral_accepted = Signal()
#: A case moved, or was opened (case). Reminders replan stalled-case reminders, or the close's follow-ups.
case_moved = Signal()
#: Something happened on an open case's timeline (case). Reminders restart the stalled-case clock.
case_activity = Signal()
#: A case can no longer meet (case, by, reason): it is about to be returned or closed without a
#: conference, or lost a consent to take part that it needs. Conferences cancels its scheduled
#: conferences, so that nobody stays booked or reminded.
case_cannot_meet = Signal()
#: A case's facilitators changed (case). Reminders follow the agreement's items to the new ones.
case_assigned = Signal()
#: A participant's consent was recorded or withdrawn (case). Reminders to participants follow consent.
consent_changed = Signal()
#: A participant's contact details were added, corrected or marked not to be used (case): reminders to
#: them follow the channels they can be reached on.
contact_changed = Signal()
#: A conference was scheduled, moved, cancelled, held, or its participants changed (conference).
conference_changed = Signal()
#: An exchange was opened or closed, a statement in it asked for or shared (exchange). Reminders send
#: its participants their links: what they are asked to write, and what was shared with them.
exchange_changed = Signal()
#: An agreement was recorded or renegotiated (case). Reminders replan every item's reminders.
agreement_changed = Signal()
#: An agreement item's status or progress changed (item).
item_changed = Signal()
#: Someone was invited to a training session, or the session moved or was cancelled (session,
#: invited: the attendances newly invited). Reminders send the invitations and notices.
training_session_changed = Signal()
#: A facilitator's accreditation was granted, changed level, renewed or lapsed (accreditation).
#: Reminders plan the reminders before it expires, moved to its new expiry on renewal.
accreditation_changed = Signal()
