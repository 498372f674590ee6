"""Who may see which conference and agreement item: the one place pages, API and exports ask.

Conferences, their notes and agreements belong to the case: its facilitators and supervisors.
A partner sees only the agreement items their organisation supervises.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from cases.permissions import can_work_case, cases_for_user
from referrals.permissions import can_see_sealed

from .models import AgreementItem, Conference, ConferenceFacilitator, Exchange


def conferences_for_user(user):
    """Return the conferences of the cases `user` may see, and those they are booked to facilitate."""
    if not user.is_authenticated or not (user.is_supervisor or user.is_facilitator):
        return Conference.objects.none()
    if user.is_supervisor:
        conferences = Conference.objects.all()
        return conferences if can_see_sealed(user) else conferences.filter(case__referral__sealed_at__isnull=True)
    # One id list (a UNION) rather than an OR across a join: PostgreSQL then reads only these
    # conferences by their primary key, instead of testing every conference of the programme.
    of_their_cases = Conference.objects.filter(case__in=cases_for_user(user)).order_by().values("pk")
    booked = ConferenceFacilitator.objects.filter(facilitator=user, active=True).order_by().values("conference_id")
    return Conference.objects.filter(pk__in=of_their_cases.union(booked))


def get_conference_for_user(user, pk, *, write=False) -> Conference:
    """Return the conference if `user` may see it (404 otherwise); with write, also change it (403)."""
    conference = get_object_or_404(
        conferences_for_user(user).select_related("case__referral", "venue__partner", "created_by"), pk=pk
    )
    if write and not can_work_case(user, conference.case):
        raise PermissionDenied("Only the case's facilitators and supervisors can change its conferences.")
    return conference


def can_see_conference_notes(user, conference: Conference) -> bool:
    """Conference notes are confidential to the case's own facilitators and supervisors."""
    return can_work_case(user, conference.case)


def get_exchange_for_user(user, pk) -> Exchange:
    """Return the exchange if `user` works its case (404 otherwise): what is written in it, shared or
    not, is for the case's facilitators and supervisors only."""
    exchange = get_object_or_404(Exchange.objects.select_related("case__referral"), pk=pk)
    if not cases_for_user(user).filter(pk=exchange.case_id).exists() or not can_work_case(user, exchange.case):
        raise Http404("No such exchange.")
    return exchange


def items_for_user(user):
    """Return the agreement items `user` may see: partners only those their organisation supervises."""
    items = AgreementItem.objects.all()
    if not user.is_authenticated:
        return items.none()
    if not can_see_sealed(user):
        items = items.filter(agreement__case__referral__sealed_at__isnull=True)
    if user.is_supervisor:
        return items
    if user.is_facilitator:
        return items.filter(agreement__case__in=cases_for_user(user))
    if user.is_partner and user.partner_id:
        return items.filter(partner_id=user.partner_id)
    return items.none()


def get_item_for_user(user, pk, *, write=False) -> AgreementItem:
    """Return the item if `user` may see it (404 otherwise); with write, also record on it (403)."""
    item = get_object_or_404(
        items_for_user(user).select_related("agreement__case__referral", "partner", "harmed_party"), pk=pk
    )
    if write and not (user.is_partner or can_work_case(user, item.agreement.case)):
        raise PermissionDenied("You cannot record progress on this item.")
    return item
