from django.contrib import admin, messages

from .clients import issue_api_key, revoke_api_key
from .models import ApiClient


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    """Issue a key by adding a client (the key is shown once, in the message); revoke with the action.

    The expiry may be set when the key is issued and moved later, e.g. to renew a partner's key.
    """

    list_display = [
        "name",
        "key_prefix",
        "scope",
        "unit",
        "partner",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    ]
    list_filter = ["scope", ("revoked_at", admin.EmptyFieldListFilter), ("expires_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "key_prefix"]
    fields = [
        "name",
        "unit",
        "partner",
        "scope",
        "expires_at",
        "key_prefix",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    readonly_fields = ["key_prefix", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke_keys"]

    def get_readonly_fields(self, request, obj=None):
        # Scope and owner are fixed once issued: issue a new key instead of widening an old one.
        return self.readonly_fields + (["unit", "partner", "scope"] if obj else [])

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        client, key = issue_api_key(
            name=obj.name,
            scope=obj.scope,
            unit=obj.unit,
            partner=obj.partner,
            by=request.user,
            expires_at=obj.expires_at,
        )
        obj.pk, obj.user = client.pk, client.user
        self.message_user(
            request, f"The key of {client} is {key} — copy it now: it is not shown again.", messages.WARNING
        )

    @admin.action(description="Revoke the selected keys")
    def revoke_keys(self, request, queryset):
        for client in queryset:
            revoke_api_key(client=client, by=request.user)
        self.message_user(request, f"{queryset.count()} key(s) revoked.")
