"""Invitations that reach participants and come back: a link per invitation, answered once.

The reminders' sweep sends each invited participant who may be contacted an invitation by email
(with the calendar file) or text, and asks here for its link as it sends: the participant is then
`invited`, whatever the page said before. Through the link they confirm, decline, or ask for
another time with a short note; the facilitators are told of declines and requests. The link works
until the conference ends, shows no other party, and for an online meeting shows the join link
from an hour before. Moving the conference sends a new invitation, whose link replaces the old one.
"""

from datetime import timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cases.models import CaseEvent, ConsentPurpose
from cases.transitions import record_case_event
from people.audit import record_audit, record_bulk_change
from people.links import link_hash, new_link_token
from people.models import AuditEntry, Notification
from rjcases.workflow import conference_changed

from .models import Conference, ConferenceStatus, Participant

Invitation = Participant.Invitation
JOIN_LINK_BEFORE = timedelta(hours=1)
ANSWERS = (Invitation.ACCEPTED, Invitation.DECLINED, Invitation.OTHER_TIME)


class InvitationLinkError(Exception):
    """A link that cannot be used, and why (its subclass)."""


class InvitationLinkUnknown(InvitationLinkError):
    pass


class InvitationLinkExpired(InvitationLinkError):
    pass


class InvitationAlreadyAnswered(InvitationLinkError):
    pass


class InvitationCancelled(InvitationLinkError):
    pass


@transaction.atomic
def issue_invitation_link(*, participant: Participant) -> str:
    """Make the link of a new invitation to `participant`; return its path. It is now `invited`.

    Called as the invitation is sent. A link made before stops working, and an answer to the
    conference's earlier time no longer stands: they are asked again.
    """
    participant = Participant.objects.select_for_update().select_related("conference").get(pk=participant.pk)
    token, participant.link_hash = new_link_token()
    participant.link_expires_at = participant.conference.ends_at
    participant.invited_at = timezone.now()
    participant.invitation, participant.answered_at, participant.answer_note = Invitation.INVITED, None, ""
    participant.save(
        update_fields=["link_hash", "link_expires_at", "invited_at", "invitation", "answered_at", "answer_note"]
    )
    return reverse("invitation:answer", args=[token])


def participant_for_link(token: str) -> Participant:
    """Return the participant a link opens; raise an InvitationLinkError subclass saying why it cannot be used."""
    found = Participant.objects.filter(link_hash=link_hash(token)).select_related("conference", "person").first()
    if found is None:
        raise InvitationLinkUnknown("This link is not known.")
    if found.conference.status == ConferenceStatus.CANCELLED:
        raise InvitationCancelled("The meeting was cancelled.")
    if found.link_expires_at is None or found.link_expires_at <= timezone.now():
        raise InvitationLinkExpired("This link has expired.")
    return found


@transaction.atomic
def answer_invitation(*, participant: Participant, answer: str, note: str = "") -> Participant:
    """Store the participant's answer to the invitation their link carries, once."""
    if answer not in ANSWERS:
        raise ValueError(f"Not an answer: {answer!r}")
    now = timezone.now()
    # Compare-and-set on the link itself: of two answers at once one lands, and an answer through
    # a link that a new invitation replaced meanwhile lands nowhere.
    answered = Participant.objects.filter(
        link_expires_at__gt=now,
        pk=participant.pk,
        link_hash=participant.link_hash,
        answered_at__isnull=True,
        conference__status=ConferenceStatus.SCHEDULED,
    ).update(invitation=answer, answered_at=now, answer_note=note)
    participant.refresh_from_db()
    if not answered:
        if participant.answered_at is not None and participant.link_hash:
            raise InvitationAlreadyAnswered("This invitation has already been answered.")
        raise InvitationLinkExpired("This link has expired.")
    conference = participant.conference
    said = {
        Invitation.ACCEPTED: "confirmed they will come",
        Invitation.DECLINED: "cannot come",
        Invitation.OTHER_TIME: "asked for another time",
    }[answer]
    summary = (
        f"{participant.display_name} {said} (conference of {timezone.localtime(conference.starts_at):%d %b %Y %H:%M})."
    )
    record_case_event(conference.case, by=None, kind=CaseEvent.Kind.CONFERENCE, summary=summary, reason=note)
    record_audit(action=AuditEntry.Action.CHANGE, record=participant, detail="invitation answered through its link")
    if answer != Invitation.ACCEPTED:
        _tell_facilitators(conference, summary)
    conference_changed.send(sender=Conference, conference=conference)  # a decline stops their reminders
    return participant


def void_links_without_consent(case) -> int:
    """Stop the invitation links of participants of the case's scheduled conferences who no longer
    have an active consent to take part (given by them, or by the guardian who comes for a juvenile)."""
    consents = case.consents.filter(purpose=ConsentPurpose.CONFERENCE, withdrawn_at__isnull=True)
    allowed = {pk for pair in consents.values_list("person_id", "given_by_id") for pk in pair if pk}
    live = Participant.objects.filter(conference__case=case, conference__status=ConferenceStatus.SCHEDULED)
    voided = list(
        live.exclude(link_hash="").exclude(person__isnull=True).exclude(person__in=allowed).values_list("pk", flat=True)
    )
    if voided:
        Participant.objects.filter(pk__in=voided).update(link_hash="", link_expires_at=None)
        record_bulk_change(Participant, voided, detail="invitation link stopped: consent withdrawn")
    return len(voided)


def _tell_facilitators(conference: Conference, text: str) -> None:
    booked = conference.bookings.filter(active=True, facilitator__is_active=True).values_list("facilitator", flat=True)
    Notification.objects.bulk_create(
        Notification(user_id=user, text=text[:300], url=conference.get_absolute_url()) for user in booked
    )


def join_link_shown(conference: Conference, now=None) -> bool:
    """An online meeting's link is on the participant's page from an hour before until it ends."""
    now = now or timezone.now()
    return (
        conference.mode == Conference.Mode.VIRTUAL
        and conference.status == ConferenceStatus.SCHEDULED
        and conference.starts_at - JOIN_LINK_BEFORE <= now < conference.ends_at
    )
