"""What each accreditation level asks for, and what a facilitator still lacks: one place for the
rules that granting, renewing, the record page and the demo all read."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Sum

from .models import Accreditation, Attendance, ConferenceKind, Course, CourseKind, Level, Observation, add_months

# How long a grant lasts, and the CPD hours a facilitator completes in each period to renew it.
VALID_MONTHS = {Level.TRAINEE: 12, Level.ACCREDITED: 24, Level.SENIOR: 24}
CPD_HOURS = {Level.TRAINEE: Decimal("0"), Level.ACCREDITED: Decimal("12"), Level.SENIOR: Decimal("18")}
# Observed conferences of the kind, judged competent, within OBSERVATIONS_MONTHS before the grant.
OBSERVATIONS_NEEDED = {Level.TRAINEE: 0, Level.ACCREDITED: 2, Level.SENIOR: 5}
OBSERVATIONS_MONTHS = 24
# Days before expiry that the facilitator and the supervisors are reminded.
REMINDER_DAYS = (60, 30, 7)


@dataclass(frozen=True)
class Standing:
    """What a facilitator holds and lacks for one level of one kind, on one day."""

    level: str
    met: list[str]
    missing: list[str]

    @property
    def ready(self) -> bool:
        return not self.missing


def passed_courses(facilitator, kind: str, day: date) -> list[Course]:
    """Return the courses passed and still counting on `day` that are training for `kind`."""
    return [
        a.course for a in Attendance.objects.filter(user=facilitator).counting_on(day) if kind in a.course.qualifies_for
    ]


def competent_observations(facilitator, kind: str, day: date) -> int:
    since = add_months(day, -OBSERVATIONS_MONTHS)
    return Observation.objects.filter(
        facilitator=facilitator,
        conference_kind=kind,
        judgement=Observation.Judgement.COMPETENT,
        observed_on__gt=since,
        observed_on__lte=day,
    ).count()


def standing(facilitator, kind: str, level: str, day: date) -> Standing:
    """Say what `facilitator` has and lacks on `day` to be granted `level` for conferences of `kind`."""
    met, missing = [], []
    courses = passed_courses(facilitator, kind, day)
    if level == Level.SENIOR:
        advanced = [c for c in courses if c.kind == CourseKind.ADVANCED]
        if advanced:
            met.append(f"Passed {advanced[0]}.")
        else:
            missing.append("Pass an advanced practice course for this kind of conference.")
        held = Accreditation.objects.leading(day).filter(facilitator=facilitator, conference_kind=kind).exists()
        (met if held else missing).append(
            "Holds a current accreditation for this kind." if held else "Hold a current accreditation for this kind."
        )
    elif courses:
        met.append(f"Passed {courses[0]}.")
    else:
        missing.append("Pass a course that trains for this kind of conference.")
    needed = OBSERVATIONS_NEEDED[level]
    if needed:
        seen = competent_observations(facilitator, kind, day)
        if seen >= needed:
            met.append(f"{seen} observed conferences judged competent.")
        else:
            missing.append(
                f"{needed - seen} more observed conference{'s' if needed - seen != 1 else ''} of this kind "
                f"judged competent ({seen} of {needed} in the last {OBSERVATIONS_MONTHS} months)."
            )
    return Standing(level=level, met=met, missing=missing)


def cpd_hours(facilitator, since: date, until: date) -> Decimal:
    """Return the hours of training passed after `since` up to `until`: CPD for renewal.

    The period's first day is left out: the training that earned the grant is not development after it.
    """
    total = (
        Attendance.objects.passed()
        .filter(user=facilitator, completed_on__gt=since, completed_on__lte=until)
        .aggregate(hours=Sum("course__hours"))["hours"]
    )
    return total or Decimal("0")


# Short names of the kinds, for a line about a facilitator beside their name.
SHORT_KIND = {
    ConferenceKind.VICTIM_OFFENDER: "victim-offender",
    ConferenceKind.FAMILY_GROUP: "family group",
    ConferenceKind.COMMUNITY_CIRCLE: "community circle",
    ConferenceKind.PEACEMAKING_CIRCLE: "peacemaking circle",
    ConferenceKind.SURROGATE_VICTIM: "surrogate victim",
    ConferenceKind.SHUTTLE: "shuttle",
}


def accreditation_lines(facilitator_pks, day: date) -> dict[int, str]:
    """Return, for each facilitator, what they are accredited for on `day` in one short line (one query)."""
    held: dict[int, dict[str, list[str]]] = {}
    for accreditation in Accreditation.objects.current_on(day).filter(facilitator_id__in=list(facilitator_pks)):
        levels = held.setdefault(accreditation.facilitator_id, {})
        levels.setdefault(accreditation.level, []).append(SHORT_KIND[accreditation.conference_kind])
    lines = {}
    for pk in facilitator_pks:
        levels = held.get(pk, {})
        leads = sorted(levels.get(Level.ACCREDITED, []) + levels.get(Level.SENIOR, []))
        parts = []
        if leads:
            parts.append("leads " + ", ".join(leads))
        if levels.get(Level.TRAINEE):
            parts.append("trainee for " + ", ".join(sorted(levels[Level.TRAINEE])))
        lines[pk] = "; ".join(parts) if parts else "no current accreditation"
    return lines
