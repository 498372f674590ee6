"""The webhooks API's representations: a subscription (its secret shown once) and its delivery log."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .models import WebhookDelivery, WebhookEvent, WebhookSubscription
from .webhooks import check_url, events_for

# Any URI passes the schema; one that is no web address (a scheme of its own, a host name no DNS can
# hold) is refused for what it means: deliveries cannot reach it.
WEB_ADDRESS = URLValidator(
    schemes=["http", "https"],
    message="Deliveries cannot be sent to this address: give a web address such as https://records.example.org/rj.",
)


@extend_schema_field({"type": "string", "format": "uri", "maxLength": 500})
class WebhookUrlField(serializers.CharField):
    """A URI, as the schema says; whether deliveries can be sent to it is `validate_url`'s to say."""

    def __init__(self, **kwargs):
        super().__init__(max_length=500, **kwargs)


class WebhookSerializer(serializers.ModelSerializer):
    url = WebhookUrlField(help_text="Where deliveries are POSTed (https).")
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
        """Refuse what no delivery can be sent to: not https, a host inside the network, not a web address."""
        try:
            check_url(url)
            WEB_ADDRESS(url)
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
