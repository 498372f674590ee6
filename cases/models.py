"""The case an accepted referral opens: its lifecycle, preparation, notes and follow-ups."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition
from simple_history.models import HistoricalRecords

# The ground floor's models carry this app's label; importing them here registers them with it.
from people.models import (  # noqa: F401
    Agency,
    AuditEntry,
    ContactDetails,
    Ethnicity,
    Gender,
    Notification,
    Partner,
    Person,
    Role,
    Unit,
    User,
    UserManager,
)


class CaseStatus(models.TextChoices):
    INTAKE = "intake", "Intake"
    READY = "ready", "Ready"
    SCHEDULED = "scheduled", "Conference scheduled"
    CONFERENCE_HELD = "conference_held", "Conference held"
    MONITORING = "monitoring", "Monitoring agreement"
    COMPLETED = "completed", "Completed"
    RETURNED = "returned", "Returned to agency"
    CLOSED_NO_CONFERENCE = "closed_no_conference", "Closed without conference"


OPEN_CASE_STATUSES = (
    CaseStatus.INTAKE,
    CaseStatus.READY,
    CaseStatus.SCHEDULED,
    CaseStatus.CONFERENCE_HELD,
    CaseStatus.MONITORING,
)


class ReturnReason(models.TextChoices):
    WITHDREW_CONSENT = "withdrew_consent", "Withdrew consent"
    NO_CONTACT = "no_contact", "No contact"
    NON_COMPLIANCE = "non_compliance", "Did not comply with the agreement"
    RE_ARREST = "re_arrest", "Re-arrested"
    OTHER = "other", "Other"


class Case(FSMModelMixin, models.Model):
    """The restorative process an accepted referral opens. One referral opens at most one case."""

    referral = models.OneToOneField("referrals.Referral", on_delete=models.PROTECT, related_name="case")
    status = FSMField(max_length=30, choices=CaseStatus.choices, default=CaseStatus.INTAKE, protected=True)
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="cases"
    )
    co_facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="co_cases"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    status_changed_at = models.DateTimeField(default=timezone.now)
    last_activity_at = models.DateTimeField(
        default=timezone.now, help_text="When anything last happened on the case: what 'stalled' is measured from."
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    return_reason = models.CharField(max_length=30, choices=ReturnReason.choices, blank=True)
    closing_note = models.TextField(blank=True, help_text="Why the case was returned or closed.")
    history = HistoricalRecords(excluded_fields=["status", "last_activity_at"])

    class Meta:
        indexes = [
            models.Index(fields=["status", "opened_at"], name="case_status_opened"),
            models.Index(fields=["facilitator", "status"], name="case_facilitator_status"),
            models.Index(fields=["co_facilitator", "status"], name="case_co_facilitator_status"),
            models.Index(fields=["status", "last_activity_at"], name="case_status_activity"),
            models.Index(fields=["-opened_at", "-id"], name="case_opened"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(co_facilitator__isnull=True) | ~Q(co_facilitator=F("facilitator")),
                name="case_co_facilitator_differs",
            )
        ]

    def __str__(self):
        return self.reference

    def get_absolute_url(self):
        return reverse("cases:detail", args=[self.pk])

    @property
    def reference(self):
        return self.referral.reference

    @property
    def is_open(self):
        return self.status in OPEN_CASE_STATUSES

    def facilitated_by(self, user) -> bool:
        return user.pk is not None and user.pk in (self.facilitator_id, self.co_facilitator_id)

    # The allowed moves; cases/transitions.py is the one writer that calls them.
    @transition(field=status, source=CaseStatus.INTAKE, target=CaseStatus.READY)
    def mark_ready(self):
        pass

    @transition(field=status, source=CaseStatus.READY, target=CaseStatus.INTAKE)
    def back_to_intake(self):
        pass

    @transition(field=status, source=CaseStatus.READY, target=CaseStatus.SCHEDULED)
    def schedule(self):
        pass

    @transition(field=status, source=CaseStatus.SCHEDULED, target=CaseStatus.READY)
    def unschedule(self):
        pass

    @transition(field=status, source=CaseStatus.SCHEDULED, target=CaseStatus.CONFERENCE_HELD)
    def hold_conference(self):
        pass

    @transition(field=status, source=CaseStatus.CONFERENCE_HELD, target=CaseStatus.MONITORING)
    def start_monitoring(self):
        pass

    @transition(field=status, source=CaseStatus.MONITORING, target=CaseStatus.COMPLETED)
    def complete(self):
        self.closed_at = timezone.now()

    @transition(
        field=status,
        source=[CaseStatus.INTAKE, CaseStatus.READY, CaseStatus.SCHEDULED, CaseStatus.CONFERENCE_HELD],
        target=CaseStatus.CLOSED_NO_CONFERENCE,
    )
    def close_without_conference(self):
        self.closed_at = timezone.now()

    @transition(field=status, source=list(OPEN_CASE_STATUSES), target=CaseStatus.RETURNED)
    def return_to_agency(self):
        self.closed_at = timezone.now()


class CaseEvent(models.Model):
    """One entry of a case's timeline: a move between stages, or anything else done on the case.

    Moves carry from/to statuses; other kinds (a contact, a consent, a conference…) carry a summary.
    Summaries hold no contact details and no conference content: the timeline is for the case's
    facilitators and supervisors, but a summary should be safe to show wherever the event is.
    """

    class Kind(models.TextChoices):
        MOVE = "move", "Stage"
        ASSIGNMENT = "assignment", "Assignment"
        CONTACT = "contact", "Contact"
        CONSENT = "consent", "Consent"
        ASSESSMENT = "assessment", "Assessment"
        CONFERENCE = "conference", "Conference"
        AGREEMENT = "agreement", "Agreement"
        EXCHANGE = "exchange", "Exchange"
        NOTE = "note", "Note"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.MOVE)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    from_status = models.CharField(max_length=30, blank=True)
    to_status = models.CharField(max_length=30, blank=True)
    summary = models.CharField(max_length=300, blank=True)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["case", "created_at"], name="case_event_case_created")]

    def __str__(self):
        return f"{self.case_id}: {self.summary or f'{self.from_status} -> {self.to_status}'}"

    @property
    def from_label(self):
        return CaseStatus(self.from_status).label if self.from_status else ""

    @property
    def to_label(self):
        return CaseStatus(self.to_status).label if self.to_status else ""


class ContactAttempt(models.Model):
    """One attempt to reach a party while preparing the case."""

    class Channel(models.TextChoices):
        PHONE = "phone", "Phone"
        TEXT = "text", "Text message"
        EMAIL = "email", "Email"
        LETTER = "letter", "Letter"
        IN_PERSON = "in_person", "In person"
        VIDEO = "video", "Video call"

    class Outcome(models.TextChoices):
        REACHED = "reached", "Reached"
        NO_ANSWER = "no_answer", "No answer"
        REFUSED = "refused", "Refused"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="contacts")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    contacted_at = models.DateTimeField()
    channel = models.CharField(max_length=20, choices=Channel.choices)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-contacted_at", "-pk"]

    def __str__(self):
        return f"{self.get_channel_display()} {self.get_outcome_display().lower()} ({self.contacted_at:%Y-%m-%d})"


class ConsentPurpose(models.TextChoices):
    CONFERENCE = "conference", "Take part in a conference"
    SHARE_OUTCOME = "share_outcome", "Share the outcome with the police"
    # The harmed party's opt-in to hear how it goes: the agreement, the items that repair their harm,
    # and how the case closed (reminders/planning.py, plan_harmed_party_notices).
    KEEP_INFORMED = "keep_informed", "Be kept informed of the agreement and the outcome"
    # Writing and reading statements in an asynchronous exchange (conferences/exchanges.py): withdrawn,
    # it closes the exchanges the person takes part in.
    EXCHANGE = "exchange", "Take part in an asynchronous exchange"


class Consent(models.Model):
    """A participant's consent to one purpose, given by them or, for a juvenile, by a guardian."""

    class Method(models.TextChoices):
        WRITTEN = "written", "In writing (signed form)"
        VERBAL = "verbal", "Verbally, in person"
        PHONE = "phone", "By phone"
        EMAIL = "email", "By email"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="consents")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(max_length=20, choices=ConsentPurpose.choices)
    given_by = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="+", help_text="The participant, or the guardian of a juvenile."
    )
    given_on = models.DateField()
    method = models.CharField(max_length=20, choices=Method.choices)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawal_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["person_id", "purpose", "-recorded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "person", "purpose", "given_by"],
                condition=Q(withdrawn_at__isnull=True),
                name="consent_one_active_per_giver",
            )
        ]

    def __str__(self):
        return f"{self.get_purpose_display()} ({'withdrawn' if self.withdrawn_at else 'given'})"

    @property
    def is_active(self):
        return self.withdrawn_at is None

    @property
    def by_guardian(self):
        return self.given_by_id != self.person_id


class Assessment(models.Model):
    """The facilitator's readiness and risk assessment of one participant, signed off by a supervisor."""

    class Risk(models.TextChoices):
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assessments")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    will_attend = models.BooleanField(default=True, help_text="Will this person take part in the conference?")
    ready = models.BooleanField(default=False, help_text="Is the person prepared and ready to take part?")
    risk = models.CharField(max_length=10, choices=Risk.choices)
    notes = models.TextField(blank=True, help_text="Confidential to the case's facilitators and supervisors.")
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assessed_at = models.DateTimeField(default=timezone.now)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "person"], name="assessment_once_per_person")]

    def __str__(self):
        return f"Assessment of person {self.person_id} on case {self.case_id}"

    @property
    def is_signed_off(self):
        return self.signed_off_at is not None


class CaseNote(models.Model):
    """A facilitator's note on the case: confidential to its facilitators and supervisors."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"Note on case {self.case_id}"


class ReoffendingCheck(models.Model):
    """A follow-up at 6, 12 or 24 months after a case closed: was the responsible party re-arrested?

    Created when the case closes; it appears on the supervisors' list once due, and the answer is
    recorded here, on the case. A referral found eligible but declined gets the same checks, from
    the day it was declined and without a case: it is the comparison group of the evaluation
    (docs/dashboard.md, time to reoffence).
    """

    referral = models.ForeignKey("referrals.Referral", on_delete=models.CASCADE, related_name="reoffending_checks")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reoffending_checks", null=True, blank=True)
    months = models.PositiveSmallIntegerField()
    due_on = models.DateField()
    reoffended = models.BooleanField(null=True, blank=True, help_text="Re-arrested or charged since the case closed?")
    reoffended_on = models.DateField(null=True, blank=True)
    offences = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="How many new offences since the follow-up began, where the records say."
    )
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["due_on"], name="reoffending_open_due", condition=Q(recorded_at__isnull=True))]
        constraints = [
            models.UniqueConstraint(fields=["referral", "months"], name="reoffending_check_once"),
            models.CheckConstraint(
                condition=Q(reoffended=True) | Q(reoffended_on__isnull=True), name="reoffending_date_only_if_reoffended"
            ),
            models.CheckConstraint(
                condition=Q(reoffended=True) | Q(offences__isnull=True), name="reoffending_offences_only_if_reoffended"
            ),
            models.CheckConstraint(
                condition=Q(offences__isnull=True) | Q(offences__gte=1), name="reoffending_offences_some"
            ),
        ]

    def __str__(self):
        if self.case_id is None:
            return f"{self.months}-month reoffending check of declined referral {self.referral_id}"
        return f"{self.months}-month reoffending check of case {self.case_id}"

    def save(self, *args, **kwargs):
        if self.referral_id is None and self.case_id is not None:
            self.referral_id = self.case.referral_id  # a case's check is about its referral
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        """The page that records the answer."""
        if self.case_id is None:
            return reverse("cases:record_comparison_check", args=[self.pk])
        return reverse("cases:record_check", args=[self.case_id, self.pk])

    @property
    def is_answered(self):
        return self.recorded_at is not None

    @property
    def is_comparison(self) -> bool:
        """A check of a referral declined while eligible: the evaluation's comparison group."""
        return self.case_id is None

    @property
    def subject(self):
        """What the check is about, as the list links to it: the case, or the declined referral."""
        return self.referral if self.case_id is None else self.case

    @property
    def followed_from(self):
        """The day the follow-up began: the case's closing, or the referral's decline."""
        moment = self.referral.screened_at if self.case_id is None else self.case.closed_at
        return timezone.localdate(moment) if moment else None


class SatisfactionSurvey(models.Model):
    """The harmed party's satisfaction survey: reached through an expiring, single-use link.

    Only a hash of the link's token is stored; the token itself is in the message that was sent.
    """

    class Score(models.IntegerChoices):
        # Translated: the survey's page is in the harmed party's language.
        VERY_DISSATISFIED = 1, _("Very dissatisfied")
        DISSATISFIED = 2, _("Dissatisfied")
        NEUTRAL = 3, _("Neither satisfied nor dissatisfied")
        SATISFIED = 4, _("Satisfied")
        VERY_SATISFIED = 5, _("Very satisfied")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="surveys")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    satisfaction = models.PositiveSmallIntegerField(choices=Score.choices, null=True, blank=True)
    felt_heard = models.BooleanField(null=True, blank=True, help_text="Did they feel heard?")
    harm_repaired = models.BooleanField(null=True, blank=True, help_text="Was the harm repaired?")
    would_recommend = models.BooleanField(null=True, blank=True)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["-sent_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["case", "person"], name="survey_once_per_person")]

    def __str__(self):
        return f"Satisfaction survey of case {self.case_id}"

    @property
    def is_answered(self):
        return self.answered_at is not None
