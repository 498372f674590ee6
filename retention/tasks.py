"""Celery tasks of sealing and retention: no arguments, no personal data; each calls one service."""

from celery import shared_task

from . import purge, sealing


@shared_task(ignore_result=True)
def seal_due_records() -> int:
    """Seal the juvenile records that are due (daily, a django-celery-beat schedule row)."""
    return sealing.seal_due_records()


@shared_task(ignore_result=True)
def purge_due_records() -> str:
    """Purge the personal data of the records past their retention (daily, a schedule row)."""
    return str(purge.purge_due_records())
