from django import forms
from django.contrib import admin, messages

from rjcases.workflow import InvalidTransition

from . import webhooks
from .models import Reminder, ReminderSettings, WebhookDelivery, WebhookSubscription


@admin.register(ReminderSettings)
class ReminderSettingsAdmin(admin.ModelAdmin):
    """The timings of every reminder, changed here without a deploy."""

    fieldsets = [
        (
            "Referrals and cases",
            {"fields": ["screening_backlog_days", "stalled_facilitator_days", "stalled_supervisor_days"]},
        ),
        ("Conferences and agreements", {"fields": ["conference_hours_before", "item_due_soon_days"]}),
        ("Follow-ups", {"fields": ["survey_days_after_close", "survey_link_days", "reoffending_months"]}),
        ("Sending", {"fields": ["quiet_hours_start", "quiet_hours_end", "max_attempts"]}),
    ]

    def has_add_permission(self, request):
        return not ReminderSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    """Reminders are written by the app; the admin reads them."""

    list_display = ["kind", "variant", "channel", "due_at", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind", "channel"]
    date_hierarchy = "due_at"
    readonly_fields = [f.name for f in Reminder._meta.fields]
    list_select_related = True

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class DeliveryInline(admin.TabularInline):
    model = WebhookDelivery
    fields = ["event", "event_id", "occurred_at", "status", "attempts", "last_status_code", "delivered_at"]
    readonly_fields = fields
    ordering = ["-pk"]
    extra = 0
    max_num = 0
    show_change_link = True
    can_delete = False


class WebhookSubscriptionForm(forms.ModelForm):
    """The API's checks, in the admin: an address the worker may call, events the client may have."""

    url = forms.URLField(max_length=500, assume_scheme="https", help_text="Where deliveries are POSTed (https).")

    class Meta:
        model = WebhookSubscription
        fields = ["client", "url", "events", "is_active"]

    def clean_url(self):
        webhooks.check_url(self.cleaned_data["url"])
        return self.cleaned_data["url"]

    def clean(self):
        cleaned = super().clean()
        client, events = cleaned.get("client"), cleaned.get("events")
        if client and events is not None:
            allowed = webhooks.events_for(client)
            if not isinstance(events, list) or not events or any(e not in allowed for e in events):
                self.add_error("events", f"A list of one or more of: {', '.join(allowed)}.")
        return cleaned


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    """An API client's webhook: its address, events and the log of its deliveries (latest first)."""

    form = WebhookSubscriptionForm

    list_display = ["client", "url", "events", "is_active", "created_at"]
    list_filter = ["is_active"]
    list_select_related = ["client"]
    fields = ["client", "url", "events", "is_active", "created_at"]
    readonly_fields = ["created_at"]
    inlines = [DeliveryInline]

    def save_model(self, request, obj, form, change):
        if not obj.secret:
            obj.secret = webhooks.new_secret()
            messages.warning(request, f"The signing secret, shown once: {obj.secret}")
        super().save_model(request, obj, form, change)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """The delivery log of every client; a delivery that ended can be sent again (same event id)."""

    list_display = ["event", "subscription", "occurred_at", "status", "attempts", "last_status_code", "delivered_at"]
    list_filter = ["status", "event", "subscription__client"]
    date_hierarchy = "occurred_at"
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
    list_select_related = ["subscription__client"]
    actions = ["send_again"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="Send again")
    def send_again(self, request, queryset):
        sent, refused = 0, 0
        for delivery in queryset:
            try:
                webhooks.send_again(delivery=delivery, by=request.user)
                sent += 1
            except InvalidTransition:
                refused += 1
        if sent:
            messages.success(request, f"{sent} deliveries put back to be sent.")
        if refused:
            messages.warning(request, f"{refused} deliveries are still being tried: they were left as they are.")
