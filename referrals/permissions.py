"""Who may see and change which referral: the one place pages, API and exports ask."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from .models import Referral


def referrals_for_user(user):
    """Return the referrals `user` may see.

    Officers see their own, and their unit's when they lead it; supervisors and admins see all;
    facilitators and partners reach the process through cases, not referrals.
    """
    referrals = Referral.objects.all()
    if not user.is_authenticated:
        return referrals.none()
    if user.is_supervisor:
        return referrals
    if user.is_officer:
        if user.is_unit_lead and user.unit_id:
            return referrals.filter(unit_id=user.unit_id)
        return referrals.filter(referring_officer=user)
    return referrals.none()


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
