"""Scheduling conferences, recording what happened and what was agreed, and following it up."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django_fsm import can_proceed

from cases.models import Case, CaseEvent, CaseStatus, ConsentPurpose
from cases.readiness import readiness_problems
from cases.transitions import check_case_move, lock_case, move_case, record_case_event
from people.audit import record_bulk_change
from people.models import AuditEntry, Person, Role, User
from referrals.models import PartyRole
from rjcases.workflow import Conflict, InvalidTransition, agreement_changed, conference_changed, item_changed
from training.models import Accreditation, AccreditationStatus, ConferenceKind, Level

from .models import (
    Agreement,
    AgreementItem,
    Conference,
    ConferenceFacilitator,
    ConferenceStatus,
    ItemKind,
    ItemStatus,
    Participant,
    Payment,
    ServiceHours,
    Venue,
)

Kind = CaseEvent.Kind


class SchedulingConflict(Conflict):
    """A facilitator or the venue is already booked at that time."""

    code = "scheduling_conflict"


class LeadNotAccredited(SchedulingConflict):
    """The lead facilitator holds no current accreditation to lead the conference's kind on its day."""

    code = "lead_not_accredited"


@dataclass
class Lead:
    """Who leads, and, when a supervisor lets someone lead without accreditation, why."""

    facilitator: User | None = None
    override_reason: str = ""


def choose_lead(case: Case, facilitators: list[User], lead: User | None) -> User:
    """Return who leads: the one chosen, else the case's facilitator if booked, else the only one booked."""
    if lead is not None:
        if lead not in facilitators:
            raise SchedulingConflict(f"{lead} leads the conference, so must be one of its facilitators.")
        return lead
    if case.facilitator_id in {user.pk for user in facilitators}:
        return next(user for user in facilitators if user.pk == case.facilitator_id)
    if len(facilitators) == 1:
        return facilitators[0]
    raise SchedulingConflict("Choose which of the facilitators leads the conference.")


def lead_problem(lead: User, kind: str, day: date) -> str:
    """Say why `lead` may not lead a conference of `kind` on `day`, or return "" if they may."""
    if Accreditation.objects.leading(day).filter(facilitator=lead, conference_kind=kind).exists():
        return ""
    held = Accreditation.objects.filter(facilitator=lead, conference_kind=kind).first()
    label = ConferenceKind(kind).label.lower()
    if held is None:
        why = f"{lead} holds no accreditation for {label}s"
    elif held.level == Level.TRAINEE and held.is_current_on(day):
        why = f"{lead} is a trainee for {label}s (a trainee may co-facilitate, not lead)"
    elif held.status == AccreditationStatus.LAPSED or held.expires_on <= timezone.localdate():
        why = f"{lead}'s accreditation for {label}s lapsed on {held.expires_on:%d %b %Y}"
    elif held.expires_on <= day:
        why = f"{lead}'s accreditation for {label}s expires on {held.expires_on:%d %b %Y}, before the conference"
    else:
        why = f"{lead} holds no current accreditation for {label}s"
    return why + ". Choose an accredited lead, or a supervisor may let them lead with a written reason."


def _check_lead(*, by, lead: User, kind: str, starts_at: datetime, override_reason: str) -> str:
    """Refuse an unaccredited lead unless a supervisor overrides; return the override reason kept."""
    problem = lead_problem(lead, kind, timezone.localdate(starts_at))
    if not problem:
        return ""
    reason = override_reason.strip()
    if not reason:
        raise LeadNotAccredited(problem)
    if not by.is_supervisor:
        raise PermissionDenied("Only a supervisor can let an unaccredited facilitator lead.")
    return reason


def _mark_lead(conference: Conference, lead: User, *, by, override_reason: str) -> None:
    """Make `lead`'s booking the lead one, with the override when there is one (audited with the booking)."""
    conference.bookings.filter(is_lead=True).exclude(facilitator=lead).update(is_lead=False)
    booking = conference.bookings.get(facilitator=lead)
    booking.is_lead = True
    if override_reason:
        booking.lead_override_reason, booking.overridden_by = override_reason, by
    booking.save(update_fields=["is_lead", "lead_override_reason", "overridden_by"])
    if override_reason:
        record_case_event(
            conference.case,
            by=by,
            kind=Kind.CONFERENCE,
            summary=f"{lead} leads the {conference.get_kind_display().lower()} without a current accreditation "
            f"for it: a supervisor's override.",
            reason=override_reason,
        )


@dataclass
class ConferencePlan:
    """When, where and with whom: what scheduling and rescheduling take."""

    kind: str
    starts_at: datetime
    duration_minutes: int
    mode: str
    venue: Venue | None = None
    address: str = ""
    meeting_link: str = ""


def _clashes(plan: ConferencePlan, facilitators: list[User], *, exclude: Conference | None = None) -> list[str]:
    """Return a sentence for each facilitator or venue already booked in the plan's time."""
    ends_at = plan.starts_at + timedelta(minutes=plan.duration_minutes)
    busy = ConferenceFacilitator.objects.filter(
        active=True, facilitator__in=facilitators, starts_at__lt=ends_at, ends_at__gt=plan.starts_at
    ).select_related("facilitator", "conference")
    if exclude is not None:
        busy = busy.exclude(conference=exclude)
    found = [
        f"{b.facilitator} is already booked from {timezone.localtime(b.starts_at):%H:%M} to "
        f"{timezone.localtime(b.ends_at):%H:%M} on {timezone.localtime(b.starts_at):%d %b %Y}."
        for b in busy
    ]
    if plan.mode == Conference.Mode.IN_PERSON and plan.venue is not None:
        taken = Conference.objects.overlapping(plan.starts_at, ends_at).filter(venue=plan.venue)
        if exclude is not None:
            taken = taken.exclude(pk=exclude.pk)
        found += [
            f"{plan.venue.name} is already booked from {timezone.localtime(c.starts_at):%H:%M} to "
            f"{timezone.localtime(c.ends_at):%H:%M} on {timezone.localtime(c.starts_at):%d %b %Y}."
            for c in taken
        ]
    return found


# Keys of the transaction-level advisory locks that queue bookings of one facilitator or one venue.
_FACILITATOR_LOCK, _VENUE_LOCK = 1, 2


def _queue_bookings(plan: ConferencePlan, facilitators: list[User]) -> None:
    """Make concurrent bookings of the same facilitator or venue wait for each other (PostgreSQL).

    The exclusion constraints stay the guard. Without this queue two requests inserting clashing rows
    at once may each wait for the other's row inside the constraint check, a deadlock that PostgreSQL
    breaks by failing one of them with an error instead of a clash. Queued, the second request waits
    for the first to commit and then its own check explains the clash. Keys are taken in one order.
    """
    if connection.vendor != "postgresql":
        return
    keys = sorted({(_FACILITATOR_LOCK, user.pk) for user in facilitators})
    if plan.mode == Conference.Mode.IN_PERSON and plan.venue is not None:
        keys.append((_VENUE_LOCK, plan.venue.pk))
    with connection.cursor() as cursor:
        for key in keys:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", key)


def _book(conference: Conference, facilitators: list[User]) -> None:
    """Write the facilitators' bookings; PostgreSQL refuses an overlap another request just made."""
    try:
        with transaction.atomic():
            for facilitator in facilitators:
                ConferenceFacilitator.objects.update_or_create(
                    conference=conference,
                    facilitator=facilitator,
                    defaults={"starts_at": conference.starts_at, "ends_at": conference.ends_at, "active": True},
                )
    except IntegrityError:
        raise SchedulingConflict("A facilitator was booked for that time a moment ago. Choose another time.") from None


def _save_conference(conference: Conference) -> None:
    try:
        with transaction.atomic():
            conference.save()
    except IntegrityError:
        raise SchedulingConflict(
            "The venue was booked for that time a moment ago. Choose another time or place."
        ) from None


def _check_plan(plan: ConferencePlan, facilitators: list[User]) -> None:
    if plan.starts_at <= timezone.now():
        raise SchedulingConflict("A conference must start in the future.")
    if not facilitators:
        raise SchedulingConflict("Choose at least one facilitator.")
    for user in facilitators:
        if user.role != Role.FACILITATOR:
            raise SchedulingConflict(f"{user} is not a facilitator.")


@transaction.atomic
def schedule_conference(
    *,
    case: Case,
    by,
    plan: ConferencePlan,
    facilitators: list[User],
    invite_officer: bool = False,
    lead: Lead | None = None,
) -> Conference:
    """Schedule a conference for a ready case, invite its consenting parties and book the facilitators.

    The case moves to `scheduled`. A case that is not ready gets the list of what is missing. The
    lead facilitator must be accredited to lead the kind on the day, unless a supervisor overrides.
    """
    lead = lead or Lead()
    case = lock_case(case)
    if case.status == CaseStatus.INTAKE:
        raise InvalidTransition("The case is not ready for a conference yet: " + " ".join(readiness_problems(case)))
    if case.status != CaseStatus.SCHEDULED:
        check_case_move(case, "schedule")
    _check_plan(plan, facilitators)
    leader = choose_lead(case, facilitators, lead.facilitator)
    override = _check_lead(
        by=by, lead=leader, kind=plan.kind, starts_at=plan.starts_at, override_reason=lead.override_reason
    )
    _queue_bookings(plan, facilitators)
    clashes = _clashes(plan, facilitators)
    if clashes:
        raise SchedulingConflict(" ".join(clashes))
    conference = Conference(case=case, created_by=by, **vars(plan))
    _save_conference(conference)
    _book(conference, facilitators)
    _mark_lead(conference, leader, by=by, override_reason=override)
    _invite_parties(conference, case, invite_officer=invite_officer)
    record_case_event(
        case,
        by=by,
        kind=Kind.CONFERENCE,
        summary=f"{conference.get_kind_display()} scheduled for "
        f"{timezone.localtime(conference.starts_at):%d %b %Y %H:%M} ({conference.place}).",
    )
    if case.status == CaseStatus.READY:
        move_case(case=case, method_name="schedule", by=by)
    conference_changed.send(sender=Conference, conference=conference)
    return conference


def _invite_parties(conference: Conference, case: Case, *, invite_officer: bool) -> None:
    """Add the parties who consented to take part, their guardians and supporters, and the officer."""
    consenting = {
        c.person_id for c in case.consents.filter(purpose=ConsentPurpose.CONFERENCE, withdrawn_at__isnull=True)
    }
    for party in case.referral.parties.all():
        if party.role in (PartyRole.RESPONSIBLE, PartyRole.HARMED) and party.person_id not in consenting:
            continue
        Participant.objects.get_or_create(
            conference=conference, person_id=party.person_id, defaults={"role": party.role}
        )
    if invite_officer:
        Participant.objects.create(
            conference=conference, user=case.referral.referring_officer, role=Participant.Role.OFFICER
        )


@transaction.atomic
def reschedule_conference(
    *, conference: Conference, by, plan: ConferencePlan, reason: str, lead_override_reason: str = ""
) -> Conference:
    """Move a scheduled conference to a new time or place; its invitation gets a new sequence number.

    The lead must still be accredited on the new day, unless a supervisor let them lead already
    (the override stands for the conference) or overrides now.
    """
    conference = Conference.objects.select_for_update().get(pk=conference.pk)
    if conference.status != ConferenceStatus.SCHEDULED:
        raise InvalidTransition(
            f"This conference is {conference.get_status_display().lower()}: it cannot be rescheduled."
        )
    bookings = list(conference.bookings.filter(active=True).select_related("facilitator"))
    facilitators = [b.facilitator for b in bookings]
    _check_plan(plan, facilitators)
    led = next((b for b in bookings if b.is_lead), None)
    override = ""
    if led is not None and not led.lead_override_reason:
        override = _check_lead(
            by=by, lead=led.facilitator, kind=plan.kind, starts_at=plan.starts_at, override_reason=lead_override_reason
        )
    _queue_bookings(plan, facilitators)
    clashes = _clashes(plan, facilitators, exclude=conference)
    if clashes:
        raise SchedulingConflict(" ".join(clashes))
    before = f"{timezone.localtime(conference.starts_at):%d %b %Y %H:%M}"
    for field, value in vars(plan).items():
        setattr(conference, field, value)
    conference.sequence += 1
    conference._change_reason = "rescheduled"
    _save_conference(conference)
    _book(conference, facilitators)
    if override:
        _mark_lead(conference, led.facilitator, by=by, override_reason=override)
    # Answers were to the old time: everyone the invitation reached is asked again (a new one goes out).
    asked_again = list(conference.participants.filter(invited_at__isnull=False).values_list("pk", flat=True))
    Participant.objects.filter(pk__in=asked_again).update(  # the old link stops: it showed the old time
        invitation=Participant.Invitation.INVITED, answered_at=None, answer_note="", link_hash="", link_expires_at=None
    )
    record_bulk_change(Participant, asked_again, detail="fields: invitation (asked again after a move)")
    record_case_event(
        conference.case,
        by=by,
        kind=Kind.CONFERENCE,
        summary=f"Conference of {before} moved to {timezone.localtime(conference.starts_at):%d %b %Y %H:%M} "
        f"({conference.place}).",
        reason=reason,
    )
    conference_changed.send(sender=Conference, conference=conference)
    return conference


@transaction.atomic
def cancel_conference(*, conference: Conference, by, reason: str) -> Conference:
    """Cancel a scheduled conference. With no other one scheduled, the case goes back to ready."""
    conference = Conference.objects.select_for_update().get(pk=conference.pk)
    if not can_proceed(conference.cancel):
        raise InvalidTransition(
            f"This conference is {conference.get_status_display().lower()}: it cannot be cancelled."
        )
    conference.cancel()
    conference.cancel_reason = reason
    conference.sequence += 1
    conference._change_reason = "cancelled"
    conference.save()
    bookings = list(conference.bookings.values_list("pk", flat=True))
    conference.bookings.update(active=False)
    record_bulk_change(ConferenceFacilitator, bookings, detail="fields: active")
    case = conference.case
    record_case_event(
        case,
        by=by,
        kind=Kind.CONFERENCE,
        summary=f"Conference of {timezone.localtime(conference.starts_at):%d %b %Y %H:%M} cancelled.",
        reason=reason,
    )
    conference_changed.send(sender=Conference, conference=conference)
    still_scheduled = case.conferences.filter(status=ConferenceStatus.SCHEDULED).exists()
    if case.status == CaseStatus.SCHEDULED and not still_scheduled:
        move_case(case=case, method_name="unschedule", by=by, reason="Conference cancelled.")
    return conference


@transaction.atomic
def update_invitation(*, participant: Participant, by, invitation: str) -> Participant:
    if participant.conference.status != ConferenceStatus.SCHEDULED:
        raise InvalidTransition("Invitations change only while the conference is scheduled.")
    if invitation == Participant.Invitation.TO_INVITE and participant.invited_at:
        raise InvalidTransition(f"{participant.display_name} was sent the invitation: they cannot be not invited.")
    participant.invitation = invitation
    participant.save(update_fields=["invitation"])
    conference_changed.send(sender=Conference, conference=participant.conference)
    return participant


@transaction.atomic
def add_participant(
    *, conference: Conference, by, role: str, person: Person | None = None, name: str = ""
) -> Participant:
    """Invite someone else: a community member by name, or a person on the case."""
    if conference.status != ConferenceStatus.SCHEDULED:
        raise InvalidTransition("People can be added only while the conference is scheduled.")
    try:
        with transaction.atomic():
            participant = Participant.objects.create(conference=conference, role=role, person=person, name=name)
    except IntegrityError:
        raise InvalidTransition("That person is already invited.") from None
    conference_changed.send(sender=Conference, conference=conference)
    return participant


@transaction.atomic
def hold_conference(*, conference: Conference, by, attended: dict[int, bool], notes: str = "") -> Conference:
    """Record that the conference took place, who attended, and the facilitators' confidential notes."""
    conference = Conference.objects.select_for_update().get(pk=conference.pk)
    if not can_proceed(conference.hold):
        raise InvalidTransition(f"This conference is {conference.get_status_display().lower()}: it cannot be held.")
    if conference.starts_at > timezone.now():
        raise InvalidTransition("A conference can be recorded as held only once it has started.")
    case = lock_case(conference.case)
    check_case_move(case, "hold_conference")
    conference.hold()
    conference.notes = notes
    conference.save()
    for participant in conference.participants.all():
        participant.attended = attended.get(participant.pk, False)
        participant.save(update_fields=["attended"])
    present = sum(attended.values())
    record_case_event(
        case, by=by, kind=Kind.CONFERENCE, summary=f"Conference held; {present} of {len(attended)} invited attended."
    )
    move_case(case=case, method_name="hold_conference", by=by)
    conference_changed.send(sender=Conference, conference=conference)
    return conference


@dataclass
class ItemInput:
    kind: str
    description: str
    due_date: date
    amount: Decimal | None = None
    hours: Decimal | None = None
    harmed_party: Person | None = None
    partner: object = None


def _check_items(items: list[ItemInput]) -> None:
    if not items:
        raise InvalidTransition("An agreement needs at least one item.")
    for item in items:
        if item.kind == ItemKind.RESTITUTION and not (item.amount and item.amount > 0):
            raise InvalidTransition(f"Restitution “{item.description}” needs an amount.")
        if item.kind == ItemKind.COMMUNITY_SERVICE and not (item.hours and item.hours > 0):
            raise InvalidTransition(f"Community service “{item.description}” needs a number of hours.")


def _create_agreement(case, *, by, items, summary, conference=None, version=1, reason=""):
    agreement = Agreement.objects.create(
        case=case, version=version, conference=conference, summary=summary, renegotiation_reason=reason, created_by=by
    )
    created = AgreementItem.objects.bulk_create([AgreementItem(agreement=agreement, **vars(item)) for item in items])
    record_bulk_change(AgreementItem, [item.pk for item in created], action=AuditEntry.Action.CREATE)
    return agreement


@transaction.atomic
def record_agreement(*, case: Case, by, items: list[ItemInput], summary: str = "") -> Agreement:
    """Record what the held conference agreed; the case moves to monitoring."""
    case = lock_case(case)
    check_case_move(case, "start_monitoring")
    _check_items(items)
    conference = case.conferences.filter(status=ConferenceStatus.HELD).order_by("-held_at").first()
    agreement = _create_agreement(case, by=by, items=items, summary=summary, conference=conference)
    record_case_event(
        case,
        by=by,
        kind=Kind.AGREEMENT,
        summary=f"Agreement recorded with {len(items)} item{'' if len(items) == 1 else 's'}.",
    )
    move_case(case=case, method_name="start_monitoring", by=by)
    agreement_changed.send(sender=Case, case=agreement.case)
    return agreement


@transaction.atomic
def renegotiate_agreement(*, case: Case, by, items: list[ItemInput], reason: str, summary: str = "") -> Agreement:
    """Replace the current agreement with a new version; the earlier one stays, marked superseded."""
    case = lock_case(case)
    if case.status != CaseStatus.MONITORING:
        raise InvalidTransition("An agreement can be renegotiated only while the case is monitored.")
    _check_items(items)
    current = case.agreements.get(superseded_at__isnull=True)
    current.superseded_at = timezone.now()
    current.save(update_fields=["superseded_at"])
    agreement = _create_agreement(
        case,
        by=by,
        items=items,
        summary=summary,
        conference=current.conference,
        version=current.version + 1,
        reason=reason,
    )
    record_case_event(
        case, by=by, kind=Kind.AGREEMENT, summary=f"Agreement renegotiated: version {agreement.version}.", reason=reason
    )
    agreement_changed.send(sender=Case, case=case)
    return agreement


def _lock_open_item(item: AgreementItem) -> AgreementItem:
    item = AgreementItem.objects.select_for_update().select_related("agreement__case").get(pk=item.pk)
    if not item.agreement.is_current:
        raise InvalidTransition(
            "This item belongs to an agreement that was renegotiated; record it on the current one."
        )
    case = item.agreement.case
    if case.status != CaseStatus.MONITORING:
        raise InvalidTransition(f"Case {case} is {case.get_status_display().lower()}: its items can no longer change.")
    return item


@transaction.atomic
def record_payment(*, item: AgreementItem, by, amount: Decimal, paid_on: date) -> Payment:
    """Enter a restitution payment in the item's ledger."""
    item = _lock_open_item(item)
    if item.kind != ItemKind.RESTITUTION:
        raise InvalidTransition("Payments are recorded on restitution items only.")
    if amount <= 0 or paid_on > timezone.localdate():
        raise InvalidTransition("A payment needs a positive amount and a date that is not in the future.")
    payment = Payment.objects.create(item=item, amount=amount, paid_on=paid_on, recorded_by=by)
    record_case_event(
        item.agreement.case, by=by, kind=Kind.AGREEMENT, summary=f"Payment of £{amount} recorded on “{item}”."
    )
    return payment


@transaction.atomic
def record_hours(*, item: AgreementItem, by, hours: Decimal, worked_on: date) -> ServiceHours:
    """Enter community service hours in the item's log."""
    item = _lock_open_item(item)
    if item.kind != ItemKind.COMMUNITY_SERVICE:
        raise InvalidTransition("Hours are recorded on community service items only.")
    if hours <= 0 or worked_on > timezone.localdate():
        raise InvalidTransition("Hours must be positive and worked on a date that is not in the future.")
    entry = ServiceHours.objects.create(item=item, hours=hours, worked_on=worked_on, recorded_by=by)
    record_case_event(item.agreement.case, by=by, kind=Kind.AGREEMENT, summary=f"{hours} hours recorded on “{item}”.")
    return entry


_ITEM_MOVES = {ItemStatus.COMPLETED: "complete", ItemStatus.MISSED: "miss", ItemStatus.WAIVED: "waive"}


@transaction.atomic
def set_item_status(*, item: AgreementItem, by, status: str, note: str = "") -> AgreementItem:
    """Mark an item completed, missed or waived, with who and when. Only supervisors waive."""
    item = _lock_open_item(item)
    method_name = _ITEM_MOVES.get(status)
    if method_name is None:
        raise InvalidTransition("Choose completed, missed or waived.")
    if status == ItemStatus.WAIVED and not by.is_supervisor:
        raise InvalidTransition("Only a supervisor can waive an item.")
    if not can_proceed(getattr(item, method_name)):
        raise InvalidTransition(f"The item is {item.get_status_display().lower()}: it cannot be marked {status} now.")
    getattr(item, method_name)()
    item.status_changed_at, item.status_changed_by, item.status_note = timezone.now(), by, note
    item.save()
    case = item.agreement.case
    record_case_event(case, by=by, kind=Kind.AGREEMENT, summary=f"“{item}” marked {item.get_status_display().lower()}.")
    item_changed.send(sender=AgreementItem, item=item)
    return item
