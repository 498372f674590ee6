"""Person search: the people on the referrals and cases the user may see, with those referrals and cases."""

from dataclasses import dataclass, field

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from referrals.models import PartyRole, Referral
from referrals.permissions import referrals_for_user
from rjcases.listing import MIN_NAME_LENGTH, paginate

from .models import Case
from .permissions import cases_for_user, people_for_user

PEOPLE_PAGE_SIZE = 20


class PersonSearchForm(forms.Form):
    # Three characters at least: the trigram index cannot narrow a search by fewer.
    q = forms.CharField(label=gettext_lazy("Name"), max_length=100, min_length=MIN_NAME_LENGTH, strip=True)


@dataclass
class Involvement:
    """One referral a person is on, in one role, with its case when the user may see that."""

    reference: str
    role: str
    referral: Referral | None = None
    case: Case | None = None

    @property
    def role_label(self) -> str:
        return PartyRole(self.role).label


@dataclass
class Found:
    person: object
    involvements: list[Involvement] = field(default_factory=list)


def person_search(request):
    user = request.user
    if not (user.is_supervisor or user.is_facilitator):
        raise PermissionDenied(_("Person search is for supervisors and facilitators."))
    form = PersonSearchForm(request.GET if "q" in request.GET else None)
    page = None
    if form.is_valid():
        # Newest first: PostgreSQL then walks the primary key and stops at a page of matches, where
        # an order by name would sort every match of a common name (tens of thousands at scale).
        people = people_for_user(user).search(form.cleaned_data["q"]).order_by("-pk")
        page = paginate(request, people, per_page=PEOPLE_PAGE_SIZE)
        page.object_list = _with_involvements(user, page.object_list)
    return render(request, "cases/person_search.html", {"form": form, "page": page}, status=400 if form.errors else 200)


def _with_involvements(user, people) -> list[Found]:
    """Return each person with the referrals and cases `user` may see them on: two queries for the page."""
    found = {person.pk: Found(person) for person in people}
    if not found:
        return []
    involvements = {}

    def involvement(row, party_person, role):
        key = (party_person, row.referral_id if isinstance(row, Case) else row.pk, role)
        if key not in involvements:
            involvements[key] = Involvement(reference=row.reference, role=role)
            found[party_person].involvements.append(involvements[key])
        return involvements[key]

    referrals = (
        referrals_for_user(user)
        .filter(parties__person__in=found)
        .annotate(party_person=F("parties__person"), party_role=F("parties__role"))
        .order_by("-created_at", "-pk")
    )
    for referral in referrals:
        involvement(referral, referral.party_person, referral.party_role).referral = referral
    cases = (
        cases_for_user(user)
        .filter(referral__parties__person__in=found)
        .annotate(party_person=F("referral__parties__person"), party_role=F("referral__parties__role"))
        .select_related("referral")
        .order_by("-opened_at", "-pk")
    )
    for case in cases:
        involvement(case, case.party_person, case.party_role).case = case
    return list(found.values())
