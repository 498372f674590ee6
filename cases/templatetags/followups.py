"""The follow-ups where other pages show them: the navbar's count, the supervisor's home, the case page."""

from dataclasses import dataclass

from django import template
from django.utils import timezone

from cases.followup_forms import ReoffendingCheckForm
from cases.followups import due_checks_for_user
from cases.models import Case
from cases.permissions import can_work_case

register = template.Library()


# Counts shown on badges stop here ("99+"): counting every due check of a large programme on each
# of a supervisor's pages would cost more than the number is worth.
BADGE_CAP = 99


@register.simple_tag(takes_context=True)
def due_check_count(context) -> int:
    """Return how many reoffending checks wait for the logged-in supervisor (0 for anyone else),
    counted up to one more than BADGE_CAP."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None:
        return 0
    if not hasattr(request, "_due_check_count"):  # the navbar and the home page both ask
        request._due_check_count = due_checks_for_user(user).order_by()[: BADGE_CAP + 1].count()
    return request._due_check_count


@register.filter
def badge_count(count: int) -> str:
    """Show a capped count: "99+" beyond BADGE_CAP."""
    return f"{BADGE_CAP}+" if count > BADGE_CAP else str(count)


@dataclass
class CaseFollowUps:
    checks: list
    surveys: list
    can_record: bool


@register.simple_tag(takes_context=True)
def case_followups(context, case: Case) -> CaseFollowUps | None:
    """Return the follow-ups of a closed case for its panel; None for an open case or a user who may
    not see them (the answers are confidential like notes)."""
    user = context["request"].user
    if case.is_open or not can_work_case(user, case):
        return None
    today, now = timezone.localdate(), timezone.now()
    checks = list(case.reoffending_checks.select_related("recorded_by"))
    surveys = list(case.surveys.select_related("person"))
    if not checks and not surveys:
        return None
    can_record = user.is_supervisor
    for check in checks:
        check.case = case
        check.is_due = check.due_on <= today
        check.form = None
        if can_record and check.is_due:
            check.form = ReoffendingCheckForm(check=check)
    for survey in surveys:
        if survey.is_answered:
            survey.state = "answered"
        elif survey.sent_at is None:
            survey.state = "not_sent"
        else:
            survey.state = "sent" if survey.expires_at > now else "expired"
    return CaseFollowUps(checks=checks, surveys=surveys, can_record=can_record)
