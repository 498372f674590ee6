from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from simple_history.admin import SimpleHistoryAdmin

from people.merging import MergeRefused, unmerge_people
from people.models import Agency, AuditEntry, ContactDetails, Partner, Person, PersonMerge, Role, Unit, User

from .models import Case, CaseEvent, ReoffendingCheck, SatisfactionSurvey


class UnitInline(admin.TabularInline):
    model = Unit
    extra = 0


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]
    inlines = [UnitInline]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "agency"]
    list_filter = ["agency"]
    search_fields = ["name"]


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "phone", "email"]
    list_filter = ["kind"]
    search_fields = ["name"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "first_name", "last_name", "role", "unit", "partner", "is_active"]
    list_filter = ["role", "is_active", "unit__agency", "partner"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("Role in the programme", {"fields": ["role", "unit", "badge_number", "is_unit_lead", "partner"]}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (
            "Role in the programme",
            {"fields": ["first_name", "last_name", "email", "role", "unit", "badge_number", "partner"]},
        ),
    )

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        original_clean = form.clean

        def clean(self_form):
            data = original_clean(self_form)
            role = data.get("role")
            if role == Role.OFFICER and not data.get("unit"):
                self_form.add_error("unit", "An officer belongs to a unit.")
            if role == Role.PARTNER and not data.get("partner"):
                self_form.add_error("partner", "A partner user belongs to a partner organisation.")
            return data

        form.clean = clean
        return form


@admin.register(PersonMerge)
class PersonMergeAdmin(admin.ModelAdmin):
    """Merges made at screening; an administrator reverses a mistaken one here."""

    list_display = ["__str__", "merged_by", "merged_at", "reversed_at", "reversed_by"]
    list_filter = [("reversed_at", admin.EmptyFieldListFilter)]
    readonly_fields = ["kept", "merged", "merged_by", "merged_at", "moved", "reversed_at", "reversed_by"]
    actions = ["reverse_merges"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Reverse the selected merges (move every reference back)")
    def reverse_merges(self, request, queryset):
        if request.user.role != Role.ADMIN:
            self.message_user(request, "Only administrators reverse merges.", level=messages.ERROR)
            return
        for merge in queryset:
            try:
                unmerge_people(merge=merge, by=request.user)
            except MergeRefused as error:
                self.message_user(request, f"{merge}: {error}", level=messages.ERROR)
            else:
                self.message_user(request, f"{merge}: reversed.")


class ContactDetailsInline(admin.StackedInline):
    model = ContactDetails
    extra = 0


@admin.register(Person)
class PersonAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "kind", "date_of_birth", "gender", "ethnicity"]
    list_filter = ["kind", "gender", "ethnicity"]
    search_fields = ["last_name", "first_name", "organisation_name"]
    inlines = [ContactDetailsInline]


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    can_delete = False
    readonly_fields = ["actor", "from_status", "to_status", "reason", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(SimpleHistoryAdmin):
    list_display = ["reference", "status", "facilitator", "opened_at"]
    list_filter = ["status"]
    search_fields = ["referral__reference"]
    readonly_fields = ["referral", "status", "opened_at", "status_changed_at"]
    list_select_related = ["referral"]
    inlines = [CaseEventInline]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "actor_username",
        "action",
        "outcome",
        "object_type",
        "object_id",
        "client",
        "ip_address",
    ]
    list_filter = ["action", "outcome", "object_type"]
    search_fields = ["actor_username", "object_id"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown, not edited: the pages record these, with the case's timeline and the audit log."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ReoffendingCheck)
class ReoffendingCheckAdmin(ReadOnlyAdmin):
    list_display = ["case", "months", "due_on", "reoffended", "reoffended_on", "recorded_by", "recorded_at"]
    list_filter = ["months", "reoffended"]
    search_fields = ["case__referral__reference"]
    date_hierarchy = "due_on"
    list_select_related = ["case__referral", "recorded_by"]


@admin.register(SatisfactionSurvey)
class SatisfactionSurveyAdmin(ReadOnlyAdmin):
    list_display = ["case", "sent_at", "expires_at", "answered_at", "satisfaction"]
    list_filter = ["satisfaction", "felt_heard", "harm_repaired", "would_recommend"]
    search_fields = ["case__referral__reference"]
    exclude = ["token_hash"]
    list_select_related = ["case__referral"]
