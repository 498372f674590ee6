"""Writes about referrals that span several models or have side effects."""

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils import timezone

from people.audit import batched_atomic, record_audit
from people.models import AuditEntry, ContactDetails, Ethnicity, Gender, Person
from rjcases.workflow import InputRequired, referral_accepted

from .eligibility import evaluate_referral
from .models import (
    ContactUpdate,
    DeclineReason,
    PartyRole,
    Referral,
    ReferralEvent,
    ReferralParty,
    ReferralStatus,
)
from .permissions import people_recorded_on
from .transitions import InvalidTransition, check_referral_move, move_referral


class OverrideRequired(InputRequired):
    """Accepting a referral that fails a policy rule needs a written justification."""

    field = "justification"
    code = "override_required"


@dataclass
class PartyInput:
    """One party as typed on the referral form (or sent by a records system)."""

    role: str
    kind: str = Person.Kind.INDIVIDUAL
    first_name: str = ""
    last_name: str = ""
    organisation_name: str = ""
    date_of_birth: date | None = None
    gender: str = Gender.NOT_STATED
    ethnicity: str = Ethnicity.NOT_STATED
    phone: str = ""
    email: str = ""
    address: str = ""
    admits_responsibility: bool | None = None
    prior_diversions: int | None = None
    party_id: int | None = None  # an existing party of this referral, to be updated
    existing_person: Person | None = None  # a person already on record, to be linked
    person_fields: tuple = field(
        default=("kind", "first_name", "last_name", "organisation_name", "date_of_birth", "gender", "ethnicity"),
        repr=False,
    )


@dataclass
class ReferralInput:
    incident_number: str
    incident_date: date
    incident_place: str
    offence_category: object
    description: str
    harm_description: str


@batched_atomic
def create_referral(*, officer, data: ReferralInput, parties: list[PartyInput]) -> Referral:
    """Create a draft referral with its parties, logged by `officer` for their unit."""
    referral = Referral(referring_officer=officer, unit_id=officer.unit_id, **vars(data))
    referral.save()
    save_parties(referral, parties, by=officer)
    ReferralEvent.objects.create(
        referral=referral, actor=officer, to_status=ReferralStatus.DRAFT, reason="Referral created."
    )
    return referral


@batched_atomic
def update_referral(
    *, referral: Referral, by, data: ReferralInput, parties: list[PartyInput], removed_party_ids=()
) -> Referral:
    """Change what a draft (or a referral sent back for information) says."""
    locked = Referral.objects.select_for_update().get(pk=referral.pk)
    if not locked.is_editable:
        raise InvalidTransition(
            f"Referral {locked} can no longer be changed: its status is {locked.get_status_display()}."
        )
    for name, value in vars(data).items():
        setattr(locked, name, value)
    locked.save()
    locked.parties.filter(pk__in=removed_party_ids).delete()
    save_parties(locked, parties, by=by)
    return locked


def save_parties(referral, parties, *, by):
    """Create or update the referral's parties (people, their contact details and their roles).

    An officer writes the details of the people this referral put on record. For anyone else (a
    person linked from the records) what they type is only proposed (`ContactUpdate`), and the
    person's name and date of birth stay as recorded: the details belong to whoever recorded them,
    and the case's facilitators adopt or dismiss the proposal (DESIGN.md, data protection rule 3).
    """
    own = people_recorded_on(referral) if referral.pk and any(party.party_id for party in parties) else set()
    for party in parties:
        new = False
        if party.party_id:
            link = referral.parties.select_related("person").get(pk=party.party_id)
            person = link.person
            writes = person.pk in own or not by.is_officer
            if writes:
                for name in party.person_fields:
                    setattr(person, name, getattr(party, name))
                person.save()
        else:
            person = party.existing_person
            if person is None:
                person = Person(created_by=by, **{name: getattr(party, name) for name in party.person_fields})
                person.save()
                new = True
            link = ReferralParty(referral=referral, person=person, linked=party.existing_person is not None)
            writes = party.existing_person is None or not by.is_officer
        if writes:
            _write_contact(person, party, new=new)
        else:
            _propose_contact(referral, person, party, by=by)
        link.role = party.role
        is_responsible = party.role == PartyRole.RESPONSIBLE
        link.admits_responsibility = party.admits_responsibility if is_responsible else None
        link.prior_diversions = party.prior_diversions if is_responsible else None
        link.save()


def _write_contact(person, party, *, new: bool = False) -> None:
    values = {"phone": party.phone, "email": party.email, "address": party.address}
    if new:
        ContactDetails.objects.create(person=person, **values)
    elif party.existing_person is None or any(values.values()):
        ContactDetails.objects.update_or_create(person=person, defaults=values)
    else:
        ContactDetails.objects.get_or_create(person=person)


def _propose_contact(referral, person, party, *, by) -> None:
    """Keep what was typed for someone on record as this referral's one pending proposal for them."""
    typed = {"phone": party.phone, "email": party.email, "address": party.address}
    pending = ContactUpdate.objects.pending().filter(referral=referral, person=person).first()
    if not any(typed.values()):
        if pending is not None:
            pending.delete()  # the officer cleared what they had proposed
        return
    if pending is None:
        ContactUpdate.objects.create(referral=referral, person=person, proposed_by=by, **typed)
        return
    for name, value in typed.items():
        setattr(pending, name, value)
    pending.proposed_by = by
    pending.save(update_fields=[*typed, "proposed_by"])


@transaction.atomic
def adopt_contact_update(*, update: ContactUpdate, by) -> ContactDetails:
    """Copy proposed contact details into the person's details on record (their history keeps the old)."""
    update = ContactUpdate.objects.select_for_update().get(pk=update.pk)
    if not update.is_pending:
        raise InvalidTransition("These contact details have already been adopted or dismissed.")
    contact, _ = ContactDetails.objects.get_or_create(person_id=update.person_id)
    update.adopt_into(contact)
    contact.save()
    update.adopted_at, update.adopted_by = timezone.now(), by
    update.save(update_fields=["adopted_at", "adopted_by"])
    record_audit(
        by, AuditEntry.Action.ADOPT, contact, detail=f"contact update {update.pk} of person {update.person_id}"
    )
    return contact


@transaction.atomic
def dismiss_contact_update(*, update: ContactUpdate, by) -> ContactUpdate:
    """Set proposed contact details aside, leaving the details on record as they are."""
    update = ContactUpdate.objects.select_for_update().get(pk=update.pk)
    if not update.is_pending:
        raise InvalidTransition("These contact details have already been adopted or dismissed.")
    update.dismissed_at, update.dismissed_by = timezone.now(), by
    update.save(update_fields=["dismissed_at", "dismissed_by"])
    return update


def submission_problems(referral: Referral) -> list[str]:
    """Return what the referral still lacks before a supervisor can screen it."""
    responsible = referral.responsible_parties()
    problems = []
    if not responsible:
        problems.append("name at least one responsible party")
    for party in responsible:
        if party.admits_responsibility is None:
            problems.append(f"record whether {party.person.display_name} admits responsibility")
    return problems


def submit_referral(*, referral: Referral, by) -> Referral:
    """Send a draft to the supervisors' screening queue."""
    problems = submission_problems(referral)
    if problems:
        raise InvalidTransition("The referral cannot be submitted yet: " + "; ".join(problems) + ".")
    return move_referral(referral=referral, method_name="submit", by=by)


@transaction.atomic
def answer_info_request(*, referral: Referral, by, answer: str) -> Referral:
    """Record the officer's answer to a request for information and resubmit the referral."""
    problems = submission_problems(referral)
    if problems:
        raise InvalidTransition("The referral cannot be resubmitted yet: " + "; ".join(problems) + ".")
    return move_referral(
        referral=referral, method_name="resubmit", by=by, reason=answer, changes={"info_response": answer}
    )


def request_info(*, referral: Referral, by, message: str) -> Referral:
    """Send a submitted referral back to its officer with a question."""
    return move_referral(
        referral=referral,
        method_name="request_info",
        by=by,
        reason=message,
        changes={"info_request": message, "info_response": ""},
    )


@transaction.atomic
def accept_referral(*, referral: Referral, by, justification: str = "") -> Referral:
    """Accept a screened referral and open its case in intake.

    A referral that fails any policy rule is accepted only with a written justification.
    """
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    check_referral_move(referral, "accept")  # "not possible now" comes before "needs a justification"
    results = evaluate_referral(referral)
    eligible = all(r.passed for r in results)
    justification = justification.strip()
    if not eligible and not justification:
        failed = ", ".join(r.rule.lower() for r in results if not r.passed)
        raise OverrideRequired(f"The referral fails the policy ({failed}): write why you accept it anyway.")
    accepted = move_referral(
        referral=referral,
        method_name="accept",
        by=by,
        reason=justification if not eligible else "",
        changes={
            "screened_by": by,
            "eligible": eligible,
            "eligibility_results": [r.as_dict() for r in results],
            "override_justification": "" if eligible else justification,
        },
    )
    referral_accepted.send(sender=Referral, referral=accepted, by=by)  # cases opens its case
    return accepted


def decline_referral(*, referral: Referral, by, reason_code: str, note: str = "") -> Referral:
    """Decline a submitted referral with a coded reason."""
    results = evaluate_referral(referral)
    label = DeclineReason(reason_code).label
    return move_referral(
        referral=referral,
        method_name="decline",
        by=by,
        reason=f"{label}. {note}".strip() if note else label,
        changes={
            "screened_by": by,
            "decline_reason": reason_code,
            "eligible": all(r.passed for r in results),
            "eligibility_results": [r.as_dict() for r in results],
        },
    )


def withdraw_referral(*, referral: Referral, by, reason: str) -> Referral:
    """Withdraw an open referral (the officer changed their mind, the facts changed)."""
    return move_referral(referral=referral, method_name="withdraw", by=by, reason=reason)
