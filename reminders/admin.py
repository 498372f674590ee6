from django.contrib import admin

from .models import Reminder, ReminderSettings


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
