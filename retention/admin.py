from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from referrals.permissions import can_see_sealed
from rjcases.workflow import InvalidTransition

from .models import RetentionSettings, Seal
from .sealing import clean_unseal_reason, unseal_record


@admin.register(RetentionSettings)
class RetentionSettingsAdmin(admin.ModelAdmin):
    """When juvenile records are sealed and personal data purged, changed here without a deploy."""

    fieldsets = [
        ("Sealing", {"fields": ["seal_after_days"]}),
        ("Retention", {"fields": ["declined_referral_days", "closed_case_days"]}),
    ]

    def has_add_permission(self, request):
        return not RetentionSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


class UnsealForm(forms.ModelForm):
    unseal_reason = forms.CharField(
        label="Reason for unsealing",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,  # clean_unseal_reason says what is missing
        help_text="Required. Kept on the seal for administrators; the audit log records only that it was unsealed.",
    )

    class Meta:
        model = Seal
        fields = ["unseal_reason"]

    def clean_unseal_reason(self):
        return clean_unseal_reason(self.cleaned_data["unseal_reason"])


@admin.register(Seal)
class SealAdmin(admin.ModelAdmin):
    """Sealed records. A seal is lifted here, by an administrator, with a written reason."""

    list_display = ["referral", "rule", "sealed_at", "sealed_by", "in_force", "unsealed_at", "unsealed_by"]
    list_filter = ["rule", ("unsealed_at", admin.EmptyFieldListFilter)]
    search_fields = ["referral__reference"]
    list_select_related = ["referral", "sealed_by", "unsealed_by"]
    readonly_fields = ["referral", "rule", "sealed_at", "sealed_by", "unsealed_at", "unsealed_by"]
    form = UnsealForm

    @admin.display(boolean=True, description="sealed")
    def in_force(self, seal):
        return seal.in_force

    def has_add_permission(self, request):
        return False  # the schedule seals

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return can_see_sealed(request.user)

    def has_change_permission(self, request, obj=None):
        # A lifted seal is read only: its reason stays as written.
        return can_see_sealed(request.user) and (obj is None or obj.in_force)

    def has_module_permission(self, request):
        return can_see_sealed(request.user)

    def save_model(self, request, obj, form, change):
        try:
            unseal_record(referral=obj.referral, by=request.user, reason=form.cleaned_data["unseal_reason"])
        except (InvalidTransition, ValidationError) as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"Record {obj.referral.reference} is unsealed.")

    def save_related(self, request, form, formsets, change):
        pass  # the service wrote the seal
