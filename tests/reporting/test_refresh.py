"""The rollup is rebuilt by a periodic Celery task, scheduled by a data migration."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from referrals import services as referral_services
from reporting.models import DashboardBuild, DashboardRollup
from reporting.tasks import refresh_dashboard
from tests.factories import ReferralFactory

pytestmark = pytest.mark.django_db


def test_the_refresh_is_scheduled_every_few_minutes():
    task = PeriodicTask.objects.get(task="reporting.tasks.refresh_dashboard")
    assert task.enabled and (task.interval.every, task.interval.period) == (5, "minutes")


def test_the_task_rebuilds_the_rollup(officer, time_machine):
    referral_services.submit_referral(referral=ReferralFactory(referring_officer=officer), by=officer)
    refresh_dashboard.delay()
    build = DashboardBuild.objects.get()
    assert build.referrals == 1
    assert DashboardRollup.objects.filter(slice="all", breakdown="age").get().referred == 1
    referral_services.submit_referral(referral=ReferralFactory(referring_officer=officer), by=officer)
    time_machine.move_to(timezone.now() + timedelta(minutes=5))  # the next tick of the schedule
    refresh_dashboard.delay()
    assert DashboardBuild.objects.get().referrals == 2  # the older build is replaced
    assert sum(DashboardRollup.objects.filter(slice="all", breakdown="age").values_list("referred", flat=True)) == 2


def test_the_refresh_works_out_the_default_view_so_that_the_first_visit_reads_no_rollup(officer, supervisor, client):
    referral_services.submit_referral(referral=ReferralFactory(referring_officer=officer), by=officer)
    refresh_dashboard.delay()
    client.force_login(supervisor)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("dashboard:index"))

    assert response.status_code == 200
    read = [q["sql"] for q in queries if "cases_dashboardrollup" in q["sql"] or "cases_dashboarddays" in q["sql"]]
    assert read == []
