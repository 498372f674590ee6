"""The API's representations of cases, people and the programme's reference data."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from people.models import Partner, Person, Unit
from referrals.serializers import ContactSerializer, contact_data
from rjcases.api.validation import PlainDateField

from .models import Assessment, Case, CaseEvent, Consent, ConsentPurpose, ContactAttempt, ReturnReason
from .permissions import can_see_contact_details


class CaseEventSerializer(serializers.ModelSerializer):
    """A timeline entry. Summaries hold no contact details and no conference content."""

    class Meta:
        model = CaseEvent
        fields = ["kind", "from_status", "to_status", "summary", "created_at"]


class CasePartySerializer(serializers.Serializer):
    person = serializers.IntegerField(source="person_id")
    role = serializers.CharField()
    name = serializers.CharField(source="person.display_name")


class CaseListSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    facilitator = serializers.StringRelatedField(allow_null=True)
    co_facilitator = serializers.StringRelatedField(allow_null=True)
    offence_category = serializers.CharField(source="referral.offence_category.code", read_only=True)

    class Meta:
        model = Case
        fields = [
            "id",
            "reference",
            "referral",
            "status",
            "offence_category",
            "facilitator",
            "co_facilitator",
            "opened_at",
            "status_changed_at",
            "closed_at",
        ]


class CaseSerializer(CaseListSerializer):
    """One case, for its facilitators and supervisors: parties, timeline and how it ended."""

    parties = serializers.SerializerMethodField()
    events = CaseEventSerializer(many=True, read_only=True)

    class Meta(CaseListSerializer.Meta):
        fields = [*CaseListSerializer.Meta.fields, "return_reason", "closing_note", "parties", "events"]

    @extend_schema_field(CasePartySerializer(many=True))
    def get_parties(self, case):
        parties = case.referral.parties.select_related("person")
        return CasePartySerializer(parties, many=True).data


class ReturnSerializer(serializers.Serializer):
    reason_code = serializers.ChoiceField(choices=ReturnReason.choices)
    note = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Required when the reason is other."
    )


class CloseSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="Why the case closes without a conference.")


class PersonSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name", read_only=True)
    contact = serializers.SerializerMethodField(
        help_text="Contact details, or null where the caller may not see them (as on the pages)."
    )

    class Meta:
        model = Person
        fields = [
            "id",
            "kind",
            "name",
            "first_name",
            "last_name",
            "organisation_name",
            "date_of_birth",
            "gender",
            "ethnicity",
            "contact",
        ]

    @extend_schema_field(ContactSerializer(allow_null=True))
    def get_contact(self, person):
        return contact_data(person) if can_see_contact_details(self.context["request"].user, person) else None


class UnitSerializer(serializers.ModelSerializer):
    agency = serializers.CharField(source="agency.code", read_only=True)
    agency_name = serializers.CharField(source="agency.name", read_only=True)

    class Meta:
        model = Unit
        fields = ["id", "name", "agency", "agency_name"]


class PartnerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Partner
        fields = ["id", "name", "kind"]


# The bodies of the case's preparation jobs. They describe the JSON for the schema; the values are
# checked by the pages' own forms (cases/forms.py), so that both refuse alike.


class AssignSerializer(serializers.Serializer):
    facilitator = serializers.IntegerField(help_text="The id of an active facilitator.")
    co_facilitator = serializers.IntegerField(
        required=False, allow_null=True, help_text="Another facilitator, or null."
    )


class ReassignSerializer(serializers.Serializer):
    departing = serializers.IntegerField(help_text="The facilitator whose open cases move.")
    successor = serializers.IntegerField(help_text="The active facilitator who takes them on.")


class ReassignedSerializer(serializers.Serializer):
    moved = serializers.IntegerField(help_text="How many open cases changed hands.")


class ContactAttemptSerializer(serializers.Serializer):
    person = serializers.IntegerField(help_text="A person on the case.")
    contacted_at = serializers.DateTimeField()
    channel = serializers.ChoiceField(choices=ContactAttempt.Channel.choices)
    outcome = serializers.ChoiceField(choices=ContactAttempt.Outcome.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ConsentInputSerializer(serializers.Serializer):
    person = serializers.IntegerField(help_text="The person who takes part.")
    purpose = serializers.ChoiceField(choices=ConsentPurpose.choices)
    given_by = serializers.IntegerField(help_text="The person, or a guardian on the case for a juvenile.")
    given_on = PlainDateField()
    method = serializers.ChoiceField(choices=Consent.Method.choices)


class WithdrawConsentSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="Why the consent is withdrawn.")


class AssessmentInputSerializer(serializers.Serializer):
    person = serializers.IntegerField(help_text="A person on the case.")
    will_attend = serializers.BooleanField(default=True)
    ready = serializers.BooleanField(default=False)
    risk = serializers.ChoiceField(choices=Assessment.Risk.choices)
    notes = serializers.CharField(required=False, allow_blank=True, default="", help_text="Confidential.")


class ReoffendingAnswerSerializer(serializers.Serializer):
    reoffended = serializers.BooleanField(help_text="Re-arrested since the case closed?")
    reoffended_on = PlainDateField(required=False, allow_null=True, help_text="The date of the re-arrest, if any.")
    offences = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=99,
        help_text="How many new offences since the case closed, if the records say (only when re-arrested).",
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")
