"""The training pages through HTTP: who sees what, scheduling and inviting, attendance, grants and renewals."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from tests.factories import UserFactory
from training.models import (
    Accreditation,
    Attendance,
    ConferenceKind,
    Course,
    CourseKind,
    Level,
    Observation,
    Result,
    SessionStatus,
    TrainingSession,
)

pytestmark = pytest.mark.django_db

KIND = ConferenceKind.VICTIM_OFFENDER


@pytest.fixture
def course():
    return Course.objects.create(
        title="Facilitator foundation",
        kind=CourseKind.FACILITATOR_FOUNDATION,
        hours=Decimal("14"),
        qualifies_for=[KIND],
    )


def make_session(course, by, *, starts_in=timedelta(days=7), capacity=10, **extra):
    return TrainingSession.objects.create(
        course=course,
        starts_at=timezone.now() + starts_in,
        duration_minutes=180,
        place="Training room 2",
        trainer="Restorative Justice Council",
        capacity=capacity,
        created_by=by,
        **extra,
    )


def invite(session, user, by):
    return Attendance.objects.create(session=session, user=user, invited_by=by)


@pytest.fixture
def session(course, supervisor):
    return make_session(course, supervisor)


@pytest.fixture
def past_session(course, supervisor):
    return make_session(course, supervisor, starts_in=-timedelta(days=1))


@pytest.fixture
def trainee(unit):
    return UserFactory(username="trainee", facilitator=True, accredited=False)


def schedule_data(course, **changes):
    day = timezone.localdate() + timedelta(days=14)
    data = {
        "course": course.pk,
        "start_date": day.isoformat(),
        "start_time": "10:00",
        "duration_minutes": 180,
        "place": "Training room 2",
        "meeting_link": "",
        "trainer": "A. Trainer",
        "capacity": 12,
    }
    return data | changes


# Who sees what


def test_an_officer_sees_their_own_training_and_record(login, officer, session, supervisor):
    invite(session, officer, supervisor)
    client = login(officer)

    index = client.get(reverse("training:index"))
    assert index.status_code == 200
    assert "My training" in index.text
    assert reverse("training:session_ics", args=[session.pk]) in index.text
    assert client.get(reverse("training:person", args=[officer.pk])).status_code == 200
    assert client.get(reverse("training:session", args=[session.pk])).status_code == 200


def test_an_officer_gets_404_on_another_record_and_a_session_not_invited_to(login, officer, other_officer, session):
    client = login(officer)

    assert client.get(reverse("training:person", args=[other_officer.pk])).status_code == 404
    assert client.get(reverse("training:session", args=[session.pk])).status_code == 404
    assert client.get(reverse("training:session_ics", args=[session.pk])).status_code == 404


def test_only_supervisors_see_the_people_list_and_scheduling(login, officer, facilitator):
    for user in (officer, facilitator):
        client = login(user)
        assert client.get(reverse("training:people")).status_code == 403
        assert client.get(reverse("training:schedule")).status_code == 403


def test_supervisor_writes_are_refused_to_others_with_403(login, officer, facilitator, session, course):
    invite(session, officer, session.created_by)
    client = login(officer)
    session_writes = ("invite", "cancel", "attendance")
    for name in session_writes:
        assert client.post(reverse(f"training:{name}", args=[session.pk])).status_code == 403
    for name in ("grant", "renew", "observe"):
        assert client.post(reverse(f"training:{name}", args=[officer.pk])).status_code == 403
    assert client.post(reverse("training:schedule"), schedule_data(course)).status_code == 403
    assert TrainingSession.objects.get(pk=session.pk).is_scheduled


def test_a_non_numeric_pk_is_404(login, supervisor):
    client = login(supervisor)
    assert client.get("/training/sessions/abc/").status_code == 404
    assert client.get("/training/people/abc/").status_code == 404


def test_the_supervisor_index_lists_sessions_and_expiring_accreditations(login, supervisor, session, facilitator):
    Accreditation.objects.filter(facilitator=facilitator, conference_kind=KIND).update(
        expires_on=timezone.localdate() + timedelta(days=20)
    )
    response = login(supervisor).get(reverse("training:index"))

    assert response.status_code == 200
    assert "Facilitator foundation" in response.text
    assert "0 of 10" in response.text
    assert "Victim-offender conference" in response.text
    assert ">20<" in response.text


def test_a_facilitator_is_warned_of_an_expiry_within_60_days(login, facilitator):
    Accreditation.objects.filter(facilitator=facilitator, conference_kind=KIND).update(
        expires_on=timezone.localdate() + timedelta(days=30)
    )
    response = login(facilitator).get(reverse("training:index"))

    assert "expires in 30 days" in response.text
    assert "CPD: 0.0 of 12.0" in response.text


# Scheduling and inviting


def test_a_supervisor_schedules_a_session_and_sees_it(login, supervisor, course):
    client = login(supervisor)
    response = client.post(reverse("training:schedule"), schedule_data(course))

    session = TrainingSession.objects.get()
    assert response.status_code == 302
    assert response["Location"] == session.get_absolute_url()
    assert session.capacity == 12
    assert session.created_by == supervisor
    page = client.get(session.get_absolute_url())
    assert "Training room 2" in page.text
    assert "Facilitator foundation" in client.get(reverse("training:index")).text


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"start_date": "2020-01-01"}, "The session must start in the future."),
        ({"capacity": 0}, "A session has room for at least one person."),
        ({"capacity": "lots"}, "Enter a whole number."),
        ({"place": "", "meeting_link": ""}, "Give the place of the session or the link to join it."),
        ({"place": "", "meeting_link": "ftp://example.com/x"}, "Enter a valid URL."),
        ({"start_date": "31/02/2027"}, "Enter a valid date."),
    ],
)
def test_bad_schedule_input_is_a_form_error(login, supervisor, course, changes, error):
    response = login(supervisor).post(reverse("training:schedule"), schedule_data(course, **changes))

    assert response.status_code == 400
    assert error in response.text
    assert not TrainingSession.objects.exists()


def test_an_inactive_course_cannot_be_chosen(login, supervisor, course):
    course.active = False
    course.save()
    response = login(supervisor).post(reverse("training:schedule"), schedule_data(course))
    assert response.status_code == 400
    assert not TrainingSession.objects.exists()


def test_a_supervisor_invites_people(login, supervisor, session, officer, partner):
    response = login(supervisor).post(
        reverse("training:invite", args=[session.pk]), {"users": [officer.pk, partner.pk]}
    )

    assert response.status_code == 302
    assert set(session.attendances.values_list("user", flat=True)) == {officer.pk, partner.pk}


def test_inviting_beyond_capacity_is_refused_with_the_message(login, supervisor, course, officer, partner):
    session = make_session(course, supervisor, capacity=1)
    response = login(supervisor).post(
        reverse("training:invite", args=[session.pk]), {"users": [officer.pk, partner.pk]}
    )

    assert response.status_code == 400
    assert "The session has 1 place left; 2 people were chosen." in response.text
    assert not session.attendances.exists()


def test_inviting_a_nonsense_user_is_a_form_error(login, supervisor, session):
    response = login(supervisor).post(reverse("training:invite", args=[session.pk]), {"users": ["nobody"]})
    assert response.status_code == 400
    assert not session.attendances.exists()


def test_the_invite_list_can_be_filtered_by_role(login, supervisor, session, officer, partner):
    response = login(supervisor).get(reverse("training:session", args=[session.pk]), {"role": "partner"})
    assert f'value="{partner.pk}"' in response.text
    assert '<optgroup label="Community partner">' in response.text
    assert f'value="{officer.pk}"' not in response.text


# Attendance


def test_attendance_before_the_start_is_refused(login, supervisor, session, officer):
    attendance = invite(session, officer, supervisor)
    response = login(supervisor).post(
        reverse("training:attendance", args=[session.pk]),
        {f"attended_{attendance.pk}": "on", f"completed_{attendance.pk}": "on", f"result_{attendance.pk}": "passed"},
    )

    assert response.status_code == 400
    assert "Attendance can be recorded once the session has started." in response.text
    attendance.refresh_from_db()
    assert attendance.attended is None


def test_attendance_recorded_shows_the_pass_on_the_record(login, supervisor, past_session, officer):
    attendance = invite(past_session, officer, supervisor)
    client = login(supervisor)
    response = client.post(
        reverse("training:attendance", args=[past_session.pk]),
        {f"attended_{attendance.pk}": "on", f"completed_{attendance.pk}": "on", f"result_{attendance.pk}": "passed"},
    )

    assert response.status_code == 302
    attendance.refresh_from_db()
    assert attendance.passed
    past_session.refresh_from_db()
    assert past_session.status == SessionStatus.HELD
    record = client.get(reverse("training:person", args=[officer.pk]))
    assert "Passed" in record.text
    assert f"{attendance.counts_until:%-d %b %Y}" in record.text
    assert "Facilitator foundation" in login(officer).get(reverse("training:index")).text


def test_a_nonsense_result_is_a_form_error(login, supervisor, past_session, officer):
    attendance = invite(past_session, officer, supervisor)
    response = login(supervisor).post(
        reverse("training:attendance", args=[past_session.pk]),
        {f"attended_{attendance.pk}": "on", f"completed_{attendance.pk}": "on", f"result_{attendance.pk}": "superb"},
    )

    assert response.status_code == 400
    assert "Select a valid choice" in response.text
    attendance.refresh_from_db()
    assert attendance.result == ""


def test_a_result_without_completion_is_a_form_error(login, supervisor, past_session, officer):
    attendance = invite(past_session, officer, supervisor)
    response = login(supervisor).post(
        reverse("training:attendance", args=[past_session.pk]),
        {f"attended_{attendance.pk}": "on", f"result_{attendance.pk}": Result.PASSED},
    )
    assert response.status_code == 400
    assert "Only someone who completed the session can be assessed." in response.text


# Cancelling and the calendar


def test_the_ics_has_the_uid_and_cancel_after_cancelling(login, supervisor, session, officer):
    invite(session, officer, supervisor)
    client = login(supervisor)

    calendar = Calendar.from_ical(client.get(reverse("training:session_ics", args=[session.pk])).content)
    (event,) = calendar.walk("VEVENT")
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(event["UID"]) == f"{session.uid}@rjcases"
    assert int(event["SEQUENCE"]) == 0

    assert client.post(reverse("training:cancel", args=[session.pk])).status_code == 302

    response = login(officer).get(reverse("training:session_ics", args=[session.pk]))
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    (event,) = calendar.walk("VEVENT")
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == f"{session.uid}@rjcases"
    assert int(event["SEQUENCE"]) == 1


def test_cancelling_twice_says_it_is_not_possible(login, supervisor, session):
    client = login(supervisor)
    client.post(reverse("training:cancel", args=[session.pk]))
    response = client.post(reverse("training:cancel", args=[session.pk]), follow=True)
    assert "Only a scheduled session can be cancelled." in response.text


# Observations, grants and renewals


def pass_course(trainee, course, supervisor):
    session = make_session(course, supervisor, starts_in=-timedelta(days=2), status=SessionStatus.HELD)
    Attendance.objects.create(
        session=session,
        user=trainee,
        invited_by=supervisor,
        attended=True,
        completed_on=timezone.localdate() - timedelta(days=2),
        result=Result.PASSED,
    )


def observe(client, trainee, **changes):
    data = {
        "conference_kind": KIND,
        "observed_on": (timezone.localdate() - timedelta(days=3)).isoformat(),
        "judgement": Observation.Judgement.COMPETENT,
        "note": "Calm and clear.",
    } | changes
    return client.post(reverse("training:observe", args=[trainee.pk]), data)


def test_grant_is_refused_with_what_is_missing_then_allowed(login, supervisor, trainee, course):
    client = login(supervisor)
    grant = {"conference_kind": KIND, "level": Level.ACCREDITED}

    refused = client.post(reverse("training:grant", args=[trainee.pk]), grant, follow=True)
    assert "Pass a course that trains for this kind of conference." in refused.text
    assert "2 more observed conferences" in refused.text
    assert not Accreditation.objects.filter(facilitator=trainee).exists()

    pass_course(trainee, course, supervisor)
    assert observe(client, trainee).status_code == 302
    assert (
        observe(client, trainee, observed_on=(timezone.localdate() - timedelta(days=1)).isoformat()).status_code == 302
    )
    record = client.get(reverse("training:person", args=[trainee.pk]))
    assert "Grant Accredited" in record.text

    assert client.post(reverse("training:grant", args=[trainee.pk]), grant).status_code == 302
    held = Accreditation.objects.get(facilitator=trainee, conference_kind=KIND)
    assert held.level == Level.ACCREDITED
    assert held.is_current


def test_an_observation_in_the_future_or_of_a_nonsense_kind_is_a_form_error(login, supervisor, trainee):
    client = login(supervisor)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()

    future = observe(client, trainee, observed_on=tomorrow)
    assert future.status_code == 400
    assert "An observation is recorded after the conference, not before." in future.text
    assert observe(client, trainee, conference_kind="duel").status_code == 400
    # A year typed wrong, or digits of another script: refused in words, nothing recorded.
    ancient = observe(client, trainee, observed_on="0001-01-01")
    assert ancient.status_code == 400
    assert "The day observed cannot be 10 years ago or more: check the year." in ancient.text
    assert observe(client, trainee, observed_on="２０２６-０１-０１").status_code == 400
    assert not Observation.objects.exists()


def test_an_observation_of_a_non_facilitator_is_refused(login, supervisor, officer):
    response = observe(login(supervisor), officer)
    assert response.status_code == 400
    assert "is not a facilitator" in response.text


def test_a_nonsense_level_is_refused_with_a_message(login, supervisor, trainee):
    response = login(supervisor).post(
        reverse("training:grant", args=[trainee.pk]), {"conference_kind": KIND, "level": "grandmaster"}, follow=True
    )
    assert "Choose a kind of conference and a level from the lists." in response.text


def test_renew_is_refused_without_cpd_hours_then_allowed(login, supervisor, facilitator, course):
    client = login(supervisor)
    held = Accreditation.objects.get(facilitator=facilitator, conference_kind=KIND)
    expires_on = held.expires_on

    refused = client.post(reverse("training:renew", args=[facilitator.pk]), {"conference_kind": KIND}, follow=True)
    assert "0 of the 12.0 CPD hours are done in this period" in refused.text
    held.refresh_from_db()
    assert held.expires_on == expires_on

    pass_course(facilitator, course, supervisor)
    assert client.post(reverse("training:renew", args=[facilitator.pk]), {"conference_kind": KIND}).status_code == 302
    held.refresh_from_db()
    assert held.expires_on > expires_on
    assert held.renewed_on == timezone.localdate()


def test_renewing_what_is_not_held_says_so(login, supervisor, trainee):
    response = login(supervisor).post(
        reverse("training:renew", args=[trainee.pk]), {"conference_kind": KIND}, follow=True
    )
    assert "There is no accreditation of that kind to renew." in response.text


# The people list


def test_the_people_list_filters_by_role_and_name(login, supervisor, officer, facilitator):
    officer.first_name, officer.last_name = "Olive", "Oakley"
    officer.save()
    client = login(supervisor)

    response = client.get(reverse("training:people"), {"role": "officer"})
    assert response.status_code == 200
    assert reverse("training:person", args=[officer.pk]) in response.text
    assert reverse("training:person", args=[facilitator.pk]) not in response.text

    by_name = client.get(reverse("training:people"), {"name": "oakl"})
    assert reverse("training:person", args=[officer.pk]) in by_name.text
    assert reverse("training:person", args=[facilitator.pk]) not in by_name.text

    everyone = client.get(reverse("training:people"), {"role": "astronaut", "page": "x"})
    assert everyone.status_code == 200
    assert "Accredited" in everyone.text


def test_the_people_list_shows_the_last_course_passed(login, supervisor, officer, course):
    pass_course(officer, course, supervisor)
    response = login(supervisor).get(reverse("training:people"), {"role": "officer"})
    assert "Facilitator foundation" in response.text
    assert f"{date.today():%Y}" in response.text
