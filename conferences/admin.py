"""Venues are managed here; conferences are shown read-only: they change only through the services."""

from django.contrib import admin

from .models import Conference, ConferenceFacilitator, Participant, Venue


@admin.register(Venue)
class VenueAdmin(admin.ModelAdmin):
    list_display = ["name", "partner", "active"]
    list_filter = ["active", "partner"]
    search_fields = ["name", "address"]


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class BookingInline(ReadOnlyInline):
    model = ConferenceFacilitator
    fields = ["facilitator", "starts_at", "ends_at", "active"]


class ParticipantInline(ReadOnlyInline):
    model = Participant
    fields = ["role", "person", "user", "name", "invitation", "attended"]


@admin.register(Conference)
class ConferenceAdmin(admin.ModelAdmin):
    """Read-only: scheduling, moving, cancelling and holding go through conferences.services."""

    list_display = ["__str__", "case", "status", "mode", "venue"]
    list_filter = ["status", "kind", "mode", "venue"]
    list_select_related = ["case__referral", "venue__partner"]
    search_fields = ["case__referral__reference"]
    date_hierarchy = "starts_at"
    # Notes are what was said in the conference: confidential to the case's facilitators and supervisors.
    exclude = ["notes"]
    inlines = [BookingInline, ParticipantInline]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Conference._meta.fields if field.name not in self.exclude]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
