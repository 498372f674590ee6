"""Who may see and work which case: the one place pages, API, exports and notifications ask."""

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.shortcuts import get_object_or_404

from people.models import Person
from referrals.models import ContactUpdate
from referrals.permissions import can_see_sealed, contact_people_for_user, referrals_for_user

from .models import Case


def cases_for_user(user):
    """Return the cases `user` may see: supervisors all; facilitators those they facilitate.

    Officers follow their referrals' outcome on the referral page; partners see agreement items.
    """
    cases = Case.objects.all()
    if not user.is_authenticated:
        return cases.none()
    if not can_see_sealed(user):
        cases = cases.filter(referral__sealed_at__isnull=True)
    if user.is_supervisor:
        return cases
    if user.is_facilitator:
        return cases.filter(Q(facilitator=user) | Q(co_facilitator=user))
    return cases.none()


def people_for_user(user):
    """Return the people `user` may find: those on a referral or a case the user may see; partners none."""
    on_referral = referrals_for_user(user).filter(parties__person=OuterRef("pk"))
    on_case = cases_for_user(user).filter(referral__parties__person=OuterRef("pk"))
    return Person.objects.filter(Exists(on_referral) | Exists(on_case))


def can_work_case(user, case: Case) -> bool:
    """Supervisors and the case's own facilitators record work on it."""
    return user.is_supervisor or (user.is_facilitator and case.facilitated_by(user))


def get_case_for_user(user, pk, *, write=False) -> Case:
    """Return the case if `user` may see it (404 otherwise); with write, also work on it (403)."""
    case = get_object_or_404(
        cases_for_user(user).select_related(
            "referral__offence_category",
            "referral__referring_officer",
            "referral__unit",
            "facilitator",
            "co_facilitator",
        ),
        pk=pk,
    )
    if write and not can_work_case(user, case):
        raise PermissionDenied("Only the case's facilitators and supervisors can change it.")
    return case


def require_supervisor(user):
    if not user.is_supervisor:
        raise PermissionDenied("Only supervisors can do this.")


def can_see_contact_details(user, person: Person) -> bool:
    """As on the pages: supervisors; the facilitators of a case the person is on; and the officer still
    writing an unscreened referral that put them on record (not one that only linked them)."""
    if user.is_supervisor:
        return True
    if cases_for_user(user).filter(referral__parties__person=person).exists():
        return True
    referrals = referrals_for_user(user).filter(parties__person=person)
    return any(person.pk in contact_people_for_user(user, referral) for referral in referrals)


def get_person_for_user(user, pk) -> Person:
    """Return the person if `user` may see them (404 otherwise)."""
    return get_object_or_404(people_for_user(user).select_related("contact"), pk=pk)


def get_contact_update_for_case(case: Case, pk) -> ContactUpdate:
    """Return contact details proposed for someone on `case` (fetched for writing), or 404."""
    people = case.referral.parties.values("person_id")
    return get_object_or_404(ContactUpdate.objects.filter(person_id__in=people), pk=pk)
