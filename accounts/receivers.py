"""What the sign-in libraries do, written to the audit log, and sessions ended where access ends."""

from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from people.audit import record_audit
from people.models import AuditEntry

Action, Outcome = AuditEntry.Action, AuditEntry.Outcome


@receiver(user_locked_out)
def _on_lockout(sender, request, username=None, ip_address=None, **kwargs):
    record_audit(
        None,
        Action.LOCKOUT,
        request=request,
        username=username or "",
        outcome=Outcome.DENIED,
        detail="sign-in locked for the account and the address",
    )


@receiver(post_delete, sender=AccessAttempt)
def _on_lock_released(sender, instance, **kwargs):
    # Axes also deletes attempts whose time has passed: only deleting a lock still in force releases it.
    locked = instance.failures_since_start >= settings.AXES_FAILURE_LIMIT
    if locked and instance.attempt_time + settings.AXES_COOLOFF_TIME > timezone.now():
        record_audit(
            action=Action.UNLOCK,
            username=instance.username or "",
            object_type="axes.accessattempt",
            object_id=str(instance.pk),
            detail=f"released after {instance.failures_since_start} failed logins",
        )


@receiver(post_save, sender=Authenticator)
def _on_factor_added(sender, instance, created, **kwargs):
    # Only the kind: the row holds the (encrypted) secret, which has no place in the log.
    record_audit(
        action=Action.CREATE if created else Action.CHANGE,
        record=instance,
        detail=f"second factor {instance.type} of user {instance.user_id}",
    )


@receiver(post_delete, sender=Authenticator)
def _on_factor_removed(sender, instance, **kwargs):
    detail = f"second factor {instance.type} of user {instance.user_id}"
    record_audit(action=Action.DELETE, record=instance, detail=detail)
    factors = Authenticator.objects.filter(user_id=instance.user_id)
    if not factors.exclude(type=Authenticator.Type.RECOVERY_CODES).exists():
        end_sessions(instance.user_id)  # an admin reset the factors: the next sign-in enrols again


@receiver(post_save, sender=get_user_model())
def _on_user_saved(sender, instance, created, **kwargs):
    if not created and not instance.is_active:
        end_sessions(instance.pk)


def end_sessions(user_id) -> int:
    """End every session of the user, wherever it is signed in; return how many there were."""
    sessions = list(UserSession.objects.filter(user_id=user_id))
    for session in sessions:
        session.end()
    return len(sessions)
