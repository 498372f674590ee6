"""Who may see and change which referral: the one place pages, API and exports ask."""

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404

from people.models import Person, Role

from .models import Referral, ReferralParty


def referrals_for_user(user):
    """Return the referrals `user` may see.

    Officers see their own, and their unit's when they lead it; supervisors and admins see all;
    facilitators and partners reach the process through cases, not referrals.
    """
    referrals = Referral.objects.all()
    if not user.is_authenticated:
        return referrals.none()
    if not can_see_sealed(user):
        referrals = referrals.unsealed()
    if user.is_supervisor:
        return referrals
    if user.is_officer:
        if user.is_unit_lead and user.unit_id:
            return referrals.filter(unit_id=user.unit_id)
        return referrals.filter(referring_officer=user)
    return referrals.none()


def can_see_sealed(user) -> bool:
    """Sealed records (DESIGN.md, data protection 6) are for administrators only; every floor's
    scoped queryset leaves them out for everyone else."""
    return user.is_authenticated and user.role == Role.ADMIN


def can_edit_referral(user, referral: Referral) -> bool:
    """The referring officer (or their unit lead) writes the referral; supervisors screen it."""
    return user.is_officer and (
        referral.referring_officer_id == user.pk or (user.is_unit_lead and referral.unit_id == user.unit_id)
    )


def can_withdraw_referral(user, referral: Referral) -> bool:
    """The referring officer (or their unit lead) withdraws a referral, and so may a supervisor."""
    return can_edit_referral(user, referral) or user.is_supervisor


def can_see_party_contacts(user, referral: Referral) -> bool:
    """Once screened, the parties' contact details belong to the case's facilitators and supervisors."""
    return user.is_supervisor or referral.is_editable


def people_recorded_on(referral: Referral) -> set[int]:
    """Return the ids of the people `referral` put on record: not linked to someone already on record
    and named on no other referral. Their contact details are the referral's own; anyone else's
    belong to whoever recorded them (DESIGN.md, data protection rule 3)."""
    elsewhere = ReferralParty.objects.filter(person=OuterRef("person")).exclude(referral=referral)
    return set(referral.parties.filter(linked=False).exclude(Exists(elsewhere)).values_list("person_id", flat=True))


def contact_people_for_user(user, referral: Referral) -> set[int]:
    """Return the ids of the people whose contact details `user` may see on `referral`: supervisors
    all of them; the officer writing it only those the referral put on record, so that linking a
    person shows nothing of their details."""
    if not can_see_party_contacts(user, referral):
        return set()
    if user.is_supervisor:
        return set(referral.parties.values_list("person_id", flat=True))
    return people_recorded_on(referral)


def people_for_referrer(user):
    """Return the people an officer's duplicate check looks among: those on referrals they may see."""
    return Person.objects.filter(Exists(referrals_for_user(user).filter(parties__person=OuterRef("pk"))))


def can_see_screening(user) -> bool:
    """The eligibility rules' results and an override's justification are for the screeners."""
    return user.is_supervisor


def get_referral_for_user(user, pk, *, write=False) -> Referral:
    """Return the referral if `user` may see it (404 otherwise); with write, also edit it (403)."""
    referral = get_object_or_404(referrals_for_user(user).with_list_data(), pk=pk)
    if write and not can_edit_referral(user, referral):
        raise PermissionDenied("Only the referring officer can change this referral.")
    return referral


def require_referrer(user):
    """Referrals are logged by police officers (and their records systems, as officers of a unit)."""
    if not user.is_officer:
        raise PermissionDenied("Only police officers log referrals.")


def require_screener(user):
    """Screening is the supervisors' job."""
    if not user.is_supervisor:
        raise PermissionDenied("Only supervisors screen referrals.")
