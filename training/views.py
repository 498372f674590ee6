"""Training pages: parse -> fetch through the permission getter -> call a service -> respond."""

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, Prefetch, Q, Subquery
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from rjcases.listing import sort_and_paginate
from rjcases.workflow import Conflict, InvalidTransition

from . import accreditation as rules
from . import services
from .forms import AttendanceForm, GrantForm, InviteForm, ObservationForm, PeopleFilter, RenewForm, ScheduleForm
from .ics import session_calendar
from .models import (
    Accreditation,
    AccreditationStatus,
    Attendance,
    ConferenceKind,
    Level,
    SessionStatus,
    TrainingSession,
)
from .permissions import (
    accreditations_for_user,
    can_run_training,
    get_session_for_user,
    get_trainee_for_user,
    sessions_for_user,
    trainees_for_user,
)

# Days ahead that a supervisor sees an expiry coming, and that a facilitator is warned of theirs.
EXPIRING_DAYS = 90
WARNING_DAYS = 60
LEVEL_ORDER = [Level.TRAINEE, Level.ACCREDITED, Level.SENIOR]
PEOPLE_SORTS = {"name": ("last_name", "first_name"), "role": ("role", "last_name")}


def _require_supervisor(user) -> None:
    if not can_run_training(user):
        raise PermissionDenied(_("Only supervisors run training."))


@require_safe
def index(request):
    """Supervisors: what is coming and what is expiring. Everyone else: their own training."""
    if can_run_training(request.user):
        return _supervisor_index(request)
    return _my_training(request)


def _supervisor_index(request):
    today = timezone.localdate()
    sessions = sessions_for_user(request.user).annotate(invited=Count("attendances"))
    expired = Q(status=AccreditationStatus.LAPSED) | Q(status=AccreditationStatus.CURRENT, expires_on__lte=today)
    accreditations = accreditations_for_user(request.user)
    context = {
        "upcoming": sessions.upcoming()[:50],
        "held": sessions.filter(status=SessionStatus.HELD).order_by("-starts_at")[:10],
        "expiring": accreditations.expiring_within(EXPIRING_DAYS, today).order_by("expires_on", "pk")[:100],
        "lapsed": accreditations.filter(expired).order_by("-expires_on", "pk")[:100],
    }
    return render(request, "training/index.html", context)


@dataclass
class HeldAccreditation:
    """A facilitator's accreditation for one kind, with the CPD done in its period and a warning in plain words."""

    accreditation: Accreditation
    cpd_done: object
    warning: str


def _held(accreditation: Accreditation, today) -> HeldAccreditation:
    done = rules.cpd_hours(accreditation.facilitator, accreditation.period_started_on, today)
    if not accreditation.is_current_on(today):
        warning = _("This accreditation has lapsed: a supervisor can grant it again once you meet what it asks.")
    elif accreditation.days_left <= WARNING_DAYS:
        warning = _("This accreditation expires in %(days)s days: complete your CPD hours and ask for renewal.") % {
            "days": accreditation.days_left
        }
    else:
        warning = ""
    return HeldAccreditation(accreditation=accreditation, cpd_done=done, warning=warning)


def _my_training(request):
    user, today = request.user, timezone.localdate()
    completed = (
        Attendance.objects.filter(user=user, completed_on__isnull=False)
        .select_related("course", "session")
        .order_by("-completed_on")
    )
    held = []
    if user.is_facilitator:
        held = [_held(a, today) for a in accreditations_for_user(user)]
    context = {
        "upcoming": sessions_for_user(user).upcoming(),
        "completed": completed,
        "held": held,
    }
    return render(request, "training/my_training.html", context)


def schedule(request):
    _require_supervisor(request.user)
    form = ScheduleForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            session = services.schedule_session(
                course=form.cleaned_data["course"], by=request.user, plan=form.to_plan()
            )
        except InvalidTransition as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Session of %(course)s scheduled.") % {"course": session.course})
            return redirect(session)
    status = 400 if request.method == "POST" else 200
    return render(request, "training/schedule.html", {"form": form}, status=status)


def _session_page(request, session: TrainingSession, *, invite_form=None, attendance_form=None, status=200):
    attendances = list(session.attendances.select_related("user__unit__agency", "user__partner").order_by("pk"))
    context = {"session": session, "attendances": attendances, "runs": can_run_training(request.user)}
    if context["runs"]:
        started = session.starts_at <= timezone.now()
        context.update(
            invite_form=invite_form or InviteForm(role=request.GET.get("role", "")),
            role_filter=request.GET.get("role", ""),
            may_invite=session.is_scheduled and session.ends_at > timezone.now(),
            # A refused submission is shown again with its error, even when the session has not started.
            may_record=attendance_form is not None
            or (started and session.status != SessionStatus.CANCELLED and bool(attendances)),
            attendance_form=attendance_form or AttendanceForm(attendances=attendances),
        )
    return render(request, "training/session.html", context, status=status)


@require_safe
def session_detail(request, pk):
    return _session_page(request, get_session_for_user(request.user, pk))


@require_POST
def invite(request, pk):
    session = get_session_for_user(request.user, pk, write=True)
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            invited = services.invite_to_session(
                session=session, by=request.user, users=list(form.cleaned_data["users"])
            )
        except (InvalidTransition, Conflict) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("%(count)s people invited.") % {"count": len(invited)})
            return redirect(session)
    return _session_page(request, session, invite_form=form, status=400)


@require_POST
def cancel(request, pk):
    session = get_session_for_user(request.user, pk, write=True)
    try:
        services.cancel_session(session=session, by=request.user)
    except InvalidTransition as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The session is cancelled; the people invited are told."))
    return redirect(session)


@require_POST
def attendance(request, pk):
    session = get_session_for_user(request.user, pk, write=True)
    attendances = list(session.attendances.select_related("user").order_by("pk"))
    form = AttendanceForm(request.POST, attendances=attendances)
    if form.is_valid():
        try:
            services.record_attendance(session=session, by=request.user, records=form.to_records())
        except InvalidTransition as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Attendance recorded."))
            return redirect(session)
    return _session_page(request, session, attendance_form=form, status=400)


@require_safe
def session_ics(request, pk):
    session = get_session_for_user(request.user, pk)
    response = HttpResponse(session_calendar(session), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="training-{session.pk}.ics"'
    return response


@require_safe
def people(request):
    _require_supervisor(request.user)
    today = timezone.localdate()
    last_pass = Attendance.objects.passed().filter(user=OuterRef("pk")).order_by("-completed_on", "-pk")
    filters = PeopleFilter(request.GET)
    staff = (
        filters.filter(trainees_for_user(request.user))
        .select_related("unit__agency", "partner")
        .annotate(last_course=Subquery(last_pass.values("course__title")[:1]))
        .annotate(last_passed_on=Subquery(last_pass.values("completed_on")[:1]))
        .prefetch_related(
            Prefetch("accreditations", queryset=Accreditation.objects.current_on(today), to_attr="current")
        )
    )
    sorting, page = sort_and_paginate(request, staff, columns=PEOPLE_SORTS, default="name")
    for person in page.object_list:
        person.levels = _kinds_by_level(person.current)
    return render(request, "training/people.html", {"filters": filters, "page": page, "sorting": sorting})


def _kinds_by_level(accreditations) -> list[tuple[str, list[str]]]:
    """Return each level held with the kinds held at it, e.g. ("Accredited", ["Community circle", …])."""
    labels = dict(Level.choices)
    return [
        (labels[level], [a.get_conference_kind_display() for a in accreditations if a.level == level])
        for level in LEVEL_ORDER
        if any(a.level == level for a in accreditations)
    ]


@dataclass
class KindStanding:
    """One kind of conference on a facilitator's record: what is held, and what each higher level needs."""

    kind: str
    label: str
    held: HeldAccreditation | None
    next_levels: list


def _standings(person, today) -> list[KindStanding]:
    held = {
        a.conference_kind: a for a in Accreditation.objects.filter(facilitator=person).select_related("facilitator")
    }
    rows = []
    for kind, label in ConferenceKind.choices:
        current = held.get(kind)
        if current is not None and current.is_current_on(today):
            above = LEVEL_ORDER[LEVEL_ORDER.index(current.level) + 1 :]
        else:
            above = [Level.TRAINEE, Level.ACCREDITED]  # senior asks for a current accreditation first
        next_levels = [(dict(Level.choices)[level], rules.standing(person, kind, level, today)) for level in above]
        rows.append(
            KindStanding(
                kind=kind,
                label=label,
                held=_held(current, today) if current else None,
                next_levels=next_levels,
            )
        )
    return rows


def _person_page(request, person, *, observation_form=None, status=200):
    today = timezone.localdate()
    runs = can_run_training(request.user)
    context = {
        "person": person,
        "runs": runs,
        "attendances": person.training.select_related("course", "session").order_by("-session__starts_at"),
        "observations": person.observations.select_related("observer", "conference"),
        "standings": _standings(person, today) if person.is_facilitator else [],
        "observation_form": observation_form or ObservationForm(),
    }
    return render(request, "training/person.html", context, status=status)


@require_safe
def person_detail(request, pk):
    return _person_page(request, get_trainee_for_user(request.user, pk))


@require_POST
def grant(request, pk):
    person = get_trainee_for_user(request.user, pk, write=True)
    form = GrantForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a kind of conference and a level from the lists."))
        return redirect("training:person", pk=person.pk)
    try:
        granted = services.grant_accreditation(
            facilitator=person,
            by=request.user,
            conference_kind=form.cleaned_data["conference_kind"],
            level=form.cleaned_data["level"],
        )
    except (InvalidTransition, Conflict) as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("%(accreditation)s granted.") % {"accreditation": granted})
    return redirect("training:person", pk=person.pk)


@require_POST
def renew(request, pk):
    person = get_trainee_for_user(request.user, pk, write=True)
    form = RenewForm(request.POST)
    held = None
    if form.is_valid():
        held = Accreditation.objects.filter(
            facilitator=person, conference_kind=form.cleaned_data["conference_kind"]
        ).first()
    if held is None:
        messages.error(request, _("There is no accreditation of that kind to renew."))
        return redirect("training:person", pk=person.pk)
    try:
        renewed = services.renew_accreditation(accreditation=held, by=request.user)
    except (InvalidTransition, Conflict) as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("%(accreditation)s renewed until %(day)s.")
            % {"accreditation": renewed, "day": f"{renewed.expires_on:%d %B %Y}"},
        )
    return redirect("training:person", pk=person.pk)


@require_POST
def observe(request, pk):
    person = get_trainee_for_user(request.user, pk, write=True)
    form = ObservationForm(request.POST)
    if form.is_valid():
        try:
            services.record_observation(facilitator=person, by=request.user, **form.cleaned_data)
        except (InvalidTransition, Conflict) as error:
            # A message, not a form error: the form is not on the page of someone who is not a facilitator.
            messages.error(request, str(error))
        else:
            messages.success(request, _("Observation recorded."))
            return redirect("training:person", pk=person.pk)
    return _person_page(request, person, observation_form=form, status=400)
