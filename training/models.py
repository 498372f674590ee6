"""Training and accreditation: courses and their sessions, who attended and passed, observed
practice, and the accreditations that let a facilitator lead a conference of a kind.

The kinds of restorative meeting live here, on the floor below cases and conferences, because a
facilitator is accredited per kind: conferences name their kind with it, training grants it.
"""

import uuid
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class ConferenceKind(models.TextChoices):
    # Translated: a participant's calendar invitation names the kind of meeting in their language.
    VICTIM_OFFENDER = "victim_offender", _("Victim-offender conference")
    FAMILY_GROUP = "family_group", _("Family group conference")
    COMMUNITY_CIRCLE = "community_circle", _("Community circle")
    PEACEMAKING_CIRCLE = "peacemaking_circle", _("Peacemaking circle")
    SURROGATE_VICTIM = "surrogate_victim", _("Surrogate-victim conference")
    SHUTTLE = "shuttle", _("Shuttle (indirect) mediation")


class CourseKind(models.TextChoices):
    OFFICER_AWARENESS = "officer_awareness", "Officer awareness"
    FACILITATOR_FOUNDATION = "facilitator_foundation", "Facilitator foundation"
    ADVANCED = "advanced", "Advanced practice"
    ROLE_PLAY = "role_play", "Role-play workshop"
    CASE_STUDY = "case_study", "Case-study session"
    CULTURAL_COMPETENCE = "cultural_competence", "Cultural competence"
    REFRESHER = "refresher", "Refresher"


class Course(models.Model):
    """A course the programme runs: what it is, how long, and what passing it qualifies for."""

    title = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=30, choices=CourseKind.choices)
    description = models.TextField(blank=True)
    hours = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("200"))],
        help_text="Contact hours; they count towards CPD.",
    )
    qualifies_for = models.JSONField(
        default=list,
        blank=True,
        help_text="The kinds of conference that passing it is training for (a list of kind codes).",
    )
    valid_months = models.PositiveSmallIntegerField(
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text="How long a pass counts: for an officer to be counted as trained, or towards an accreditation.",
    )
    active = models.BooleanField(default=True, help_text="Inactive courses keep their history but get no new sessions.")

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return self.title

    def get_qualifies_for_display(self) -> list[str]:
        return [ConferenceKind(code).label for code in self.qualifies_for if code in ConferenceKind.values]


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    HELD = "held", "Held"
    CANCELLED = "cancelled", "Cancelled"


class TrainingSessionQuerySet(models.QuerySet):
    def upcoming(self):
        return self.filter(status=SessionStatus.SCHEDULED, ends_at__gte=timezone.now()).order_by("starts_at")


class TrainingSession(models.Model):
    """One running of a course: when, where (a place or a link), who trains, how many can come.

    `uid` and `sequence` identify its calendar invitation, as a conference's do.
    """

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="sessions")
    starts_at = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField(
        default=180, validators=[MinValueValidator(15), MaxValueValidator(60 * 24)]
    )
    ends_at = models.DateTimeField(editable=False)
    place = models.CharField(max_length=300, blank=True, help_text="Where, for a session in a room.")
    meeting_link = models.URLField(max_length=500, blank=True, help_text="The link to join, for a session online.")
    trainer = models.CharField(max_length=200, help_text="Who trains: a name, or an organisation.")
    capacity = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(500)])
    status = models.CharField(max_length=20, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED)
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = TrainingSessionQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(place__gt="") | Q(meeting_link__gt=""), name="session_has_a_place"),
        ]

    def __str__(self):
        return f"{self.course} on {timezone.localtime(self.starts_at):%d %b %Y}"

    def save(self, *args, **kwargs):
        self.ends_at = self.starts_at + timedelta(minutes=self.duration_minutes)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("training:session", args=[self.pk])

    @property
    def where(self) -> str:
        return self.place or "Online"

    @property
    def is_scheduled(self) -> bool:
        return self.status == SessionStatus.SCHEDULED


class Result(models.TextChoices):
    PASSED = "passed", "Passed"
    NOT_YET = "not_yet", "Not yet competent"


class AttendanceQuerySet(models.QuerySet):
    def passed(self):
        return self.filter(result=Result.PASSED, completed_on__isnull=False)

    def counting_on(self, day: date):
        """Passes still counting on `day`: completed then or before, within their course's validity."""
        return [a for a in self.passed().select_related("course", "session__course") if a.counts_on(day)]


class Attendance(models.Model):
    """Someone invited to a session, and what came of it: attended, completed, assessed.

    An officer, a facilitator, a supervisor or a partner's staff member: anyone with an account.
    `course` is copied from the session so that a person's record reads in one query.
    """

    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE, related_name="attendances")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="+", editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="training")
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    invited_at = models.DateTimeField(default=timezone.now)
    attended = models.BooleanField(null=True, help_text="Unknown until the session is recorded.")
    completed_on = models.DateField(null=True, blank=True)
    result = models.CharField(max_length=20, choices=Result.choices, blank=True)
    assessment_note = models.CharField(max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(null=True, blank=True)

    objects = AttendanceQuerySet.as_manager()

    class Meta:
        ordering = ["session__starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="attendance_once_per_session"),
            models.CheckConstraint(
                condition=Q(completed_on__isnull=True) | Q(attended=True), name="attendance_completed_attended"
            ),
            models.CheckConstraint(
                condition=Q(result="") | Q(completed_on__isnull=False), name="attendance_result_when_completed"
            ),
        ]
        indexes = [models.Index(fields=["user", "completed_on"], name="attendance_user_completed")]

    def __str__(self):
        return f"{self.user} at {self.session}"

    def save(self, *args, **kwargs):
        self.course_id = self.session.course_id
        super().save(*args, **kwargs)

    @property
    def passed(self) -> bool:
        return self.result == Result.PASSED and self.completed_on is not None

    @property
    def counts_until(self) -> date | None:
        if not self.passed:
            return None
        return add_months(self.completed_on, self.course.valid_months)

    def counts_on(self, day: date) -> bool:
        return self.passed and self.completed_on <= day < self.counts_until


class Observation(models.Model):
    """A supervisor watched a facilitator at a conference and judged their practice.

    Observed practice is what turns training into accreditation. The conference is kept when the
    observation was made at one recorded here; the kind is copied so the record outlives it.
    """

    class Judgement(models.TextChoices):
        COMPETENT = "competent", "Competent"
        NOT_YET = "not_yet", "Not yet competent"

    facilitator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="observations")
    observer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    conference = models.ForeignKey(
        "conferences.Conference", on_delete=models.SET_NULL, null=True, blank=True, related_name="observations"
    )
    conference_kind = models.CharField(max_length=30, choices=ConferenceKind.choices)
    observed_on = models.DateField()
    judgement = models.CharField(max_length=20, choices=Judgement.choices)
    note = models.CharField(max_length=500, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-observed_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["facilitator", "conference"],
                condition=Q(conference__isnull=False),
                name="observation_once_per_conference",
            )
        ]

    def __str__(self):
        return f"{self.facilitator} observed on {self.observed_on:%d %b %Y}"


class Level(models.TextChoices):
    TRAINEE = "trainee", "Trainee"
    ACCREDITED = "accredited", "Accredited"
    SENIOR = "senior", "Senior"


# The levels that may lead a conference; a trainee co-facilitates.
LEADING_LEVELS = (Level.ACCREDITED, Level.SENIOR)


class AccreditationStatus(models.TextChoices):
    CURRENT = "current", "Current"
    LAPSED = "lapsed", "Lapsed"


class AccreditationQuerySet(models.QuerySet):
    def current_on(self, day: date):
        """Return accreditations valid on `day`: granted by then, not yet expired, not lapsed by then."""
        return self.filter(
            Q(status=AccreditationStatus.CURRENT) | Q(lapsed_on__gt=day), granted_on__lte=day, expires_on__gt=day
        )

    def leading(self, day: date):
        return self.current_on(day).filter(level__in=LEADING_LEVELS)

    def expiring_within(self, days: int, today: date | None = None):
        today = today or timezone.localdate()
        return self.current_on(today).filter(expires_on__lte=today + timedelta(days=days))


class Accreditation(models.Model):
    """A facilitator's standing for one kind of conference: its level, until when, and what renewing it needs.

    One row per facilitator and kind; a change of level or a renewal updates it and its history
    keeps every earlier state. It lapses by itself on `expires_on`: from that day it is no longer
    current whether or not the daily task has marked it yet (`current_on` reads the date).
    """

    facilitator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="accreditations")
    conference_kind = models.CharField(max_length=30, choices=ConferenceKind.choices)
    level = models.CharField(max_length=20, choices=Level.choices)
    status = models.CharField(max_length=20, choices=AccreditationStatus.choices, default=AccreditationStatus.CURRENT)
    granted_on = models.DateField()
    expires_on = models.DateField()
    cpd_hours_required = models.DecimalField(
        max_digits=4, decimal_places=1, help_text="Hours of training to complete before it can be renewed."
    )
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    renewed_on = models.DateField(null=True, blank=True)
    lapsed_on = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    objects = AccreditationQuerySet.as_manager()

    class Meta:
        ordering = ["expires_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["facilitator", "conference_kind"], name="accreditation_once_per_kind"),
            models.CheckConstraint(condition=Q(expires_on__gt=models.F("granted_on")), name="accreditation_expires"),
        ]
        indexes = [models.Index(fields=["status", "expires_on"], name="accreditation_status_expiry")]

    def __str__(self):
        return f"{self.get_level_display()} for {self.get_conference_kind_display()}"

    @property
    def period_started_on(self) -> date:
        """The day its current period began: CPD counts from here."""
        return self.renewed_on or self.granted_on

    def is_current_on(self, day: date) -> bool:
        not_lapsed = self.status == AccreditationStatus.CURRENT or (self.lapsed_on is not None and self.lapsed_on > day)
        return not_lapsed and self.granted_on <= day < self.expires_on

    @property
    def is_current(self) -> bool:
        return self.is_current_on(timezone.localdate())

    @property
    def may_lead(self) -> bool:
        return self.is_current and self.level in LEADING_LEVELS

    @property
    def days_left(self) -> int:
        return (self.expires_on - timezone.localdate()).days


def add_months(day: date, months: int) -> date:
    """Return the same day `months` later, or the month's last day when it has fewer days."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)
