"""Celery tasks of the cases app: ids in (or nothing), one service call."""

from celery import shared_task

from cases.dashboard.figures import refresh


@shared_task
def refresh_dashboard() -> int:
    """Rebuild the dashboard's rollup; run every few minutes by django-celery-beat (migration 0008)."""
    return refresh().rows
