from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import EligibilityPolicy, OffenceCategory, Referral, ReferralEvent, ReferralParty


@admin.register(OffenceCategory)
class OffenceCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "active"]
    list_filter = ["active"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}


@admin.register(EligibilityPolicy)
class EligibilityPolicyAdmin(SimpleHistoryAdmin):
    """There is one policy: the list leads straight to it and it cannot be added or deleted."""

    filter_horizontal = ["excluded_categories"]
    fields = ["excluded_categories", "min_age", "max_age", "admission_required", "max_prior_diversions"]

    def has_add_permission(self, request):
        return not EligibilityPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


class ReferralPartyInline(admin.TabularInline):
    model = ReferralParty
    extra = 0
    raw_id_fields = ["person"]


class ReferralEventInline(admin.TabularInline):
    model = ReferralEvent
    extra = 0
    can_delete = False
    readonly_fields = ["actor", "from_status", "to_status", "reason", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Referral)
class ReferralAdmin(SimpleHistoryAdmin):
    """Read mostly: status moves happen in the app, through the one writer."""

    list_display = ["reference", "status", "offence_category", "referring_officer", "unit", "created_at"]
    list_filter = ["status", "offence_category", "unit__agency"]
    search_fields = ["reference", "incident_number"]
    readonly_fields = [
        "reference",
        "status",
        "submitted_at",
        "screened_at",
        "screened_by",
        "eligible",
        "eligibility_results",
    ]
    list_select_related = ["offence_category", "referring_officer", "unit__agency"]
    raw_id_fields = ["referring_officer"]
    inlines = [ReferralPartyInline, ReferralEventInline]
