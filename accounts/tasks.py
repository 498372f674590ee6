"""Celery tasks of accounts: no arguments, no personal data; each calls one service."""

from celery import shared_task

from . import inactivity


@shared_task(ignore_result=True)
def deactivate_inactive_accounts() -> dict:
    """Warn and deactivate the accounts long without sign-in (daily, a django-celery-beat schedule row)."""
    return inactivity.deactivate_inactive_accounts()
