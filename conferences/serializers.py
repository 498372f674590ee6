"""The API's representations of conferences and agreement items, and what their moves take."""

from decimal import Decimal

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases.models import Case
from rjcases.api.validation import PlainDateField, form_value

from .models import AgreementItem, Conference, ConferenceKind, ItemKind, ItemStatus, Participant
from .permissions import can_see_conference_notes


class ParticipantSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name", read_only=True)

    class Meta:
        model = Participant
        # When the invitation went and when they answered it; what they wrote stays on the page.
        fields = ["id", "role", "person", "name", "invitation", "invited_at", "answered_at", "attended"]
        read_only_fields = ["invited_at", "answered_at"]


class ConferenceListSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(source="case.reference", read_only=True)

    class Meta:
        model = Conference
        fields = [
            "id",
            "case",
            "reference",
            "kind",
            "status",
            "starts_at",
            "ends_at",
            "duration_minutes",
            "mode",
            "venue",
            "address",
            "meeting_link",
        ]


class ConferenceSerializer(ConferenceListSerializer):
    """One conference. Its notes only for the case's facilitators and supervisors (null otherwise)."""

    facilitators = serializers.SerializerMethodField()
    lead = serializers.SerializerMethodField(help_text="The facilitator who leads.")
    lead_override_reason = serializers.SerializerMethodField()
    participants = ParticipantSerializer(many=True, read_only=True)
    notes = serializers.SerializerMethodField(help_text="Confidential: the case's facilitators and supervisors only.")

    class Meta(ConferenceListSerializer.Meta):
        fields = [
            *ConferenceListSerializer.Meta.fields,
            "sequence",
            "cancel_reason",
            "held_at",
            "facilitators",
            "lead",
            "lead_override_reason",
            "participants",
            "notes",
        ]

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_facilitators(self, conference):
        return sorted(b.facilitator_id for b in conference.bookings.all() if b.active)

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_lead(self, conference):
        return next((b.facilitator_id for b in conference.bookings.all() if b.active and b.is_lead), None)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_lead_override_reason(self, conference):
        """Why a supervisor let the lead lead without accreditation: null when no override."""
        lead = next((b for b in conference.bookings.all() if b.active and b.is_lead), None)
        return lead.lead_override_reason or None if lead is not None else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_notes(self, conference):
        return conference.notes if can_see_conference_notes(self.context["request"].user, conference) else None


class PlanSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField(help_text="In the future, at most two years ahead.")
    duration_minutes = serializers.IntegerField(min_value=15, max_value=480, default=120)
    mode = serializers.ChoiceField(choices=Conference.Mode.choices, default=Conference.Mode.IN_PERSON)
    venue = serializers.IntegerField(required=False, allow_null=True, default=None, help_text="A venue's id.")
    address = serializers.CharField(required=False, allow_blank=True, default="")
    meeting_link = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)

    def form_data(self) -> dict:
        """Return the plan as the scheduling page's form takes it: a local date and time."""
        data = dict(self.validated_data)
        starts_at = timezone.localtime(data.pop("starts_at"))
        return {**data, "start_date": starts_at.date(), "start_time": starts_at.time().replace(microsecond=0)}


class ScheduleSerializer(PlanSerializer):
    case = serializers.PrimaryKeyRelatedField(queryset=Case.objects.all(), help_text="A ready case you work.")
    kind = serializers.ChoiceField(choices=ConferenceKind.choices)
    facilitators = serializers.ListField(child=serializers.IntegerField(), min_length=1, max_length=10)
    lead = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Which of the facilitators leads: accredited for the kind on the day. "
        "Left out: the case's facilitator if booked, else the only one.",
    )
    lead_override_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=1000,
        help_text="Supervisors only: why the lead may lead without a current accreditation for the kind.",
    )
    invite_officer = serializers.BooleanField(default=False)

    def form_data(self) -> dict:
        data = super().form_data()
        data.pop("case")
        data["invite_officer"] = "on" if data["invite_officer"] else ""
        data["lead"] = data["lead"] if data["lead"] is not None else ""
        return data


class RescheduleSerializer(PlanSerializer):
    reason = serializers.CharField()
    lead_override_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=1000,
        help_text="Supervisors only: why the lead may lead on the new day without a current accreditation.",
    )


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField()


class HoldSerializer(serializers.Serializer):
    attended = serializers.ListField(
        child=serializers.IntegerField(), default=list, help_text="Ids of the participants who took part."
    )
    notes = serializers.CharField(required=False, allow_blank=True, default="", help_text="Confidential notes.")


class ItemInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ItemKind.choices)
    description = serializers.CharField(max_length=300, help_text="Leave out the harmed party's name.")
    amount = serializers.DecimalField(
        max_digits=9, decimal_places=2, required=False, allow_null=True, help_text="Restitution: the amount to pay."
    )
    hours = serializers.DecimalField(
        max_digits=6, decimal_places=1, required=False, allow_null=True, help_text="Community service: hours to do."
    )
    due_date = PlainDateField()
    harmed_party = serializers.IntegerField(
        required=False, allow_null=True, help_text="The id of the case's harmed party whose harm it repairs."
    )
    partner = serializers.IntegerField(
        required=False, allow_null=True, help_text="The id of the supervising partner; none: the facilitator."
    )


class AgreementInputSerializer(serializers.Serializer):
    summary = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    items = ItemInputSerializer(many=True, min_length=1, max_length=30)

    def formset_data(self) -> dict:
        """Return the items as the agreement page's formset posts them."""
        rows = self.validated_data["items"]
        data = {"items-TOTAL_FORMS": str(len(rows)), "items-INITIAL_FORMS": "0"}
        for index, row in enumerate(rows):
            data.update({f"items-{index}-{name}": form_value(value) for name, value in row.items()})
        return data


class ItemSerializer(serializers.ModelSerializer):
    """An agreement item. Partners see their items' progress; never the harmed party's name."""

    reference = serializers.CharField(source="agreement.case.reference", read_only=True)
    current = serializers.BooleanField(source="agreement.is_current", read_only=True)
    amount_paid = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    hours_done = serializers.DecimalField(max_digits=12, decimal_places=1, read_only=True)
    harmed_party = serializers.SerializerMethodField(help_text="The harmed party's name; null for partners.")

    class Meta:
        model = AgreementItem
        fields = [
            "id",
            "reference",
            "current",
            "kind",
            "description",
            "due_date",
            "amount",
            "hours",
            "amount_paid",
            "hours_done",
            "status",
            "status_changed_at",
            "status_note",
            "partner",
            "harmed_party",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_harmed_party(self, item):
        if item.harmed_party is None or self.context["request"].user.is_partner:
            return None
        return item.harmed_party.display_name


class PaymentSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=9, decimal_places=2, min_value=Decimal("0.01"), coerce_to_string=False)
    paid_on = PlainDateField()


class HoursSerializer(serializers.Serializer):
    hours = serializers.DecimalField(max_digits=5, decimal_places=1, min_value=Decimal("0.1"), coerce_to_string=False)
    worked_on = PlainDateField()


class ItemStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[ItemStatus.COMPLETED, ItemStatus.MISSED, ItemStatus.WAIVED])
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=2000, help_text="Required for missed or waived."
    )


class ParticipantInputSerializer(serializers.Serializer):
    role = serializers.ChoiceField(
        choices=[(Participant.Role.COMMUNITY, "Community member"), (Participant.Role.SUPPORTER, "Supporter")]
    )
    name = serializers.CharField(max_length=200, help_text="Someone not on the case file, by name.")


class InvitationSerializer(serializers.Serializer):
    invitation = serializers.ChoiceField(choices=Participant.Invitation.choices)


class RenegotiationSerializer(AgreementInputSerializer):
    reason = serializers.CharField(
        max_length=2000, help_text="Why the agreement is renegotiated; kept with the version."
    )
