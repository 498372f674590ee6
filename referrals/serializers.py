"""The API's referral representations and inputs.

Inputs are checked by the same forms as the pages (ReferralForm, PartyFormSet), so that every rule
about what a referral may say lives in one place; the serializers only describe the JSON.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from people.models import Ethnicity, Gender, Person
from rjcases.api.validation import PlainDateField, check_with_form, form_errors, form_value, formset_errors

from .forms import DeclineForm, PartyFormSet, ReferralForm
from .models import DeclineReason, OffenceCategory, PartyRole, Referral, ReferralEvent, ReferralParty, ReferralStatus
from .permissions import can_see_screening, contact_people_for_user, people_for_referrer


class ContactSerializer(serializers.Serializer):
    phone = serializers.CharField()
    email = serializers.CharField()
    address = serializers.CharField()


def contact_data(person) -> dict:
    """Return a person's contact details; callers decide first whether they may be shown."""
    contact = getattr(person, "contact", None)
    return {name: getattr(contact, name, "") for name in ("phone", "email", "address")}


class PartySerializer(serializers.ModelSerializer):
    person = serializers.IntegerField(source="person_id", read_only=True)
    kind = serializers.CharField(source="person.kind", read_only=True)
    name = serializers.CharField(source="person.display_name", read_only=True)
    date_of_birth = serializers.DateField(source="person.date_of_birth", read_only=True, allow_null=True)
    gender = serializers.CharField(source="person.gender", read_only=True)
    ethnicity = serializers.CharField(source="person.ethnicity", read_only=True)
    contact = serializers.SerializerMethodField(
        help_text="Contact details, or null where the caller may not see them (e.g. once screened, for officers, "
        "or a person linked from the records, whose details stay with whoever recorded them)."
    )

    class Meta:
        model = ReferralParty
        fields = [
            "id",
            "role",
            "person",
            "kind",
            "name",
            "date_of_birth",
            "gender",
            "ethnicity",
            "admits_responsibility",
            "prior_diversions",
            "contact",
        ]

    @extend_schema_field(ContactSerializer(allow_null=True))
    def get_contact(self, party):
        return contact_data(party.person) if party.person_id in self.context.get("contact_people", ()) else None


class ReferralEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReferralEvent
        fields = ["from_status", "to_status", "reason", "created_at"]


class EligibilityResultSerializer(serializers.Serializer):
    rule = serializers.CharField()
    passed = serializers.BooleanField()
    reason = serializers.CharField()


class ReferralListSerializer(serializers.ModelSerializer):
    offence_category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    referring_officer = serializers.StringRelatedField()
    agency = serializers.CharField(source="unit.agency.code", read_only=True)

    class Meta:
        model = Referral
        fields = [
            "id",
            "reference",
            "status",
            "incident_number",
            "incident_date",
            "offence_category",
            "referring_officer",
            "unit",
            "agency",
            "created_at",
            "submitted_at",
        ]


class ReferralSerializer(ReferralListSerializer):
    """One referral with its parties and timeline. Screening results only for screeners."""

    parties = serializers.SerializerMethodField()
    events = ReferralEventSerializer(many=True, read_only=True)
    case = serializers.SerializerMethodField(help_text="The case the accepted referral opened, if any.")
    eligible = serializers.SerializerMethodField(help_text="Screeners only; null for everyone else.")
    eligibility_results = serializers.SerializerMethodField(help_text="Screeners only; null for everyone else.")

    class Meta(ReferralListSerializer.Meta):
        fields = [
            *ReferralListSerializer.Meta.fields,
            "incident_place",
            "description",
            "harm_description",
            "screened_at",
            "info_request",
            "info_response",
            "decline_reason",
            "override_justification",
            "eligible",
            "eligibility_results",
            "case",
            "parties",
            "events",
        ]

    @extend_schema_field(PartySerializer(many=True))
    def get_parties(self, referral):
        user = self.context["request"].user
        context = {**self.context, "contact_people": contact_people_for_user(user, referral)}
        parties = referral.parties.select_related("person__contact")
        return PartySerializer(parties, many=True, context=context).data

    def get_case(self, referral) -> int | None:
        return referral.case.pk if referral.status == ReferralStatus.ACCEPTED and hasattr(referral, "case") else None

    def get_eligible(self, referral) -> bool | None:
        return referral.eligible if can_see_screening(self.context["request"].user) else None

    @extend_schema_field(EligibilityResultSerializer(many=True, allow_null=True))
    def get_eligibility_results(self, referral):
        return referral.eligibility_results if can_see_screening(self.context["request"].user) else None


class PartyInputSerializer(serializers.Serializer):
    id = serializers.IntegerField(
        required=False, help_text="On an update: the id of a party already on the referral, to change it."
    )
    role = serializers.ChoiceField(choices=PartyRole.choices)
    kind = serializers.ChoiceField(choices=Person.Kind.choices, default=Person.Kind.INDIVIDUAL)
    first_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    last_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    organisation_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    date_of_birth = PlainDateField(required=False, allow_null=True, default=None)
    gender = serializers.ChoiceField(choices=Gender.choices, default=Gender.NOT_STATED)
    ethnicity = serializers.ChoiceField(choices=Ethnicity.choices, default=Ethnicity.NOT_STATED)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    address = serializers.CharField(required=False, allow_blank=True, default="")
    admits_responsibility = serializers.BooleanField(required=False, allow_null=True, default=None)
    prior_diversions = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=99, default=None
    )
    on_match = serializers.ChoiceField(
        choices=[("", "not yet chosen"), ("link", "link"), ("new", "new")],
        required=False,
        default="",
        help_text="When a person with the same name and date of birth is on record: `link` to use that "
        "record, `new` for a different person. Without it such a party is refused with a 400.",
    )


class ReferralInputSerializer(serializers.Serializer):
    """What a referral says, with its parties. Checked by the referral page's own forms."""

    incident_number = serializers.CharField(max_length=50)
    incident_date = PlainDateField()
    incident_place = serializers.CharField(max_length=200)
    offence_category = serializers.SlugRelatedField(
        slug_field="code", queryset=OffenceCategory.objects.all(), help_text="The code of an active offence category."
    )
    description = serializers.CharField()
    harm_description = serializers.CharField()
    parties = PartyInputSerializer(many=True, max_length=30)

    def validate(self, attrs):
        if self.partial and "parties" in attrs:
            attrs["parties"] = self._whole_parties()
        instance = self.instance
        fields = {name: getattr(instance, name) for name in ReferralForm.Meta.fields} if instance else {}
        fields.update({name: value for name, value in attrs.items() if name != "parties"})
        form = ReferralForm(
            data={
                **{name: form_value(value) for name, value in fields.items() if name != "offence_category"},
                "offence_category": str(fields["offence_category"].pk),
            },
            instance=instance,
        )
        parties = self._party_formset(attrs.get("parties"))
        errors = form_errors(form)
        if parties is not None and not parties.is_valid():
            errors.update(formset_errors(parties, "parties"))
        if errors:
            raise serializers.ValidationError(errors)
        data = {"data": form.to_input()}
        if parties is not None:
            data["parties"], data["removed_party_ids"] = parties.to_inputs()
        return data

    def _whole_parties(self):
        """On a partial update the parties sent still replace them all: each one is checked whole."""
        rows = PartyInputSerializer(data=self.initial_data["parties"], many=True)
        if not rows.is_valid():
            raise serializers.ValidationError({"parties": rows.errors})
        return rows.validated_data

    def _party_formset(self, rows):
        if rows is None:
            return None
        referral = self.instance
        party_people = dict(referral.parties.values_list("pk", "person_id")) if referral else {}
        data = {"parties-TOTAL_FORMS": str(len(rows)), "parties-INITIAL_FORMS": "0"}
        for index, row in enumerate(rows):
            row = dict(row)
            row["party_id"] = row.pop("id", None)
            data.update({f"parties-{index}-{name}": form_value(value) for name, value in row.items()})
        if referral is not None:
            # Parties not named in the request are removed: rows marked DELETE, as the edit page posts
            # them (the formset does not validate a deleted row's fields, but the form needs some).
            named = {row.get("id") for row in rows}
            for offset, party_id in enumerate(sorted(set(party_people) - named), start=len(rows)):
                data.update({f"parties-{offset}-party_id": str(party_id), f"parties-{offset}-DELETE": "on"})
                data.update({f"parties-{offset}-role": "responsible", f"parties-{offset}-kind": "individual"})
                data.update({f"parties-{offset}-last_name": "-", f"parties-{offset}-first_name": "-"})
            data["parties-TOTAL_FORMS"] = str(len(rows) + len(set(party_people) - named))
        candidates = people_for_referrer(self.context["request"].user)
        return PartyFormSet(
            data, prefix="parties", form_kwargs={"party_people": party_people, "candidates": candidates}
        )


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text="Why the referral is withdrawn.")


class SubmitSerializer(serializers.Serializer):
    answer = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=5000,
        help_text="Resubmitting a referral sent back for information: the answer to the supervisor's question.",
    )


class AcceptSerializer(serializers.Serializer):
    justification = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=5000,
        help_text="Required when the referral fails a policy rule: why it is accepted anyway.",
    )


class DeclineSerializer(serializers.Serializer):
    reason_code = serializers.ChoiceField(choices=DeclineReason.choices)
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=5000, help_text="Required when the reason is other."
    )

    def validate(self, attrs):
        return check_with_form(DeclineForm, attrs)


class RequestInfoSerializer(serializers.Serializer):
    message = serializers.CharField(max_length=5000, help_text="What the officer should add.")


class OffenceCategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = OffenceCategory
        fields = ["id", "code", "name", "active"]
