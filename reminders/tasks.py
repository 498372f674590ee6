"""Celery tasks of reminders: no arguments, no personal data; each calls one service."""

from celery import shared_task

from . import sending, webhooks


@shared_task(ignore_result=True)
def send_due_reminders() -> dict:
    """Claim and send every due reminder (the periodic sweep, every minute, and the nudge after a change)."""
    return dict(sending.send_due_reminders())


@shared_task(ignore_result=True)
def send_due_webhooks() -> dict:
    """Claim and send every due webhook delivery (every minute, and the nudge after a change)."""
    return dict(webhooks.send_due_webhooks())
