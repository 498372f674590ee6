"""Celery tasks of the reporting app: ids in (or nothing), one service call."""

from celery import shared_task

from reporting.figures import refresh


@shared_task
def refresh_dashboard() -> int:
    """Rebuild the dashboard's rollup; run every few minutes by django-celery-beat (a schedule row)."""
    return refresh().rows
