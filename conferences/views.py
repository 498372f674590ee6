"""Conference pages: parse -> fetch through the permission getter -> call a service -> respond."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.models import CaseEvent, CaseStatus
from cases.permissions import can_work_case, get_case_for_user
from cases.readiness import readiness_problems
from people.audit import record_audit
from people.models import AuditEntry, Role, User
from rjcases.listing import sort_and_paginate
from rjcases.workflow import Conflict, InvalidTransition
from training.services import record_observation

from . import services
from .forms import (
    ConferenceFilter,
    HoldForm,
    InvitationForm,
    ObservationForm,
    ParticipantForm,
    ReasonForm,
    RescheduleForm,
    ScheduleForm,
)
from .ics import conference_invitation
from .models import Conference, ConferenceFacilitator, ConferenceStatus, Participant
from .permissions import can_see_conference_notes, conferences_for_user, get_conference_for_user
from .services import LeadNotAccredited, SchedulingConflict


def _posted(request):
    """Return the submitted data, or None on a GET (an empty POST is still a submission)."""
    return request.POST if request.method == "POST" else None


def _when(conference: Conference) -> str:
    starts_at = timezone.localtime(conference.starts_at)
    return _("%(date)s at %(time)s") % {
        "date": f"{starts_at:%A} {starts_at.day} {starts_at:%B %Y}",
        "time": f"{starts_at:%H:%M}",
    }


def _scheduling_blockers(case) -> list[str]:
    """Return why no conference can be scheduled for the case now, in plain words (empty if it can)."""
    if case.status == CaseStatus.INTAKE:
        return readiness_problems(case) or [_("Mark the case ready on its page first.")]
    if case.status not in (CaseStatus.READY, CaseStatus.SCHEDULED):
        return [
            _("No conference can be scheduled now: the case's stage is %(stage)s.")
            % {"stage": case.get_status_display()}
        ]
    return []


def _asks_override(form, lead_refused: bool) -> bool:
    """Show a supervisor the override's reason once the lead was refused, or when one was typed."""
    return "lead_override_reason" in form.fields and bool(lead_refused or form["lead_override_reason"].value())


def schedule(request, case_pk):
    case = get_case_for_user(request.user, case_pk, write=True)
    form = ScheduleForm(_posted(request), case=case, can_override=request.user.is_supervisor)
    blockers = _scheduling_blockers(case)
    lead_refused = False
    if request.method == "POST" and form.is_valid():
        try:
            conference = services.schedule_conference(
                case=case,
                by=request.user,
                plan=form.to_plan(),
                facilitators=list(form.cleaned_data["facilitators"]),
                invite_officer=form.cleaned_data["invite_officer"],
                lead=form.to_lead(),
            )
        except SchedulingConflict as error:
            form.add_error(None, str(error))
            lead_refused = isinstance(error, LeadNotAccredited)
        except InvalidTransition as error:
            case.refresh_from_db()
            blockers = _scheduling_blockers(case) or [str(error)]
        else:
            messages.success(
                request,
                _("%(kind)s scheduled for %(when)s.")
                % {"kind": conference.get_kind_display(), "when": _when(conference)},
            )
            return redirect(conference)
    context = {
        "case": case,
        "form": form,
        "blockers": blockers,
        "time_zone": settings.TIME_ZONE,
        "ask_override": _asks_override(form, lead_refused),
    }
    failed = request.method == "POST"
    return render(request, "conferences/schedule.html", context, status=400 if failed else 200)


@dataclass
class Change:
    """One line of a conference's history, from its django-simple-history rows."""

    kind: str  # scheduled, rescheduled, cancelled, held
    when: datetime
    by: User | None
    after: Conference
    before: Conference | None = None
    reason: str = ""


def _changes(conference: Conference) -> list[Change]:
    """Return what happened to the conference, oldest first: scheduled, moved, cancelled, held.

    The reason for a move is kept on the case timeline event the same transaction wrote, just after
    the history row; pair each move with the first such event from then on.
    """
    rows = list(conference.history.select_related("history_user").order_by("history_date", "history_id"))
    events = list(
        conference.case.events.filter(kind=CaseEvent.Kind.CONFERENCE, created_at__gte=conference.created_at)
        .exclude(reason="")
        .order_by("created_at", "pk")
    )
    changes, previous = [], None
    for row in rows:
        snapshot = row.instance
        change = Change(kind="", when=row.history_date, by=row.history_user, after=snapshot, before=previous)
        if row.history_type == "+":
            change.kind = "scheduled"
        elif row.history_change_reason == "rescheduled":
            change.kind = "rescheduled"
            paired = next((e for e in events if e.created_at >= row.history_date), None)
            if paired is not None:
                events.remove(paired)
                change.reason = paired.reason
        elif row.history_change_reason == "cancelled":
            change.kind, change.reason = "cancelled", conference.cancel_reason
        elif row.held_at and not (previous and previous.held_at):
            change.kind = "held"
        if change.kind:
            changes.append(change)
        previous = snapshot
    return changes


def conference_detail(request, pk):
    conference = get_conference_for_user(request.user, pk)
    record_audit(request.user, AuditEntry.Action.VIEW, conference, request=request)
    participants = list(conference.participants.select_related("person", "user"))
    can_work = can_work_case(request.user, conference.case)
    is_scheduled = conference.status == ConferenceStatus.SCHEDULED
    context = {
        "conference": conference,
        "case": conference.case,
        "can_work": can_work,
        "can_change": can_work and is_scheduled,
        "has_started": conference.starts_at <= timezone.now(),
        "show_notes": can_see_conference_notes(request.user, conference),
        "bookings": conference.bookings.select_related("facilitator", "overridden_by").order_by(
            "-is_lead", "facilitator__last_name"
        ),
        "rows": [
            (p, InvitationForm(initial={"invitation": p.invitation}, prefix=f"p{p.pk}", participant=p))
            for p in participants
        ],
        "invited": sum(1 for p in participants if p.invitation != Participant.Invitation.TO_INVITE),
        "confirmed": sum(1 for p in participants if p.invitation == Participant.Invitation.ACCEPTED),
        "participant_form": ParticipantForm(),
        "changes": _changes(conference),
        "observation_form": ObservationForm(conference=conference) if _may_observe(request.user, conference) else None,
        "observations": conference.observations.select_related("facilitator", "observer"),
    }
    return render(request, "conferences/detail.html", context)


def _may_observe(user, conference: Conference) -> bool:
    return user.is_supervisor and conference.status == ConferenceStatus.HELD


@require_POST
def observe(request, pk):
    """A supervisor records the practice they observed at a held conference, for the facilitator's accreditation."""
    conference = get_conference_for_user(request.user, pk)
    if not request.user.is_supervisor:
        raise PermissionDenied(_("Only a supervisor records observed practice."))
    if conference.status != ConferenceStatus.HELD:
        messages.error(request, _("Observed practice is recorded once the conference has been held."))
        return redirect(conference)
    form = ObservationForm(request.POST, conference=conference)
    if not form.is_valid():
        messages.error(request, _("Choose who you observed and your judgement."))
        return redirect(conference)
    try:
        observation = record_observation(
            facilitator=form.cleaned_data["facilitator"],
            by=request.user,
            conference_kind=conference.kind,
            observed_on=timezone.localdate(conference.starts_at),
            judgement=form.cleaned_data["judgement"],
            note=form.cleaned_data["note"],
            conference=conference,
        )
    except Conflict as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Observed practice of %(facilitator)s recorded on their training record.")
            % {"facilitator": observation.facilitator},
        )
    return redirect(conference)


def _refuse_unless_scheduled(request, conference: Conference, verb: str):
    """Return a redirect with the reason when the conference is no longer scheduled, else None.

    `verb` is what was asked: "rescheduled", "cancelled" or "recorded as held".
    """
    if conference.status == ConferenceStatus.SCHEDULED:
        return None
    refusals = {
        "rescheduled": _("This conference is %(status)s: it cannot be rescheduled."),
        "cancelled": _("This conference is %(status)s: it cannot be cancelled."),
        "recorded as held": _("This conference is %(status)s: it cannot be recorded as held."),
    }
    messages.error(request, refusals[verb] % {"status": conference.get_status_display().lower()})
    return redirect(conference)


def reschedule(request, pk):
    conference = get_conference_for_user(request.user, pk, write=True)
    refused = _refuse_unless_scheduled(request, conference, "rescheduled")
    if refused:
        return refused
    form = RescheduleForm(
        _posted(request),
        initial=RescheduleForm.initial_for(conference),
        current_venue=conference.venue,
        can_override=request.user.is_supervisor,
    )
    lead_refused = False
    if request.method == "POST" and form.is_valid():
        plan = form.to_plan(conference.kind)
        if not _plan_changes(conference, plan):
            form.add_error(None, _("This is the time and place the conference already has: change one of them."))
        else:
            try:
                conference = services.reschedule_conference(
                    conference=conference,
                    by=request.user,
                    plan=plan,
                    reason=form.cleaned_data["reason"],
                    lead_override_reason=form.cleaned_data.get("lead_override_reason", ""),
                )
            except SchedulingConflict as error:
                form.add_error(None, str(error))
                lead_refused = isinstance(error, LeadNotAccredited)
            except InvalidTransition as error:
                messages.error(request, str(error))
                return redirect(conference)
            else:
                messages.success(
                    request,
                    _("Conference moved to %(when)s. Send the updated invitation.") % {"when": _when(conference)},
                )
                return redirect(conference)
    context = {
        "conference": conference,
        "case": conference.case,
        "form": form,
        "time_zone": settings.TIME_ZONE,
        "ask_override": _asks_override(form, lead_refused),
    }
    return render(request, "conferences/reschedule.html", context, status=400 if request.method == "POST" else 200)


def _plan_changes(conference: Conference, plan: services.ConferencePlan) -> bool:
    current = services.ConferencePlan(
        kind=conference.kind,
        starts_at=conference.starts_at,
        duration_minutes=conference.duration_minutes,
        mode=conference.mode,
        venue=conference.venue,
        address=conference.address,
        meeting_link=conference.meeting_link,
    )
    return plan != current


def cancel(request, pk):
    conference = get_conference_for_user(request.user, pk, write=True)
    refused = _refuse_unless_scheduled(request, conference, "cancelled")
    if refused:
        return refused
    form = ReasonForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.cancel_conference(conference=conference, by=request.user, reason=form.cleaned_data["reason"])
        except InvalidTransition as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The conference of %(when)s is cancelled.") % {"when": _when(conference)})
        return redirect(conference)
    context = {"conference": conference, "case": conference.case, "form": form}
    return render(request, "conferences/cancel.html", context, status=400 if request.method == "POST" else 200)


def hold(request, pk):
    conference = get_conference_for_user(request.user, pk, write=True)
    refused = _refuse_unless_scheduled(request, conference, "recorded as held")
    if refused:
        return refused
    if conference.starts_at > timezone.now():
        messages.error(
            request,
            _("This conference starts on %(when)s: record it as held once it has taken place.")
            % {"when": _when(conference)},
        )
        return redirect(conference)
    form = HoldForm(_posted(request), conference=conference)
    if request.method == "POST" and form.is_valid():
        try:
            services.hold_conference(
                conference=conference, by=request.user, attended=form.attendance(), notes=form.cleaned_data["notes"]
            )
        except InvalidTransition as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Conference recorded as held. Record the agreement on the case next."))
        return redirect(conference)
    context = {"conference": conference, "case": conference.case, "form": form}
    return render(request, "conferences/hold.html", context, status=400 if request.method == "POST" else 200)


@require_POST
def update_invitation(request, pk, participant_pk):
    conference = get_conference_for_user(request.user, pk, write=True)
    participant = get_object_or_404(conference.participants.select_related("person", "user"), pk=participant_pk)
    form = InvitationForm(request.POST, prefix=f"p{participant.pk}", participant=participant)
    if not form.is_valid():
        messages.error(request, _("Choose one of the invitation statuses."))
        return redirect(conference)
    try:
        services.update_invitation(participant=participant, by=request.user, invitation=form.cleaned_data["invitation"])
    except InvalidTransition as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{participant.display_name}: {participant.get_invitation_display().lower()}.")
    return redirect(conference)


@require_POST
def add_participant(request, pk):
    conference = get_conference_for_user(request.user, pk, write=True)
    form = ParticipantForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the name and whether they come as a community member or a supporter."))
        return redirect(conference)
    try:
        participant = services.add_participant(
            conference=conference, by=request.user, role=form.cleaned_data["role"], name=form.cleaned_data["name"]
        )
    except InvalidTransition as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("%(name)s added as %(role)s.")
            % {"name": participant.display_name, "role": participant.get_role_display().lower()},
        )
    return redirect(conference)


def invitation(request, pk):
    conference = get_conference_for_user(request.user, pk)
    response = HttpResponse(conference_invitation(conference), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="conference-{conference.case.reference}.ics"'
    return response


CONFERENCE_SORTS = {"starts": ("starts_at",), "case": ("case__referral__reference",)}


def conference_list(request):
    """List the conferences the user may see, the latest first: supervisors all, facilitators theirs."""
    user = request.user
    if not (user.is_facilitator or user.is_supervisor):
        raise PermissionDenied(_("Conferences are for facilitators and supervisors."))
    conferences = conferences_for_user(user).select_related("case__referral", "venue__partner")
    filters = ConferenceFilter(request.GET, queryset=conferences)
    sorting, page = sort_and_paginate(request, filters.qs, columns=CONFERENCE_SORTS, default="-starts")
    return render(request, "conferences/list.html", {"filters": filters, "page": page, "sorting": sorting})


def _week_start(request) -> date:
    """Return the Monday of the week asked for (`?week=2026-W14` or `?start=2026-04-01`), else this week's."""
    try:
        if request.GET.get("week"):
            year, _sep, week = request.GET["week"].upper().partition("-W")
            day = date.fromisocalendar(int(year), int(week), 1)
        elif request.GET.get("start"):
            day = date.fromisoformat(request.GET["start"])
        else:
            day = timezone.localdate()
    except (ValueError, OverflowError):
        day = timezone.localdate()
    if not 2000 <= day.year <= 2100:  # keeps the previous / next links and the range arithmetic in bounds
        day = timezone.localdate()
    return day - timedelta(days=day.weekday())


def _week_param(day: date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def my_schedule(request):
    """A facilitator's booked conferences by day, one week at a time; supervisors choose whose."""
    user = request.user
    if not (user.is_facilitator or user.is_supervisor):
        raise PermissionDenied(_("The conference schedule is for facilitators and supervisors."))
    facilitators = User.objects.filter(role=Role.FACILITATOR, is_active=True).order_by("last_name", "first_name")
    chosen = user if user.is_facilitator else None
    if user.is_supervisor and request.GET.get("facilitator", "").isdigit():
        chosen = facilitators.filter(pk=request.GET["facilitator"]).first()

    monday = _week_start(request)
    zone = ZoneInfo(settings.TIME_ZONE)
    start = datetime.combine(monday, time.min, tzinfo=zone)
    end = datetime.combine(monday + timedelta(days=7), time.min, tzinfo=zone)
    conferences = (
        conferences_for_user(user)
        .filter(starts_at__gte=start, starts_at__lt=end)
        .exclude(status=ConferenceStatus.CANCELLED)
        .select_related("case__referral", "venue__partner")
        .prefetch_related(
            Prefetch(
                "bookings",
                queryset=ConferenceFacilitator.objects.filter(active=True).select_related("facilitator"),
                to_attr="active_bookings",
            )
        )
        .order_by("starts_at")
    )
    if chosen is not None:
        conferences = conferences.filter(bookings__facilitator=chosen, bookings__active=True)
    by_day = {monday + timedelta(days=n): [] for n in range(7)}
    for conference in conferences:
        by_day[conference.starts_at.astimezone(zone).date()].append(conference)

    now, next_one = timezone.now(), None
    still_to_come = any(c.status == ConferenceStatus.SCHEDULED and c.ends_at >= now for c in conferences)
    if chosen is not None and not still_to_come and end > now:
        later = Conference.objects.upcoming().filter(starts_at__gte=end)
        next_one = later.filter(bookings__facilitator=chosen, bookings__active=True).first()
    context = {
        "days": list(by_day.items()),
        "monday": monday,
        "sunday": monday + timedelta(days=6),
        "today": timezone.localdate(),
        "week": _week_param(monday),
        "previous_week": _week_param(monday - timedelta(days=7)),
        "next_week": _week_param(monday + timedelta(days=7)),
        "this_week": _week_param(timezone.localdate()),
        "chosen": chosen,
        "facilitators": facilitators if user.is_supervisor else None,
        "count": sum(len(day) for day in by_day.values()),
        "next_one": next_one,
        "next_week_of_next_one": _week_param(timezone.localdate(next_one.starts_at)) if next_one else "",
    }
    return render(request, "conferences/my_schedule.html", context)
