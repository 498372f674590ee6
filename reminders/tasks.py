"""Celery tasks of reminders: no arguments, no personal data; each calls one service."""

import logging

from celery import shared_task

from . import sending, webhooks

log = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def send_due_reminders() -> dict:
    """The periodic sweep (every minute): one at a time, with helpers for a burst."""
    return dict(sending.sweep(call_helper=_ask_for_help))


@shared_task(ignore_result=True)
def send_reminders_now() -> dict:
    """Send what is due now beside any sweep: the nudge after a change, and a sweep's helpers."""
    return dict(sending.send_due_reminders())


def _ask_for_help() -> None:
    nudge(send_reminders_now, "the rest of the burst")


@shared_task(ignore_result=True)
def send_due_webhooks() -> dict:
    """Claim and send every due webhook delivery (every minute, and the nudge after a change)."""
    return dict(webhooks.send_due_webhooks())


def nudge(task, what: str) -> None:
    """Queue `task` now; the periodic sweep is the guarantee, so a broker outage is only logged."""
    try:
        task.delay()
    except Exception as error:  # a broker outage must not fail the change that planned the rows
        log.warning("Could not reach the Celery broker (%s); the periodic sweep will send %s.", error, what)
