"""Planning reminders: each change that causes, moves or cancels one, mostly through the pages.

Robin's conference is on Thursday 2 April 2026 at 14:30 unless a test says otherwise; the clock
stands at Monday 30 March, 09:00 (see conftest.py).
"""

from datetime import datetime

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from cases import services as case_services
from cases.models import CaseStatus, ConsentPurpose
from conferences import services as conference_services
from conferences.models import Conference, ConferenceStatus, ItemKind, ItemStatus
from referrals import services as referral_services
from referrals.models import DeclineReason, PartyRole, Referral, ReferralStatus
from reminders import planning
from reminders.models import Reminder, ReminderKind, ReminderStatus
from tests.cases.builders import build_world, prepare
from tests.conferences.conftest import schedule_data
from tests.factories import PersonFactory, ReferralFactory, ReferralPartyFactory, UserFactory
from tests.helpers import page_fields, referral_form_data
from tests.reminders.conftest import (
    ITEMS_DUE,
    LONDON,
    NOW,
    conference_plan,
    days,
    hold,
    items,
    local,
    plan_of,
    snapshot,
    sweep,
    to_person,
    to_staff,
)

pytestmark = pytest.mark.django_db

Kind = ReminderKind
PENDING, SENT, CANCELLED = ReminderStatus.PENDING, ReminderStatus.SENT, ReminderStatus.CANCELLED


def upcoming(conference, **filters):
    return Reminder.objects.filter(conference=conference, kind=Kind.CONFERENCE_UPCOMING, **filters)


def robins_conference_plan(*, variant, due_at) -> set[tuple]:
    """The reminders of Robin's conference at one offset: the facilitator's, Robin's and Harriet's."""
    return (
        to_staff(variant, "facilitator", due_at)
        | to_person(variant, "Robin", due_at)
        | to_person(variant, "Harriet", due_at)
    )


# Referrals: the screening backlog


@pytest.fixture
def submitted_by_http(login, officer) -> Referral:
    response = login(officer).post(reverse("referrals:create"), referral_form_data(action="submit"))
    referral = Referral.objects.get()
    assert response.status_code == 302
    assert referral.status == ReferralStatus.SUBMITTED
    return referral


def backlog(referral):
    return Reminder.objects.filter(referral=referral, kind=Kind.SCREENING_BACKLOG)


def test_submitting_a_referral_reminds_the_supervisors_if_it_is_still_unscreened_in_3_days(submitted_by_http):
    assert submitted_by_http.submitted_at == NOW
    assert plan_of(backlog(submitted_by_http), status=PENDING) == to_staff("3d", "supervisors", NOW + days(3))


SCREENING = {
    "accepted": ("supervisor", "referrals:screen", {"action": "accept"}),
    "declined": (
        "supervisor",
        "referrals:screen",
        {"action": "decline", "decline-reason_code": DeclineReason.HARMED_PARTY_OBJECTS},
    ),
    "withdrawn": ("officer", "referrals:withdraw", {"reason": "The harmed party asked for prosecution."}),
    "needs_info": ("supervisor", "referrals:screen", {"action": "request_info", "info-message": "Any CCTV?"}),
}


@pytest.mark.parametrize("decision", SCREENING)
def test_screening_or_withdrawing_the_referral_cancels_the_backlog_reminder(
    request, login, time_machine, submitted_by_http, decision
):
    persona, url_name, data = SCREENING[decision]
    time_machine.move_to(NOW + days(1), tick=False)

    response = login(request.getfixturevalue(persona)).post(reverse(url_name, args=[submitted_by_http.pk]), data)

    assert response.status_code == 302
    submitted_by_http.refresh_from_db()
    assert submitted_by_http.status == decision
    assert set(backlog(submitted_by_http).values_list("status", "cancelled_reason")) == {
        (CANCELLED, "The referral was screened or withdrawn.")
    }


def test_a_resubmitted_referral_is_counted_from_its_new_submission(time_machine, submitted, officer, supervisor):
    referral_services.request_info(referral=submitted, by=supervisor, message="Any CCTV?")
    time_machine.move_to(NOW + days(2), tick=False)

    referral_services.answer_info_request(referral=submitted, by=officer, answer="None.")

    assert plan_of(backlog(submitted), status=PENDING) == to_staff("3d", "supervisors", NOW + days(5))
    assert backlog(submitted).filter(status=CANCELLED).count() == 2


# Conferences: 48 and 2 hours before


def schedule_url(case):
    return reverse("conferences:schedule", args=[case.pk])


def schedule_by_http(login, facilitator, case, **fields) -> Conference:
    response = login(facilitator).post(schedule_url(case), schedule_data(facilitators=[facilitator], **fields))
    conference = Conference.objects.get(case=case, status=ConferenceStatus.SCHEDULED)
    assert response.status_code == 302
    assert response["Location"] == conference.get_absolute_url()
    return conference


def test_scheduling_reminds_the_facilitators_and_the_consenting_participants_48_and_2_hours_before(
    login, facilitator, other_facilitator, ready_case
):
    data = schedule_data(facilitators=[facilitator, other_facilitator])

    response = login(facilitator).post(schedule_url(ready_case), data)

    assert response.status_code == 302
    conference = ready_case.conferences.get()
    assert conference.starts_at == local(2, 14, 30)
    assert plan_of(upcoming(conference)) == (
        robins_conference_plan(variant="48h", due_at=local(31, 14, 30, month=3))
        | to_staff("48h", "other_facilitator", local(31, 14, 30, month=3))
        | robins_conference_plan(variant="2h", due_at=local(2, 12, 30))
        | to_staff("2h", "other_facilitator", local(2, 12, 30))
    )
    assert set(upcoming(conference).values_list("status", "expires_at", "case")) == {
        (PENDING, conference.starts_at, ready_case.pk)
    }


def test_no_reminder_for_a_participant_without_consent_nor_for_one_who_declined(
    login, facilitator, ready_case, harriet
):
    supporter = ReferralPartyFactory(
        referral=ready_case.referral,
        role=PartyRole.SUPPORTER,
        person=PersonFactory(first_name="Sid", contact__email="sid@example.org"),
        admits_responsibility=None,
        prior_diversions=None,
    ).person
    conference = schedule_by_http(login, facilitator, ready_case)
    assert conference.participants.filter(person=supporter).exists()  # invited, but never consented
    assert not upcoming(conference, recipient_person=supporter).exists()
    guest = conference.participants.get(person=harriet)

    response = login(facilitator).post(
        reverse("conferences:invitation", args=[conference.pk, guest.pk]), {f"p{guest.pk}-invitation": "declined"}
    )

    assert response.status_code == 302
    assert set(upcoming(conference, recipient_person=harriet).values_list("status", flat=True)) == {CANCELLED}
    assert plan_of(upcoming(conference, status=PENDING)) == (
        to_staff("48h", "facilitator", local(31, 14, 30, month=3))
        | to_person("48h", "Robin", local(31, 14, 30, month=3))
        | to_staff("2h", "facilitator", local(2, 12, 30))
        | to_person("2h", "Robin", local(2, 12, 30))
    )


def test_a_participant_who_consents_later_is_reminded_from_then_on(login, facilitator, ready_case):
    sid = ReferralPartyFactory(
        referral=ready_case.referral,
        role=PartyRole.SUPPORTER,
        person=PersonFactory(first_name="Sid", contact__email="sid@example.org", contact__phone=""),
        admits_responsibility=None,
        prior_diversions=None,
    ).person
    conference = schedule_by_http(login, facilitator, ready_case)

    case_services.record_consent(
        case=ready_case,
        by=facilitator,
        person=sid,
        purpose=ConsentPurpose.CONFERENCE,
        given_by=sid,
        given_on=NOW.date(),
        method="verbal",
    )

    assert plan_of(upcoming(conference, recipient_person=sid)) == {
        ("48h", "Sid", "email", local(31, 14, 30, month=3)),
        ("2h", "Sid", "email", local(2, 12, 30)),
    }


def test_a_juvenile_is_reminded_through_the_guardian_who_consented(officer, supervisor, facilitator):
    world = build_world(officer=officer, supervisor=supervisor, facilitator=facilitator)
    prepare(world, by=facilitator, supervisor=supervisor)
    case = case_services.mark_case_ready(case=world.case, by=facilitator)

    conference = conference_services.schedule_conference(
        case=case, by=facilitator, plan=conference_plan(local(2, 14, 30)), facilitators=[facilitator]
    )

    people = set(upcoming(conference, recipient_person__isnull=False).values_list("recipient_person", flat=True))
    assert people == {world.guardian.pk, world.harmed.pk}  # Sue Doyle and Pat Lee; not Jamie, who is 15


def test_an_sms_due_in_quiet_hours_is_planned_for_their_end(facilitator, ready_case):
    # 2 hours before 09:30 is 07:30, before the end of quiet hours at 08:00: the text waits until 08:00.
    conference = conference_services.schedule_conference(
        case=ready_case, by=facilitator, plan=conference_plan(local(2, 9, 30)), facilitators=[facilitator]
    )

    assert plan_of(upcoming(conference, variant="2h")) == (
        to_staff("2h", "facilitator", local(2, 7, 30))
        | to_person("2h", "Robin", local(2, 7, 30), sms_at=local(2, 8))
        | to_person("2h", "Harriet", local(2, 7, 30), sms_at=local(2, 8))
    )


def reschedule(login, facilitator, conference, **fields):
    data = {
        **schedule_data(facilitators=[facilitator], **fields),
        "reason": "Harriet works on Thursdays.",
    }
    return login(facilitator).post(reverse("conferences:reschedule", args=[conference.pk]), data)


def test_rescheduling_moves_the_planned_reminders_to_the_new_time(login, facilitator, ready_case):
    conference = schedule_by_http(login, facilitator, ready_case)
    before = snapshot(upcoming(conference))

    response = reschedule(login, facilitator, conference, start_date="2026-04-03", start_time="10:00")

    assert response.status_code == 302
    after = snapshot(upcoming(conference))
    assert [row[0] for row in after] == [row[0] for row in before]  # the same rows, moved
    assert plan_of(upcoming(conference, status=PENDING)) == robins_conference_plan(
        variant="48h", due_at=local(1, 10)
    ) | robins_conference_plan(variant="2h", due_at=local(3, 8))
    assert {key.split(":")[2] for key in upcoming(conference).values_list("key", flat=True)} == {"s1"}
    assert set(upcoming(conference).values_list("expires_at", flat=True)) == {local(3, 10)}


def test_rescheduling_after_the_48_hour_reminder_keeps_it_sent_and_plans_a_new_one(
    login, time_machine, facilitator, ready_case, mailoutbox
):
    conference = schedule_by_http(login, facilitator, ready_case)
    time_machine.move_to(local(31, 14, 30, month=3), tick=False)
    sweep()
    sent = snapshot(upcoming(conference, status=SENT))
    assert len(sent) == 6
    assert len(mailoutbox) == 5  # the facilitator, Robin and Harriet; and the two invitations
    time_machine.move_to(local(31, 16, month=3), tick=False)

    response = reschedule(login, facilitator, conference, start_date="2026-04-06", start_time="10:00")

    assert response.status_code == 302
    assert snapshot(upcoming(conference, status=SENT)) == sent  # untouched
    assert plan_of(upcoming(conference, status=PENDING)) == robins_conference_plan(
        variant="48h", due_at=local(4, 10)
    ) | robins_conference_plan(variant="2h", due_at=local(6, 8))
    assert upcoming(conference).count() == 18  # 6 sent at the old time, 6 new, 6 moved
    assert len(mailoutbox) == 5  # nothing more sent by the move itself...
    invitations = Reminder.objects.filter(conference=conference, kind=Kind.CONFERENCE_INVITATION, status=PENDING)
    assert {r.key.split(":")[2] for r in invitations} == {"s1"}  # ...but new invitations are due, for the new time
    assert invitations.count() == 2


def test_moving_the_conference_into_the_next_48_hours_plans_no_late_48_hour_reminder(
    login, time_machine, facilitator, ready_case, mailoutbox
):
    conference = schedule_by_http(login, facilitator, ready_case)
    time_machine.move_to(local(31, 14, 30, month=3), tick=False)
    sweep()  # the 48-hour reminders of the first time go out
    time_machine.move_to(local(31, 16, month=3), tick=False)

    response = reschedule(login, facilitator, conference, start_date="2026-04-01", start_time="18:00")

    assert response.status_code == 302
    assert plan_of(upcoming(conference, status=PENDING)) == robins_conference_plan(variant="2h", due_at=local(1, 16))


def test_cancelling_the_conference_cancels_its_reminders(login, facilitator, ready_case):
    conference = schedule_by_http(login, facilitator, ready_case)

    response = login(facilitator).post(
        reverse("conferences:cancel", args=[conference.pk]), {"reason": "Robin is in hospital."}
    )

    assert response.status_code == 302
    assert set(upcoming(conference).values_list("status", "cancelled_reason")) == {
        (CANCELLED, "The conference was cancelled.")
    }
    assert upcoming(conference).count() == 12


def test_a_withdrawn_consent_cancels_that_persons_reminders_only(login, officer, supervisor, facilitator):
    from tests.reminders.conftest import make_ready_case, party

    # Harriet consented to take part but will not attend: the conference goes ahead without her consent.
    case = make_ready_case(officer=officer, supervisor=supervisor, facilitator=facilitator, harmed_attends=False)
    harriet = party(case, PartyRole.HARMED)
    conference = schedule_by_http(login, facilitator, case)
    consent = case.consents.get(person=harriet)

    response = login(facilitator).post(
        reverse("cases:withdraw_consent", args=[case.pk, consent.pk]), {"reason": "She no longer wants contact."}
    )

    assert response.status_code == 302
    conference.refresh_from_db()
    assert conference.status == ConferenceStatus.SCHEDULED
    assert set(upcoming(conference, recipient_person=harriet).values_list("status", flat=True)) == {CANCELLED}
    assert plan_of(upcoming(conference, status=PENDING)) == (
        to_staff("48h", "facilitator", local(31, 14, 30, month=3))
        | to_person("48h", "Robin", local(31, 14, 30, month=3))
        | to_staff("2h", "facilitator", local(2, 12, 30))
        | to_person("2h", "Robin", local(2, 12, 30))
    )
    # The cancellation says why, on the case's reminders panel.
    reasons = set(upcoming(conference, recipient_person=harriet).values_list("cancelled_reason", flat=True))
    assert reasons == {"The recipient no longer takes part or no longer consents."}


def test_consent_given_again_brings_the_same_reminders_back(login, officer, supervisor, facilitator):
    from tests.reminders.conftest import make_ready_case, party

    case = make_ready_case(officer=officer, supervisor=supervisor, facilitator=facilitator, harmed_attends=False)
    harriet = party(case, PartyRole.HARMED)
    conference = schedule_by_http(login, facilitator, case)
    before = snapshot(upcoming(conference, recipient_person=harriet))
    consent = case.consents.get(person=harriet)
    case_services.withdraw_consent(consent=consent, by=facilitator, reason="Not sure yet.")

    case_services.record_consent(
        case=case,
        by=facilitator,
        person=harriet,
        purpose=ConsentPurpose.CONFERENCE,
        given_by=harriet,
        given_on=NOW.date(),
        method="verbal",
    )

    assert snapshot(upcoming(conference, recipient_person=harriet)) == before  # revived, not duplicated


def test_holding_the_conference_cancels_what_is_left(time_machine, facilitator, conference):
    time_machine.move_to(local(2, 14, 45), tick=False)

    conference_services.hold_conference(
        conference=conference, by=facilitator, attended={p.pk: True for p in conference.participants.all()}
    )

    assert set(upcoming(conference, variant="2h").values_list("status", "cancelled_reason")) == {
        (CANCELLED, "The conference was held.")
    }


# Closing the case: the officer is told, the follow-ups are planned, the rest is cancelled


def close_by_http(login, case, *, facilitator, supervisor):
    """Complete, return or close the case through its page; return the response."""
    return {
        "close": lambda: login(supervisor).post(
            reverse("cases:close", args=[case.pk]), {"close-reason": "Harriet declined to meet."}
        ),
        "return": lambda: login(facilitator).post(
            reverse("cases:return", args=[case.pk]), {"return-reason_code": "re_arrest"}
        ),
        "complete": lambda: login(facilitator).post(reverse("cases:complete", args=[case.pk])),
    }


def follow_ups(closed_at):
    """The reminders of closing on 1 April 2026: the officer now, Harriet's survey 7 days later (by
    email, her first channel: each sending makes a new link), and the checks at 09:00 6, 12 and 24 months on."""
    return (
        to_staff("", "officer", closed_at)
        | {("", "Harriet", "email", closed_at + days(7))}
        | to_staff("6m", "supervisors", datetime(2026, 10, 1, 9, tzinfo=LONDON))
        | to_staff("12m", "supervisors", datetime(2027, 4, 1, 9, tzinfo=LONDON))
        | to_staff("24m", "supervisors", datetime(2028, 4, 1, 9, tzinfo=LONDON))
    )


@pytest.mark.parametrize("closing", ["close", "return", "complete"])
def test_closing_the_case_cancels_its_reminders_and_plans_the_outcome_and_the_follow_ups(
    request, login, time_machine, closing, ready_case, facilitator, supervisor
):
    if closing == "complete":
        case = hold(ready_case, by=facilitator)
        agreement = conference_services.record_agreement(case=case, by=facilitator, items=items(partner_org=None))
        for item in agreement.items.all():
            conference_services.set_item_status(item=item, by=facilitator, status=ItemStatus.COMPLETED)
    else:
        request.getfixturevalue("conference")
    planned_before = set(Reminder.objects.filter(case=ready_case, status=PENDING).values_list("pk", flat=True))
    if closing != "complete":
        assert upcoming(ready_case.conferences.get(), status=PENDING).exists()
        assert Reminder.objects.filter(case=ready_case, kind=Kind.CASE_STALLED, status=PENDING).exists()
    time_machine.move_to(local(1, 11), tick=False)

    response = close_by_http(login, ready_case, facilitator=facilitator, supervisor=supervisor)[closing]()

    assert response.status_code == 302
    ready_case.refresh_from_db()
    assert not ready_case.is_open
    assert ready_case.closed_at == local(1, 11)
    assert not Reminder.objects.filter(pk__in=planned_before, status=PENDING).exists()
    pending = Reminder.objects.filter(case=ready_case, status=PENDING)
    assert plan_of(pending) == follow_ups(local(1, 11))
    assert set(pending.values_list("kind", flat=True)) == {
        Kind.CASE_CLOSED,
        Kind.SATISFACTION_SURVEY,
        Kind.REOFFENDING_CHECK,
    }


def test_closing_with_other_timings_plans_them(login, time_machine, ready_case, supervisor, rules):
    rules.survey_days_after_close = 14
    rules.reoffending_months = "3"
    rules.save()

    login(supervisor).post(reverse("cases:close", args=[ready_case.pk]), {"close-reason": "Declined."})

    pending = Reminder.objects.filter(case=ready_case, status=PENDING)
    assert plan_of(pending, kind=Kind.SATISFACTION_SURVEY) == {("", "Harriet", "email", NOW + days(14))}
    assert plan_of(pending, kind=Kind.REOFFENDING_CHECK) == to_staff("3m", "supervisors", local(30, 9, month=6))


# Stalled cases: 14 days for the facilitator, 30 for the supervisors


def stalled(case, **filters):
    return Reminder.objects.filter(case=case, kind=Kind.CASE_STALLED, **filters)


def test_a_new_case_without_a_facilitator_goes_to_the_supervisors_then_to_its_facilitator(
    login, accepted, supervisor, facilitator, time_machine
):
    case = accepted.case
    assert plan_of(stalled(case, status=PENDING)) == to_staff("14d", "supervisors", NOW + days(14)) | to_staff(
        "30d", "supervisors", NOW + days(30)
    )
    time_machine.move_to(NOW + days(2), tick=False)

    response = login(supervisor).post(reverse("cases:assign", args=[case.pk]), {"assign-facilitator": facilitator.pk})

    assert response.status_code == 302
    assert plan_of(stalled(case, status=PENDING)) == to_staff("14d", "facilitator", NOW + days(16)) | to_staff(
        "30d", "supervisors", NOW + days(32)
    )
    assert set(stalled(case, variant="14d", to_supervisors=True).values_list("status", flat=True)) == {CANCELLED}


def test_activity_on_the_case_moves_the_stalled_case_reminders(login, time_machine, facilitator, ready_case):
    before = snapshot(stalled(ready_case, status=PENDING))
    time_machine.move_to(NOW + days(5), tick=False)

    response = login(facilitator).post(reverse("cases:add_note", args=[ready_case.pk]), {"text": "Called Robin."})

    assert response.status_code == 302
    assert [row[0] for row in snapshot(stalled(ready_case, status=PENDING))] == [row[0] for row in before]
    assert plan_of(stalled(ready_case, status=PENDING)) == to_staff("14d", "facilitator", NOW + days(19)) | to_staff(
        "30d", "supervisors", NOW + days(35)
    )


def test_a_sent_stalled_reminder_stays_sent_and_the_next_quiet_spell_is_reminded_again(
    login, time_machine, facilitator, ready_case, mailoutbox
):
    time_machine.move_to(NOW + days(14), tick=False)
    sweep()
    sent = snapshot(stalled(ready_case, status=SENT))
    assert plan_of(stalled(ready_case, status=SENT)) == to_staff("14d", "facilitator", NOW + days(14))
    time_machine.move_to(NOW + days(15), tick=False)

    login(facilitator).post(reverse("cases:add_note", args=[ready_case.pk]), {"text": "Called Robin."})

    assert snapshot(stalled(ready_case, status=SENT)) == sent
    assert plan_of(stalled(ready_case, status=PENDING)) == to_staff("14d", "facilitator", NOW + days(29)) | to_staff(
        "30d", "supervisors", NOW + days(45)
    )


def test_a_monitored_case_is_not_stalled_its_items_are_reminded_instead(agreement):
    assert not stalled(agreement.case, status=PENDING).exists()


# Agreement items: 3 days before, and the day after


def item_rows(item, **filters):
    return Reminder.objects.filter(item=item, **filters)


def record_by_http(login, facilitator, case, partner_org):
    row = {
        "kind": "restitution",
        "description": "Pay for the perfume",
        "amount": "40.00",
        "hours": "",
        "due_date": ITEMS_DUE.isoformat(),
        "harmed_party": "",
        "partner": str(partner_org.pk),
    }
    data = {
        "summary": "Robin will pay.",
        "items-TOTAL_FORMS": "1",
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "30",
        **{f"items-0-{name}": value for name, value in row.items()},
    }
    return login(facilitator).post(reverse("agreements:record", args=[case.pk]), data)


def test_recording_an_agreement_plans_the_due_soon_and_overdue_reminders_of_each_item(
    login, facilitator, partner, ready_case
):
    case = hold(ready_case, by=facilitator)

    response = record_by_http(login, facilitator, case, partner.partner)

    assert response.status_code == 302
    item = case.agreements.get().items.get()
    soon, late = local(27, 9), local(1, 9, month=5)
    assert plan_of(item_rows(item, kind=Kind.ITEM_DUE_SOON)) == (
        to_person("3d", "Robin", soon) | to_staff("3d", "facilitator", soon) | to_staff("3d", "partner staff", soon)
    )
    assert plan_of(item_rows(item, kind=Kind.ITEM_OVERDUE)) == (
        to_staff("", "facilitator", late) | to_staff("", "partner staff", late) | to_staff("", "supervisors", late)
    )
    assert set(item_rows(item).values_list("status", flat=True)) == {PENDING}
    assert set(item_rows(item, kind=Kind.ITEM_DUE_SOON).values_list("expires_at", flat=True)) == {late}


def test_handing_the_caseload_to_a_successor_moves_the_item_reminders_to_them(
    login, supervisor, facilitator, restitution
):
    successor = UserFactory(username="successor", facilitator=True)
    before = plan_of(item_rows(restitution, status=PENDING, recipient_user=facilitator))
    assert before

    response = login(supervisor).post(
        reverse("cases:reassign"), {"departing": facilitator.pk, "successor": successor.pk}
    )

    assert response.status_code == 302
    assert not item_rows(restitution, status=PENDING, recipient_user=facilitator).exists()
    moved = plan_of(item_rows(restitution, status=PENDING, recipient_user=successor))
    assert moved == {(variant, "successor", channel, due_at) for variant, _, channel, due_at in before}


@pytest.mark.parametrize(("persona", "status"), [("partner", ItemStatus.COMPLETED), ("supervisor", ItemStatus.WAIVED)])
def test_completing_or_waiving_an_item_cancels_its_reminders_only(
    request, login, restitution, apology, persona, status
):
    others = snapshot(item_rows(apology))

    response = login(request.getfixturevalue(persona)).post(
        reverse("agreements:status", args=[restitution.pk]), {"status-status": status, "status-note": "Done."}
    )

    assert response.status_code == 302
    restitution.refresh_from_db()
    assert restitution.status == status
    assert set(item_rows(restitution).values_list("status", "cancelled_reason")) == {
        (CANCELLED, f"The item is {restitution.get_status_display().lower()}.")
    }
    assert snapshot(item_rows(apology)) == others


def test_renegotiating_cancels_the_old_items_reminders_and_plans_the_new_ones(
    time_machine, facilitator, agreement, restitution, apology
):
    time_machine.move_to(NOW + days(3), tick=False)

    new = conference_services.renegotiate_agreement(
        case=agreement.case,
        by=facilitator,
        items=[
            conference_services.ItemInput(
                kind=ItemKind.APOLOGY, description="Write a letter", due_date=ITEMS_DUE + days(14)
            )
        ],
        reason="Robin lost his job: no restitution.",
    )

    assert set(Reminder.objects.filter(item__in=[restitution, apology]).values_list("status", flat=True)) == {CANCELLED}
    letter = new.items.get()
    assert plan_of(item_rows(letter, status=PENDING, kind=Kind.ITEM_DUE_SOON)) == to_person(
        "3d", "Robin", local(11, 9, month=5)
    ) | to_staff("3d", "facilitator", local(11, 9, month=5))


# Timings set by an admin


@pytest.fixture
def admin_user():
    return UserFactory(username="admin", admin=True)


def test_timings_changed_in_the_admin_are_used_for_new_plans(login, admin_user, facilitator, ready_case):
    url = reverse("admin:reminders_remindersettings_change", args=[1])
    client = login(admin_user)
    fields = page_fields(client.get(url))

    response = client.post(url, {**fields, "conference_hours_before": "24", "screening_backlog_days": "5"})

    assert response.status_code == 302
    conference = schedule_by_http(login, facilitator, ready_case)
    assert plan_of(upcoming(conference)) == robins_conference_plan(variant="24h", due_at=local(1, 14, 30))
    referral = ReferralFactory()
    referral_services.submit_referral(referral=referral, by=referral.referring_officer)
    assert plan_of(backlog(referral)) == to_staff("5d", "supervisors", NOW + days(5))


def test_a_wrong_timing_is_refused_in_the_admin(login, admin_user):
    url = reverse("admin:reminders_remindersettings_change", args=[1])
    client = login(admin_user)
    fields = page_fields(client.get(url))

    response = client.post(url, {**fields, "conference_hours_before": "two days"})

    assert response.status_code == 200
    assert "Give whole numbers separated by commas" in response.content.decode()


# Planning twice plans nothing twice


def test_planning_again_changes_nothing(facilitator, conference, ready_case, submitted):
    planned = snapshot(Reminder.objects.all())

    planning.plan_conference_reminders(conference)
    planning.plan_stalled_case_reminders(ready_case)
    planning.plan_referral_reminders(submitted)
    planning.plan_case_conference_reminders(ready_case)

    assert snapshot(Reminder.objects.all()) == planned


def test_planning_a_closed_case_again_changes_nothing(supervisor, ready_case):
    case = case_services.close_without_conference(case=ready_case, by=supervisor, reason="Declined.")
    planned = snapshot(Reminder.objects.all())

    planning.plan_case_closed_reminders(case)
    planning.plan_agreement_reminders(case)

    assert snapshot(Reminder.objects.all()) == planned


def test_planning_an_item_again_changes_nothing(agreement):
    planned = snapshot(Reminder.objects.all())

    planning.plan_agreement_reminders(agreement.case)

    assert snapshot(Reminder.objects.all()) == planned


def test_the_database_refuses_a_second_reminder_with_the_same_key(conference):
    first = upcoming(conference).first()
    copy = {
        field: getattr(first, field)
        for field in ("kind", "variant", "case_id", "conference_id", "channel", "due_at", "key")
    }
    copy.update(recipient_user_id=first.recipient_user_id, recipient_person_id=first.recipient_person_id)

    with pytest.raises(IntegrityError), transaction.atomic():
        Reminder.objects.create(**copy)
    assert Reminder.objects.filter(key=first.key).count() == 1


def test_a_case_in_intake_after_a_withdrawal_has_no_conference_reminders_left(login, facilitator, ready_case, robin):
    conference = schedule_by_http(login, facilitator, ready_case)
    consent = ready_case.consents.get(person=robin)

    login(facilitator).post(
        reverse("cases:withdraw_consent", args=[ready_case.pk, consent.pk]), {"reason": "Robin changed his mind."}
    )

    ready_case.refresh_from_db()
    conference.refresh_from_db()
    assert (ready_case.status, conference.status) == (CaseStatus.INTAKE, ConferenceStatus.CANCELLED)
    assert not upcoming(conference, status=PENDING).exists()
