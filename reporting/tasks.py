"""Celery tasks of the reporting app: ids in (or nothing), one service call."""

from celery import shared_task

from reporting.figures import refresh


@shared_task
def refresh_dashboard() -> int:
    """Rebuild the dashboard's rollup; run every few minutes by django-celery-beat (a schedule row).

    Returns the rollup's rows, or 0 when skipped (another rebuild running, or one just done)."""
    build = refresh(unless_recent=True)
    return build.rows if build else 0
