"""Inactive accounts: an account nobody signs in to for ACCOUNT_INACTIVITY_DAYS is deactivated, after
a warning ACCOUNT_INACTIVITY_WARNING_DAYS before (CJIS AC-2(3); docs/accounts.md).

An account's last activity is its last sign-in, or its creation if it never signed in. The warning
is stamped on the account (`inactivity_warned_at`) and a sign-in clears it. Deactivation waits
until the warning is the notice period old, so that every account is told in time: also one past
the limit when the schedule first runs, or one an administrator reactivated. An account without an
email address gets the same notice period, only nobody can tell it.

Accounts that cannot sign in with a password (the API's service users) are left alone, and so are
accounts already inactive.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q, QuerySet
from django.shortcuts import resolve_url
from django.template.loader import render_to_string
from django.utils import timezone

from people.audit import record_audit, record_bulk_change
from people.models import AuditEntry, User

log = logging.getLogger(__name__)
Action = AuditEntry.Action


def _periods() -> tuple[timedelta, timedelta]:
    """Return (the limit without sign-in, the notice before it) from the settings."""
    days, notice = settings.ACCOUNT_INACTIVITY_DAYS, settings.ACCOUNT_INACTIVITY_WARNING_DAYS
    if not 0 < notice < days:
        raise ImproperlyConfigured(
            "ACCOUNT_INACTIVITY_WARNING_DAYS must be more than 0 and less than ACCOUNT_INACTIVITY_DAYS."
        )
    return timedelta(days=days), timedelta(days=notice)


def _not_signed_in_since(moment: datetime) -> Q:
    return Q(last_login__lte=moment) | Q(last_login__isnull=True, date_joined__lte=moment)


def _active_password_accounts() -> QuerySet[User]:
    return User.objects.filter(is_active=True).exclude(password__startswith=UNUSABLE_PASSWORD_PREFIX)


def users_due_for_warning(*, now: datetime | None = None) -> QuerySet[User]:
    """Return the active accounts without sign-in for the limit less the notice, not yet warned."""
    limit, notice = _periods()
    now = now or timezone.now()
    return _active_password_accounts().filter(
        _not_signed_in_since(now - (limit - notice)), inactivity_warned_at__isnull=True
    )


def users_due_for_deactivation(*, now: datetime | None = None) -> QuerySet[User]:
    """Return the active accounts without sign-in for the limit and warned at least the notice ago."""
    limit, notice = _periods()
    now = now or timezone.now()
    return _active_password_accounts().filter(_not_signed_in_since(now - limit), inactivity_warned_at__lte=now - notice)


def warn_user(*, user: User, now: datetime | None = None) -> bool:
    """Stamp the warning on `user` and email it; return False if the account is not (or no longer) due.

    The stamp and the email commit together: an email that fails leaves the account unwarned for
    the next run to try again.
    """
    now = now or timezone.now()
    _, notice = _periods()
    with transaction.atomic():
        # Compare-and-set: a sign-in or another run since the account was picked leaves it alone.
        if not users_due_for_warning(now=now).filter(pk=user.pk).update(inactivity_warned_at=now):
            return False
        told = "sent by email" if user.email else "recorded, no email address"
        record_bulk_change(User, [user.pk], detail=f"inactivity warning {told} (fields: inactivity_warned_at)")
        if user.email:
            # Sent inside the transaction, which holds the account's row (a sign-in waits for it, at
            # most EMAIL_TIMEOUT); a worker killed after sending and before the commit sends it again.
            _send_warning(user, deactivation_date=timezone.localdate(now + notice))
    user.inactivity_warned_at = now
    return True


def _send_warning(user: User, *, deactivation_date) -> None:
    context = {
        "name": user.get_full_name(),
        "days": settings.ACCOUNT_INACTIVITY_DAYS,
        "deactivation_date": deactivation_date,
        "login_url": settings.SITE_URL.rstrip("/") + resolve_url(settings.LOGIN_URL),
    }
    email = EmailMultiAlternatives(
        subject=f"Your RJ Cases account will be deactivated from {deactivation_date:%d %b %Y}",
        body=render_to_string("accounts/inactivity_warning.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
    )
    email.attach_alternative(render_to_string("accounts/inactivity_warning.html", context), "text/html")
    email.send()


def deactivate_user(*, user: User, now: datetime | None = None) -> bool:
    """Deactivate `user` for want of sign-in; return False if the account is not (or no longer) due.

    Saved, not updated in bulk, so that whatever follows an account's deactivation (its audit
    entry, the end of its sessions) follows this one too. Django's authentication refuses an
    inactive account's session from its next request on in any case.
    """
    now = now or timezone.now()
    with transaction.atomic():
        # Locked on the sign-in still being old: whoever signed in since the account was picked
        # stays active, and a sign-in under way waits for the commit; its session is then refused.
        account = users_due_for_deactivation(now=now).select_for_update().filter(pk=user.pk).first()
        if account is None:
            return False
        # The warning goes with it: once reactivated, the account is warned again before it can
        # be deactivated again.
        account.is_active, account.inactivity_warned_at = False, None
        account.save(update_fields=["is_active", "inactivity_warned_at"])
        days = settings.ACCOUNT_INACTIVITY_DAYS
        record_audit(action=Action.CHANGE, record=account, detail=f"deactivated after {days} days without sign-in")
    user.is_active, user.inactivity_warned_at = False, None
    return True


def deactivate_inactive_accounts(*, now: datetime | None = None) -> dict[str, int]:
    """Deactivate the accounts that are due and warn those coming up to it; return the counts."""
    now = now or timezone.now()
    counts = {"deactivated": 0, "warned": 0, "failed": 0}
    for user in users_due_for_deactivation(now=now).order_by("pk"):
        counts["deactivated"] += deactivate_user(user=user, now=now)
    for user in users_due_for_warning(now=now).order_by("pk"):
        try:
            counts["warned"] += warn_user(user=user, now=now)
        except Exception as error:  # one address failing must not hold up the others' warnings
            counts["failed"] += 1
            log.warning("Inactivity warning to user %s failed: %s", user.pk, type(error).__name__)
    return counts


def clear_inactivity_warning(sender, user, **kwargs) -> None:
    """On sign-in, clear the account's inactivity warning (connected in AccountsConfig.ready).

    Cleared in the database whatever the signed-in instance says: a warning stamped while the
    sign-in was under way is not on that instance yet.
    """
    if User.objects.filter(pk=user.pk, inactivity_warned_at__isnull=False).update(inactivity_warned_at=None):
        record_bulk_change(
            User, [user.pk], detail="inactivity warning cleared by sign-in (fields: inactivity_warned_at)"
        )
    user.inactivity_warned_at = None
