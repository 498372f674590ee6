"""The webhooks API's representations: a subscription (its secret shown once) and its delivery log."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from .models import WebhookDelivery, WebhookEvent, WebhookSubscription
from .webhooks import check_url, events_for


class WebhookSerializer(serializers.ModelSerializer):
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEvent.choices),
        min_length=1,
        max_length=len(WebhookEvent.choices),
        help_text="Agency clients: referral.screened, referral.needs_info, case.closed. Partner clients: item.overdue.",
    )

    class Meta:
        model = WebhookSubscription
        fields = ["id", "url", "events", "is_active", "created_at"]
        read_only_fields = ["id", "created_at"]

    def validate_url(self, url):
        try:
            check_url(url)
        except DjangoValidationError as refused:
            raise serializers.ValidationError(refused.messages[0], code=refused.code) from None
        return url

    def validate_events(self, events):
        allowed = events_for(self.context["client"])
        refused = [e for e in events if e not in allowed]
        if refused:
            raise serializers.ValidationError(
                f"This client cannot receive {', '.join(refused)}: it may subscribe to {', '.join(allowed)}."
            )
        return sorted(set(events))


class NewWebhookSerializer(WebhookSerializer):
    secret = serializers.CharField(
        read_only=True, help_text="Shown in this answer only: verify each delivery's signature with it."
    )

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "secret"]


class WebhookDeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event_id",
            "event",
            "occurred_at",
            "status",
            "attempts",
            "due_at",
            "last_attempt_at",
            "last_status_code",
            "last_error",
            "delivered_at",
            "cancelled_reason",
        ]
