"""Follow-ups of a closed case: reoffending checks on the supervisors' list, and the harmed party's
satisfaction survey, reached through an expiring, single-use link.

Only the sha256 of a survey link's token is stored: whoever reads the database cannot answer a
survey, and a new link replaces the old one.
"""

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from people.audit import record_audit
from people.links import link_hash, new_link_token
from people.models import AuditEntry, Person
from referrals.models import PartyRole, ReferralStatus
from referrals.permissions import can_see_sealed
from rjcases import workflow
from rjcases.timings import ReminderSettings

from .models import Case, CaseEvent, ConsentPurpose, ReoffendingCheck, SatisfactionSurvey
from .permissions import cases_for_user
from .transitions import record_case_event

UPCOMING_DAYS = 30


class FollowUpError(workflow.Conflict):
    """A follow-up that is not possible now: a check not yet due, a date that cannot be, an answered survey."""

    code = "follow_up_not_possible"


class SurveyLinkError(Exception):
    """A survey link that cannot be used; the subclass says why, so that the page can say it."""


class SurveyLinkUnknown(SurveyLinkError):
    pass


class SurveyLinkExpired(SurveyLinkError):
    pass


class SurveyAlreadyAnswered(SurveyLinkError):
    pass


# Who sees what


def reoffending_checks_for_user(user):
    """Return the reoffending checks of the cases `user` may see."""
    if user.is_supervisor:
        # Supervisors see every case (cases_for_user): asking the case table would only slow the
        # navbar's count of due checks, which runs on each of their pages.
        checks = ReoffendingCheck.objects.all()
        return checks if can_see_sealed(user) else checks.filter(case__referral__sealed_at__isnull=True)
    return ReoffendingCheck.objects.filter(case__in=cases_for_user(user))


def due_checks_for_user(user, *, today: date | None = None):
    """Return the unanswered checks that are due for `user`: none for anyone but supervisors."""
    if not user.is_authenticated or not user.is_supervisor:
        return ReoffendingCheck.objects.none()
    today = today or timezone.localdate()
    return reoffending_checks_for_user(user).filter(recorded_at__isnull=True, due_on__lte=today)


# Creating the follow-ups


def create_follow_ups(*, case: Case) -> tuple[list[ReoffendingCheck], list[SatisfactionSurvey]]:
    """Create the reoffending checks and surveys of a closed case; a second call creates nothing.

    Called in the closing's transaction. Each harmed individual who consented to take part gets a
    survey, unsent: the reminders send it.
    """
    if case.is_open or case.closed_at is None:
        raise FollowUpError(f"Case {case} is not closed: its follow-ups start when it closes.")
    closed_on = timezone.localdate(case.closed_at)
    checks = []
    for months in ReminderSettings.current().reoffending_offsets:
        check, _ = ReoffendingCheck.objects.get_or_create(
            referral=case.referral,
            months=months,
            defaults={"case": case, "due_on": closed_on + relativedelta(months=months)},
        )
        checks.append(check)
    surveys = [SatisfactionSurvey.objects.get_or_create(case=case, person=person)[0] for person in _survey_people(case)]
    return checks, surveys


def create_comparison_checks(*, referral) -> list[ReoffendingCheck]:
    """Create the reoffending checks of a referral declined while eligible; a second call creates nothing.

    They are counted from the day it was declined, at the same months as a closed case's, so that
    the evaluation can compare those who took part with eligible people who did not.
    """
    if referral.status != ReferralStatus.DECLINED or not referral.eligible or referral.screened_at is None:
        return []
    declined_on = timezone.localdate(referral.screened_at)
    return [
        ReoffendingCheck.objects.get_or_create(
            referral=referral, months=months, defaults={"due_on": declined_on + relativedelta(months=months)}
        )[0]
        for months in ReminderSettings.current().reoffending_offsets
    ]


def _survey_people(case: Case) -> list[Person]:
    consented = set(
        case.consents.filter(purpose=ConsentPurpose.CONFERENCE, withdrawn_at__isnull=True).values_list(
            "person_id", flat=True
        )
    )
    parties = case.referral.parties.filter(role=PartyRole.HARMED, person__kind=Person.Kind.INDIVIDUAL)
    return [party.person for party in parties.select_related("person").order_by("pk") if party.person_id in consented]


# Reoffending checks


def _day(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def answer_problems(
    *, check: ReoffendingCheck, reoffended: bool, reoffended_on: date | None, offences: int | None = None
) -> dict[str, str]:
    """Return what is wrong with an answer to `check`, by form field; empty when it can be recorded."""
    if check.due_on > timezone.localdate():
        return {"": f"This check is not due until {_day(check.due_on)}: it cannot be answered yet."}
    if not reoffended:
        if reoffended_on is not None:
            return {"reoffended_on": "Leave the date empty when there was no re-arrest."}
        if offences is not None:
            return {"offences": "Leave the number of offences empty when there was no re-arrest."}
        return {}
    if reoffended_on is None:
        return {"reoffended_on": "Give the date of the re-arrest."}
    began = check.followed_from
    if began and reoffended_on < began:
        what = "the referral was declined" if check.is_comparison else "the case closed"
        return {"reoffended_on": f"The date cannot be before {what} ({_day(began)})."}
    if reoffended_on > timezone.localdate():
        return {"reoffended_on": "The date cannot be in the future."}
    return {}


@transaction.atomic
def record_reoffending_check(
    *,
    check: ReoffendingCheck,
    by,
    reoffended: bool,
    reoffended_on: date | None,
    offences: int | None = None,
    note: str = "",
) -> ReoffendingCheck:
    """Record (or correct) the answer of a due reoffending check. Supervisors only."""
    if not by.is_supervisor:
        raise PermissionDenied("Only supervisors record reoffending checks.")
    check = (
        ReoffendingCheck.objects.select_for_update(of=("self",))
        .select_related("case__referral", "referral")
        .get(pk=check.pk)
    )
    problems = answer_problems(check=check, reoffended=reoffended, reoffended_on=reoffended_on, offences=offences)
    if problems:
        raise FollowUpError(next(iter(problems.values())))
    verb = "corrected" if check.is_answered else "recorded"
    check.reoffended, check.reoffended_on, check.offences, check.note = reoffended, reoffended_on, offences, note
    check.recorded_by, check.recorded_at = by, timezone.now()
    check.save(update_fields=["reoffended", "reoffended_on", "offences", "note", "recorded_by", "recorded_at"])
    if check.case is not None:
        # The answer itself stays off the timeline: it is about the responsible party.
        summary = f"{check.months}-month reoffending check {verb}."
        record_case_event(check.case, by=by, kind=CaseEvent.Kind.NOTE, summary=summary)
    return check


# The satisfaction survey


@transaction.atomic
def issue_survey_link(*, survey: SatisfactionSurvey) -> str:
    """Make a new link to the survey, valid for the configured days; return its path.

    A link issued before stops working. The token is in the path only: it is not stored.
    """
    survey = SatisfactionSurvey.objects.select_for_update().get(pk=survey.pk)
    if survey.is_answered:
        raise FollowUpError("This survey has been answered: no new link is needed.")
    token, survey.token_hash = new_link_token()
    now = timezone.now()
    survey.sent_at, survey.expires_at = now, now + timedelta(days=ReminderSettings.current().survey_link_days)
    survey.save(update_fields=["token_hash", "sent_at", "expires_at"])
    return reverse("survey:answer", args=[token])


def survey_for_token(token: str) -> SatisfactionSurvey:
    """Return the survey a link's token opens; raise a SurveyLinkError subclass saying why it cannot be used."""
    survey = SatisfactionSurvey.objects.filter(token_hash=link_hash(token)).first()
    if survey is None:
        raise SurveyLinkUnknown("This link is not known.")
    if survey.is_answered:
        raise SurveyAlreadyAnswered("This survey has already been answered.")
    if survey.expires_at is None or survey.expires_at <= timezone.now():
        raise SurveyLinkExpired("This link has expired.")
    return survey


@transaction.atomic
def answer_survey(
    *,
    survey: SatisfactionSurvey,
    satisfaction: int,
    felt_heard: bool | None,
    harm_repaired: bool | None,
    would_recommend: bool | None,
    comment: str = "",
) -> SatisfactionSurvey:
    """Store the harmed party's answers, once: a second submission raises SurveyAlreadyAnswered."""
    now = timezone.now()
    # Compare-and-set: of two submissions at once (a double click, two tabs), one updates a row.
    stored = SatisfactionSurvey.objects.filter(pk=survey.pk, answered_at__isnull=True, expires_at__gt=now).update(
        answered_at=now,
        satisfaction=satisfaction,
        felt_heard=felt_heard,
        harm_repaired=harm_repaired,
        would_recommend=would_recommend,
        comment=comment,
    )
    survey.refresh_from_db()
    if not stored:
        if survey.is_answered:
            raise SurveyAlreadyAnswered("This survey has already been answered.")
        raise SurveyLinkExpired("This link has expired.")
    record_case_event(survey.case, by=None, kind=CaseEvent.Kind.NOTE, summary="Satisfaction survey answered.")
    # An update() sends no signal: the answer is audited here.
    record_audit(action=AuditEntry.Action.CHANGE, record=survey, detail="answered through its link")
    return survey
