"""The append-only audit log: views and changes of protected records, logins and failed logins."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .models import AuditEntry


def record_audit(actor, action: str, record=None, *, request=None, detail: str = "") -> AuditEntry:
    """Append one entry. Never pass personal data in `detail`: ids and codes only."""
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        object_type=record._meta.label_lower if record is not None else "",
        object_id=str(record.pk) if record is not None else "",
        detail=detail[:200],
        ip_address=_client_ip(request),
    )


def _client_ip(request):
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


@receiver(user_logged_in)
def _on_login(sender, request, user, **kwargs):
    record_audit(user, AuditEntry.Action.LOGIN, request=request)


@receiver(user_logged_out)
def _on_logout(sender, request, user, **kwargs):
    if user is not None:
        record_audit(user, AuditEntry.Action.LOGOUT, request=request)


@receiver(user_login_failed)
def _on_login_failed(sender, credentials, request=None, **kwargs):
    # The username typed is personal data and may be a password typed in the wrong box: not kept.
    record_audit(None, AuditEntry.Action.LOGIN_FAILED, request=request)
