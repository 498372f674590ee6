"""The demo programme's training history: `make run` shows courses, sessions, passes, observations
and accreditations of every kind the demo needs, and every demo conference has an accredited lead."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from conferences.models import ConferenceFacilitator, ConferenceStatus
from demo.data import USERS
from demo.training import TRAINEE
from people.models import Role, User
from training import accreditation as rules
from training.models import (
    LEADING_LEVELS,
    Accreditation,
    AccreditationStatus,
    Attendance,
    Course,
    Level,
    Observation,
    Result,
    TrainingSession,
    add_months,
)
from training.services import TRAINABLE_ROLES

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Build the demo once for these tests, and roll it back after them."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", referrals=80, stdout=StringIO())
        yield
        transaction.set_rollback(True)


def covered(accreditation: Accreditation | None, day) -> bool:
    """Did `accreditation` let its holder lead on `day`? A lapsed one did, before it lapsed."""
    if accreditation is None or accreditation.level not in LEADING_LEVELS:
        return False
    if accreditation.status == AccreditationStatus.LAPSED and day >= accreditation.lapsed_on:
        return False
    return accreditation.granted_on <= day < accreditation.expires_on


def test_every_demo_conference_has_a_lead_accredited_on_its_day(demo):
    today = timezone.localdate()
    bookings = ConferenceFacilitator.objects.filter(is_lead=True, active=True).select_related("conference")
    assert bookings.count() > 20
    for booking in bookings:
        conference, day = booking.conference, timezone.localdate(booking.conference.starts_at)
        held = Accreditation.objects.filter(facilitator=booking.facilitator, conference_kind=conference.kind).first()
        assert covered(held, day), f"{booking.facilitator} led a {conference.kind} on {day} unaccredited"
        if conference.status == ConferenceStatus.SCHEDULED and day >= today:
            leading = Accreditation.objects.leading(day).filter(pk=held.pk)
            assert leading.exists(), f"{booking.facilitator} cannot lead the {conference.kind} on {day}"


def test_courses_sessions_and_officers_trained(demo):
    assert Course.objects.count() == 8
    held = TrainingSession.objects.filter(status="held")
    assert held.count() >= 10
    assert held.filter(starts_at__lt=timezone.now() - timedelta(days=600)).exists()
    officers = User.objects.filter(role=Role.OFFICER)
    trained = officers.filter(training__result=Result.PASSED).distinct()
    assert 0 < trained.count() < officers.count()  # some never trained
    northby = officers.filter(unit__name="Northby Neighbourhood Team")
    assert trained.filter(unit__name="Northby Neighbourhood Team").count() == northby.count()
    assert Attendance.objects.filter(result=Result.NOT_YET).count() >= 2


def test_accreditations_senior_trainee_expiring_and_lapsed(demo):
    today = timezone.localdate()
    assert Accreditation.objects.filter(level=Level.SENIOR, status=AccreditationStatus.CURRENT).count() == 1
    trainee = User.objects.get(username=TRAINEE.username)
    assert set(trainee.accreditations.values_list("level", flat=True)) == {Level.TRAINEE}
    assert trainee.co_cases.exists()  # co-facilitates, never leads
    assert not ConferenceFacilitator.objects.filter(facilitator=trainee, is_lead=True).exists()
    assert Accreditation.objects.expiring_within(30).count() == 1
    lapsed = Accreditation.objects.get(status=AccreditationStatus.LAPSED)
    last_month_end = today.replace(day=1) - timedelta(days=1)
    assert lapsed.lapsed_on == lapsed.expires_on
    assert last_month_end.replace(day=1) <= lapsed.expires_on <= last_month_end
    assert Observation.objects.filter(conference__isnull=False).exists()
    assert Observation.objects.filter(judgement=Observation.Judgement.NOT_YET).exists()


def test_upcoming_sessions_have_invitees_and_free_places(demo):
    upcoming = list(TrainingSession.objects.upcoming())
    assert len(upcoming) == 3
    for session in upcoming:
        assert 0 < session.attendances.count() < session.capacity


def test_every_demo_login_who_takes_training_has_a_training_record(demo):
    names = [spec.username for spec in [*USERS, TRAINEE] if spec.role in TRAINABLE_ROLES]
    for user in User.objects.filter(username__in=names):
        has = Q(pk__in=Attendance.objects.filter(user=user).values("user")) | Q(accreditations__isnull=False)
        assert User.objects.filter(has, pk=user.pk).exists(), f"{user.username} has no training record"


def test_every_accreditation_is_one_the_rules_would_have_granted_and_renewed(demo):
    accreditations = Accreditation.objects.select_related("facilitator")
    assert accreditations.count() > 20
    for held in accreditations:
        standing = rules.standing(held.facilitator, held.conference_kind, held.level, held.granted_on)
        assert standing.ready, f"{held.facilitator} {held}: {standing.missing}"
        if held.renewed_on:
            done = rules.cpd_hours(held.facilitator, held.granted_on, held.renewed_on)
            assert done >= rules.CPD_HOURS[held.level]
            assert held.renewed_on < add_months(held.granted_on, rules.VALID_MONTHS[held.level])  # while current
    senior = Accreditation.objects.get(level=Level.SENIOR)
    assert list(senior.history.order_by("history_date").values_list("level", flat=True)) == [
        Level.ACCREDITED,
        Level.SENIOR,
    ]
