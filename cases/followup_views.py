"""The follow-up pages: the supervisors' list of reoffending checks and the form that records an
answer, and the harmed party's satisfaction survey, reached through a link without an account.
"""

from datetime import timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from people.links import participant_page, speak_their_language

from . import followups
from .followup_forms import ReoffendingCheckForm
from .followups import FollowUpError, SurveyAlreadyAnswered, SurveyLinkError, SurveyLinkExpired
from .permissions import get_case_for_user, require_supervisor
from .survey_forms import SurveyForm

# The reoffending checks


def follow_ups(request):
    """List the reoffending checks that are due (oldest first), those coming up, and the latest answered."""
    require_supervisor(request.user)
    today = timezone.localdate()
    checks = followups.reoffending_checks_for_user(request.user).select_related(
        "case__referral", "referral", "recorded_by"
    )
    unanswered = checks.filter(recorded_at__isnull=True)
    page = Paginator(unanswered.filter(due_on__lte=today).order_by("due_on", "pk"), 25).get_page(
        request.GET.get("page")
    )
    for check in page:
        check.form = ReoffendingCheckForm(check=check)
        check.form.fields["note"].widget.attrs.update(rows=1, placeholder=_("Note (optional)"))  # one line per check
    horizon = today + timedelta(days=followups.UPCOMING_DAYS)
    context = {
        "page": page,
        "today": today,
        "upcoming": unanswered.filter(due_on__gt=today, due_on__lte=horizon).order_by("due_on", "pk")[:50],
        "upcoming_days": followups.UPCOMING_DAYS,
        "answered": checks.filter(recorded_at__isnull=False).order_by("-recorded_at", "-pk")[:10],
    }
    return render(request, "cases/followups.html", context)


@require_http_methods(["GET", "POST"])
def record_check(request, pk, check_pk):
    """Record, or correct, the answer of one reoffending check of the case."""
    require_supervisor(request.user)
    case = get_case_for_user(request.user, pk, write=True)
    check = get_object_or_404(case.reoffending_checks, pk=check_pk)
    check.case = case
    back = "case" if request.POST.get("back", request.GET.get("back")) == "case" else "list"
    form = ReoffendingCheckForm(request.POST or None, check=check)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            followups.record_reoffending_check(
                check=check,
                by=request.user,
                reoffended=data["reoffended"],
                reoffended_on=data["reoffended_on"],
                offences=data["offences"],
                note=data["note"],
            )
        except FollowUpError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("The %(months)s-month reoffending check of case %(case)s is recorded.")
                % {"months": check.months, "case": case},
            )
            if back == "case":
                return redirect(f"{case.get_absolute_url()}#follow-ups")
            return redirect("cases:follow_ups")
    context = {"case": case, "check": check, "form": form, "back": back}
    return render(request, "cases/reoffending_check.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def record_comparison_check(request, check_pk):
    """Record, or correct, the answer of a reoffending check of a referral declined while eligible."""
    require_supervisor(request.user)
    checks = followups.reoffending_checks_for_user(request.user).filter(case__isnull=True)
    check = get_object_or_404(checks.select_related("referral"), pk=check_pk)
    form = ReoffendingCheckForm(request.POST or None, check=check)
    if request.method == "POST" and form.is_valid():
        try:
            followups.record_reoffending_check(check=check, by=request.user, **form.cleaned_data)
        except FollowUpError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("The %(months)s-month reoffending check of referral %(referral)s is recorded.")
                % {"months": check.months, "referral": check.referral},
            )
            return redirect("cases:follow_ups")
    context = {"check": check, "form": form, "back": "list"}
    return render(request, "cases/reoffending_check.html", context, status=400 if form.errors else 200)


# The satisfaction survey: public pages, opened by the link's token


def _link_problem(request, error: SurveyLinkError):
    if isinstance(error, SurveyAlreadyAnswered):
        problem, status = "answered", 410
    elif isinstance(error, SurveyLinkExpired):
        problem, status = "expired", 410
    else:
        problem, status = "unknown", 404
    return render(request, "survey/link_problem.html", {"problem": problem}, status=status)


@participant_page
@require_http_methods(["GET", "POST"])
def survey_page(request, token):
    """Show the survey a link opens, and store its answers once."""
    try:
        survey = followups.survey_for_token(token)
    except SurveyLinkError as error:
        return _link_problem(request, error)
    speak_their_language(request, survey.person)
    form = SurveyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            followups.answer_survey(survey=survey, **form.cleaned_data)
        except SurveyLinkError as error:
            return _link_problem(request, error)
        return redirect(f"{reverse('survey:thanks')}?lang={translation.get_language()}")  # in the same language
    context = {"form": form, "expires_at": survey.expires_at}
    return render(request, "survey/form.html", context, status=400 if form.errors else 200)


@participant_page
def survey_thanks(request):
    return render(request, "survey/thanks.html")
