"""Programme-wide matching at screening: the supervisors' view of people who may be on record twice.

Officers' duplicate checks look only among the people they may already see (referrals/forms.py);
this is the one place that looks across the whole programme, and only supervisors reach it.
"""

from dataclasses import dataclass, field

from django import forms
from django.db import transaction

from people.merging import merge_people
from people.models import ContactDetails, Person, PersonMerge

from .models import ContactUpdate, Referral, ReferralParty

MATCHES_PER_PARTY = 5


@dataclass
class PossibleDuplicates:
    party: ReferralParty
    people: list = field(default_factory=list)


def possible_duplicates(referral: Referral) -> list[PossibleDuplicates]:
    """Return, for each individual on the referral with a date of birth, the other people on record
    with the same name and date of birth (merged-away records left out)."""
    found = []
    for party in referral.parties.select_related("person"):
        person = party.person
        if person.kind != Person.Kind.INDIVIDUAL or person.date_of_birth is None:
            continue
        people = (
            Person.objects.not_merged()
            .matching(first_name=person.first_name, last_name=person.last_name, date_of_birth=person.date_of_birth)
            .exclude(pk=person.pk)
            .prefetch_related("referral_roles__referral")
            .order_by("pk")[:MATCHES_PER_PARTY]
        )
        if people:
            found.append(PossibleDuplicates(party=party, people=list(people)))
    return found


class MergeForm(forms.Form):
    """Which party of the referral is the same individual as which person on record."""

    party = forms.IntegerField()
    keep = forms.IntegerField()

    def __init__(self, *args, duplicates: list[PossibleDuplicates], **kwargs):
        super().__init__(*args, **kwargs)
        self.duplicates = duplicates

    def clean(self):
        data = super().clean()
        for entry in self.duplicates:
            if entry.party.pk == data.get("party"):
                keep = next((p for p in entry.people if p.pk == data.get("keep")), None)
                if keep is not None:
                    data["party"], data["keep"] = entry.party, keep
                    return data
        raise forms.ValidationError("That person is not a possible match for this referral any more; reload the page.")


@transaction.atomic
def merge_party_into(*, party: ReferralParty, keep: Person, by) -> PersonMerge:
    """Merge the person a referral names into the matching person on record.

    The details typed onto the referral do not replace those on record: when the kept person has
    details of their own, the typed ones become a proposal for the case's facilitators.
    """
    duplicate = party.person
    typed = ContactDetails.objects.filter(person=duplicate).first()
    has_typed = typed is not None and any((typed.phone, typed.email, typed.address))
    if has_typed and ContactDetails.objects.filter(person=keep).exists():
        ContactUpdate.objects.create(
            person=keep,
            referral=party.referral,
            proposed_by=duplicate.created_by or by,
            phone=typed.phone,
            email=typed.email,
            address=typed.address,
        )
    merge = merge_people(keep=keep, duplicate=duplicate, by=by)
    # Named now as someone already on record: what the officer types for them is only proposed.
    party.refresh_from_db()
    party.linked = True
    party.save(update_fields=["linked"])
    return merge
