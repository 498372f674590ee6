"""Writes about a case that span models or have side effects: preparation, assignment, closing."""

from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from people.models import ContactDetails, Person, Role, User
from referrals.models import PartyRole
from referrals.services import save_parties
from rjcases import workflow
from rjcases.workflow import InvalidTransition, case_assigned, case_cannot_meet, consent_changed

from .models import (
    OPEN_CASE_STATUSES,
    Assessment,
    Case,
    CaseEvent,
    CaseNote,
    CaseStatus,
    Consent,
    ConsentPurpose,
    ContactAttempt,
    ReturnReason,
)
from .readiness import readiness_problems
from .transitions import check_case_move, lock_case, move_case, record_case_event

Kind = CaseEvent.Kind


class PreparationError(workflow.Conflict):
    """Input that is well-formed but wrong for this case (a person not on it, a non-facilitator).

    A conflict with the records as they are, like an impossible move: the API answers it with a 409.
    """

    code = "not_possible_for_this_case"


# What a write on a case refuses with a message for the person (not a permission problem).
CASE_ERRORS = (InvalidTransition, PreparationError)


def case_people(case: Case) -> dict[int, Person]:
    """Return the people on the case by id: its parties, guardians and supporters."""
    return {p.person_id: p.person for p in case.referral.parties.select_related("person")}


def _require_on_case(case: Case, person: Person) -> None:
    if person.pk not in case_people(case):
        raise PreparationError(f"{person.display_name} is not on case {case}.")


@transaction.atomic
def assign_facilitators(*, case: Case, by, facilitator: User, co_facilitator: User | None = None) -> Case:
    """Assign (or reassign) the case's facilitator and co-facilitator."""
    for user in filter(None, (facilitator, co_facilitator)):
        if user.role != Role.FACILITATOR or not user.is_active:
            raise PreparationError(f"{user} is not an active facilitator.")
    if co_facilitator is not None and co_facilitator.pk == facilitator.pk:
        raise PreparationError("The co-facilitator must be someone other than the facilitator.")
    locked = lock_case(case)
    if not locked.is_open:
        raise InvalidTransition(f"Case {locked} is closed; its facilitators can no longer change.")
    locked.facilitator, locked.co_facilitator = facilitator, co_facilitator
    locked.save(update_fields=["facilitator", "co_facilitator"])
    names = f"{facilitator}" + (f", with {co_facilitator}" if co_facilitator else "")
    record_case_event(locked, by=by, kind=Kind.ASSIGNMENT, summary=f"Facilitator: {names}.")
    case_assigned.send(sender=Case, case=locked)
    return locked


@transaction.atomic
def reassign_caseload(*, by, departing: User, successor: User) -> int:
    """Move every open case of a departing facilitator to a successor; return how many moved."""
    if successor.role != Role.FACILITATOR or not successor.is_active:
        raise PreparationError(f"{successor} is not an active facilitator.")
    if successor.pk == departing.pk:
        raise PreparationError("Choose someone other than the departing facilitator.")
    moved = 0
    open_cases = Case.objects.select_for_update().filter(status__in=OPEN_CASE_STATUSES)
    for case in open_cases.filter(facilitator=departing):
        case.facilitator = successor
        if case.co_facilitator_id == successor.pk:
            case.co_facilitator = None
        case.save(update_fields=["facilitator", "co_facilitator"])
        record_case_event(case, by=by, kind=Kind.ASSIGNMENT, summary=f"Caseload of {departing} moved to {successor}.")
        case_assigned.send(sender=Case, case=case)
        moved += 1
    for case in open_cases.filter(co_facilitator=departing).exclude(facilitator=successor):
        case.co_facilitator = successor
        case.save(update_fields=["co_facilitator"])
        record_case_event(
            case, by=by, kind=Kind.ASSIGNMENT, summary=f"Co-facilitator {departing} replaced by {successor}."
        )
        case_assigned.send(sender=Case, case=case)
        moved += 1
    return moved


def _require_open(case: Case) -> None:
    if not case.is_open:
        raise InvalidTransition(f"Case {case} is {case.get_status_display().lower()}: it can no longer change.")


@transaction.atomic
def update_contact_details(*, case: Case, by, person: Person, **values) -> ContactDetails:
    """Add or correct a participant's contact details, or mark a channel not to be used.

    The details' history keeps what they were; the timeline says that they changed, never what they
    are; reminders and invitations follow the channels that can be used from now on.
    """
    _require_open(case)
    _require_on_case(case, person)
    contact, _ = ContactDetails.objects.get_or_create(person=person)
    changed = [name for name, value in values.items() if getattr(contact, name) != value]
    if not changed:
        return contact
    for name in changed:
        setattr(contact, name, values[name])
    contact._change_reason = f"updated by the case's facilitator ({', '.join(changed)})"
    contact.save()
    record_case_event(case, by=by, kind=Kind.CONTACT, summary=f"Contact details of {person.display_name} updated.")
    workflow.contact_changed.send(sender=Case, case=case)
    return contact


@transaction.atomic
def log_contact(
    *, case: Case, by, person: Person, contacted_at: datetime, channel: str, outcome: str, note: str = ""
) -> ContactAttempt:
    """Record one attempt to reach a party."""
    _require_open(case)
    _require_on_case(case, person)
    attempt = ContactAttempt.objects.create(
        case=case, person=person, contacted_at=contacted_at, channel=channel, outcome=outcome, note=note, recorded_by=by
    )
    record_case_event(
        case,
        by=by,
        kind=Kind.CONTACT,
        summary=f"{attempt.get_channel_display()} to {person.display_name}: {attempt.get_outcome_display().lower()}.",
    )
    return attempt


@transaction.atomic
def record_consent(
    *, case: Case, by, person: Person, purpose: str, given_by: Person, given_on: date, method: str
) -> Consent:
    """Record a participant's consent to one purpose, given by them or by their guardian."""
    _require_open(case)
    _require_on_case(case, person)
    if given_by.pk != person.pk:
        guardians = {p.person_id for p in case.referral.parties.all() if p.role == PartyRole.GUARDIAN}
        if given_by.pk not in guardians:
            raise PreparationError(f"{given_by.display_name} is not a guardian on this case.")
    if given_on > timezone.localdate():
        raise PreparationError("Consent cannot be dated in the future.")
    if purpose == ConsentPurpose.KEEP_INFORMED:
        harmed = {p.person_id for p in case.referral.parties.all() if p.role == PartyRole.HARMED}
        if person.pk not in harmed:
            raise PreparationError("Only a harmed party is kept informed of the agreement and the outcome.")
    try:
        with transaction.atomic():
            consent = Consent.objects.create(
                case=case,
                person=person,
                purpose=purpose,
                given_by=given_by,
                given_on=given_on,
                method=method,
                recorded_by=by,
            )
    except IntegrityError:
        raise PreparationError(
            f"{given_by.display_name} has already given this consent for {person.display_name}."
        ) from None
    who = "" if given_by.pk == person.pk else f" (given by {given_by.display_name}, guardian)"
    record_case_event(
        case,
        by=by,
        kind=Kind.CONSENT,
        summary=f"{person.display_name}: consent to {consent.get_purpose_display().lower()}{who}.",
    )
    consent_changed.send(sender=Case, case=case)  # reminders to participants follow consent
    return consent


@transaction.atomic
def withdraw_consent(*, consent: Consent, by, reason: str) -> Consent:
    """Withdraw a consent. A case that was ready without it goes back to intake."""
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    if not consent.is_active:
        raise InvalidTransition("This consent was already withdrawn.")
    consent.withdrawn_at, consent.withdrawn_by, consent.withdrawal_reason = timezone.now(), by, reason
    consent.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason"])
    case = consent.case
    record_case_event(
        case,
        by=by,
        kind=Kind.CONSENT,
        summary=f"{consent.person.display_name}: consent to {consent.get_purpose_display().lower()} withdrawn.",
        reason=reason,
    )
    consent_changed.send(sender=Case, case=case)  # reminders to participants follow consent
    if consent.purpose != ConsentPurpose.CONFERENCE or case.status not in (CaseStatus.READY, CaseStatus.SCHEDULED):
        return consent
    if readiness_problems(case):
        # Withdrawal stops scheduling (DESIGN.md, data protection 4): no conference goes ahead without it.
        case_cannot_meet.send(sender=Case, case=case, by=by, reason="Consent to take part was withdrawn.")
        move_case(case=lock_case(case), method_name="back_to_intake", by=by, reason="Consent withdrawn.")
    return consent


@transaction.atomic
def record_assessment(
    *, case: Case, by, person: Person, will_attend: bool, ready: bool, risk: str, notes: str = ""
) -> Assessment:
    """Record (or redo) the facilitator's assessment of a participant; a redone one needs a new sign-off."""
    _require_open(case)
    _require_on_case(case, person)
    assessment, created = Assessment.objects.select_for_update().get_or_create(
        case=case, person=person, defaults={"risk": risk, "assessed_by": by}
    )
    assessment.will_attend, assessment.ready, assessment.risk, assessment.notes = will_attend, ready, risk, notes
    assessment.assessed_by, assessment.assessed_at = by, timezone.now()
    assessment.signed_off_by, assessment.signed_off_at = None, None
    assessment.save()
    verb = "assessed" if created else "reassessed"
    record_case_event(
        case,
        by=by,
        kind=Kind.ASSESSMENT,
        summary=f"{person.display_name} {verb}: {assessment.get_risk_display().lower()} risk, "
        f"{'ready' if ready else 'not ready yet'}{'' if will_attend else ', will not attend'}.",
    )
    return assessment


@transaction.atomic
def sign_off_assessment(*, assessment: Assessment, by) -> Assessment:
    """A supervisor signs off a facilitator's assessment."""
    if not by.is_supervisor:
        raise PreparationError("Only a supervisor can sign off an assessment.")
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    _require_open(assessment.case)
    if assessment.is_signed_off:
        raise InvalidTransition("This assessment is already signed off.")
    assessment.signed_off_by, assessment.signed_off_at = by, timezone.now()
    assessment.save(update_fields=["signed_off_by", "signed_off_at"])
    record_case_event(
        assessment.case,
        by=by,
        kind=Kind.ASSESSMENT,
        summary=f"Assessment of {assessment.person.display_name} signed off.",
    )
    return assessment


def add_note(*, case: Case, by, text: str) -> CaseNote:
    """Add a confidential note; the timeline says only that a note was added."""
    note = CaseNote.objects.create(case=case, author=by, text=text)
    record_case_event(case, by=by, kind=Kind.NOTE, summary="Note added.")
    return note


@transaction.atomic
def add_party_to_case(*, case: Case, by, party) -> None:
    """Add someone to the case while preparing it: a guardian, a supporter, a party found later.

    `party` is a referrals.services.PartyInput; the case shares its referral's parties.
    """
    _require_open(case)
    save_parties(case.referral, [party], by=by)
    name = (
        party.existing_person.display_name if party.existing_person else f"{party.first_name} {party.last_name}".strip()
    )
    record_case_event(
        case,
        by=by,
        kind=Kind.ASSIGNMENT,
        summary=f"{PartyRole(party.role).label} added: {name or party.organisation_name}.",
    )


@transaction.atomic
def mark_case_ready(*, case: Case, by) -> Case:
    """Move the case to ready once every consent and sign-off is there; say what is missing otherwise."""
    locked = lock_case(case)
    problems = readiness_problems(locked)
    if problems and locked.status == CaseStatus.INTAKE:
        raise InvalidTransition("The case is not ready yet: " + " ".join(problems))
    return move_case(case=locked, method_name="mark_ready", by=by)


@transaction.atomic
def complete_case(*, case: Case, by) -> Case:
    """Close the case as completed: every item of the current agreement is completed or waived."""
    locked = lock_case(case)
    agreement = locked.agreements.filter(superseded_at__isnull=True).first()
    count = len(agreement.open_items()) if agreement else 0
    if locked.status == CaseStatus.MONITORING and (agreement is None or count):
        raise InvalidTransition(
            f"The case cannot be completed: {count} agreement item{'s' if count != 1 else ''} "
            "still pending or missed. Complete or waive each one first."
            if agreement
            else "The case cannot be completed without an agreement."
        )
    return move_case(case=locked, method_name="complete", by=by)


@transaction.atomic
def return_case(*, case: Case, by, reason_code: str, note: str = "") -> Case:
    """Return the case to the referring agency for conventional processing, with a coded reason.

    Its scheduled conferences are cancelled first, so that nobody is left booked or reminded.
    """
    label = ReturnReason(reason_code).label
    check_case_move(lock_case(case), "return_to_agency")
    case_cannot_meet.send(sender=Case, case=case, by=by, reason=f"Case returned to the agency: {label.lower()}.")
    return move_case(
        case=case,
        method_name="return_to_agency",
        by=by,
        reason=f"{label}. {note}".strip() if note else label,
        changes={"return_reason": reason_code, "closing_note": note},
    )


@transaction.atomic
def close_without_conference(*, case: Case, by, reason: str) -> Case:
    """Close the case without a conference (e.g. the harmed party declined and no alternative was used).

    Closing (here, in return_case and complete_case) tells the referring officer through a reminder
    planned by the case's writer, with the follow-ups.
    """
    check_case_move(lock_case(case), "close_without_conference")
    case_cannot_meet.send(sender=Case, case=case, by=by, reason="Case closed without a conference.")
    return move_case(
        case=case, method_name="close_without_conference", by=by, reason=reason, changes={"closing_note": reason}
    )
