"""Celery tasks of training: no arguments, no personal data; each calls one service."""

from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def lapse_accreditations() -> int:
    """Mark lapsed the accreditations whose expiry day has come (hourly, a django-celery-beat schedule row)."""
    return services.lapse_accreditations()
