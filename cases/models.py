"""People and organisations of the programme, and the case an accepted referral opens."""

from datetime import date

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models import CharField, F, Q, Value
from django.db.models.functions import Concat, Lower
from django.urls import reverse
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, transition
from simple_history.models import HistoricalRecords


class Role(models.TextChoices):
    OFFICER = "officer", "Police officer"
    SUPERVISOR = "supervisor", "Supervisor"
    FACILITATOR = "facilitator", "Facilitator"
    PARTNER = "partner", "Community partner"
    ADMIN = "admin", "Administrator"


class Agency(models.Model):
    """A police force or other referring agency."""

    name = models.CharField(max_length=200, unique=True)
    code = models.CharField(max_length=20, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"

    def __str__(self):
        return self.name


class Unit(models.Model):
    """A team of an agency (a station, a neighbourhood team, a youth unit)."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="units")
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["agency__name", "name"]
        constraints = [models.UniqueConstraint(fields=["agency", "name"], name="unit_unique_name_per_agency")]

    def __str__(self):
        return f"{self.agency.code} · {self.name}"


class Partner(models.Model):
    """A community partner organisation: victim services, youth service, school, treatment provider."""

    class Kind(models.TextChoices):
        VICTIM_SERVICES = "victim_services", "Victim services"
        YOUTH_SERVICE = "youth_service", "Youth service"
        SCHOOL = "school", "School"
        TREATMENT = "treatment", "Treatment provider"
        COMMUNITY = "community", "Community organisation"

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    address = models.TextField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class UserManager(DjangoUserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """A person who logs in. The role decides what they see; see each app's permissions.py."""

    role = models.CharField(max_length=20, choices=Role.choices, default=Role.OFFICER)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="officers")
    badge_number = models.CharField(max_length=30, blank=True)
    is_unit_lead = models.BooleanField(
        default=False, help_text="A unit lead sees every referral of their unit, not only their own."
    )
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, null=True, blank=True, related_name="staff")

    objects = UserManager()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(role=Role.OFFICER) | Q(unit__isnull=False), name="officer_has_unit"),
            models.CheckConstraint(
                condition=~Q(role=Role.PARTNER) | Q(partner__isnull=False), name="partner_user_has_partner"
            ),
        ]

    def __str__(self):
        return self.get_full_name() or self.username

    @property
    def is_officer(self):
        return self.role == Role.OFFICER

    @property
    def is_supervisor(self):
        """Supervisors and administrators run the programme and see all of it."""
        return self.role in (Role.SUPERVISOR, Role.ADMIN)

    @property
    def is_facilitator(self):
        return self.role == Role.FACILITATOR

    @property
    def is_partner(self):
        return self.role == Role.PARTNER


class Gender(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    OTHER = "other", "Non-binary or other"
    NOT_STATED = "not_stated", "Not stated"


class Ethnicity(models.TextChoices):
    ASIAN = "asian", "Asian or Asian British"
    BLACK = "black", "Black, Black British, Caribbean or African"
    MIXED = "mixed", "Mixed or multiple ethnic groups"
    WHITE = "white", "White"
    OTHER = "other", "Other ethnic group"
    NOT_STATED = "not_stated", "Not stated"


def person_search_name():
    """Return the normalised name that person search matches: lower case, every name part.

    The same expression is indexed (a trigram index on PostgreSQL, migration
    0006_list_indexes_and_person_search), so that a search among a million people stays an index scan.
    """
    parts = ("first_name", Value(" "), "last_name", Value(" "), "organisation_name")
    return Lower(Concat(*parts, output_field=CharField()))


class PersonQuerySet(models.QuerySet):
    def search(self, text: str):
        """Return the people whose name contains every word of `text`, in any case."""
        people = self.alias(search_name=person_search_name())
        for word in text.lower().split():
            people = people.filter(search_name__contains=word)
        return people

    def matching(self, *, first_name, last_name, date_of_birth):
        """Return people who are probably the same individual: same name and date of birth."""
        return self.filter(
            kind=Person.Kind.INDIVIDUAL,
            first_name__iexact=first_name.strip(),
            last_name__iexact=last_name.strip(),
            date_of_birth=date_of_birth,
        )


class Person(models.Model):
    """A participant: a responsible or harmed party, a guardian or a supporter. Never a user.

    A harmed party may be an organisation (a shop); then only `organisation_name` is used.
    Contact details live in ContactDetails so that they can be shown only to those allowed.
    """

    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", "Individual"
        ORGANISATION = "organisation", "Organisation"

    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.INDIVIDUAL)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    organisation_name = models.CharField(max_length=200, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    gender = models.CharField(max_length=20, choices=Gender.choices, default=Gender.NOT_STATED)
    ethnicity = models.CharField(max_length=20, choices=Ethnicity.choices, default=Ethnicity.NOT_STATED)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    history = HistoricalRecords()

    objects = PersonQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["last_name", "first_name", "date_of_birth"], name="person_name_dob"),
            # PostgreSQL only: the migration skips it on SQLite, where search scans the table.
            GinIndex(OpClass(person_search_name(), name="gin_trgm_ops"), name="person_search_name_trgm"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="individual") & ~Q(last_name=""))
                | (Q(kind="organisation") & ~Q(organisation_name="")),
                name="person_has_a_name",
            )
        ]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        if self.kind == self.Kind.ORGANISATION:
            return self.organisation_name
        return f"{self.first_name} {self.last_name}".strip()

    def age_on(self, day: date) -> int | None:
        """Return the person's age in whole years on `day`, or None without a date of birth."""
        if self.date_of_birth is None:
            return None
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    def is_juvenile_on(self, day: date) -> bool:
        age = self.age_on(day)
        return age is not None and age < settings.JUVENILE_AGE

    @property
    def is_juvenile(self) -> bool:
        return self.is_juvenile_on(timezone.localdate())


class ContactDetails(models.Model):
    """How to reach a participant. Shown only where data protection allows (DESIGN.md, rule 2)."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="contact")
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    address = models.TextField(blank=True)
    time_zone = models.CharField(
        max_length=60, blank=True, help_text="Where they live, if not the programme's time zone (e.g. Europe/Dublin)."
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "contact details"

    def __str__(self):
        return f"Contact details of person {self.person_id}"


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


class AuditEntryQuerySet(models.QuerySet):
    """Bulk changes are refused too; on PostgreSQL a trigger refuses them whatever the client."""

    def update(self, **kwargs):
        raise ValueError("Audit entries are append-only.")

    def delete(self):
        raise ValueError("Audit entries are append-only.")


class AuditEntry(models.Model):
    """An append-only record of a view or change of protected data, a login or a failed login."""

    class Action(models.TextChoices):
        LOGIN = "login", "Logged in"
        LOGIN_FAILED = "login_failed", "Failed login"
        LOGOUT = "logout", "Logged out"
        VIEW = "view", "Viewed"
        CREATE = "create", "Created"
        CHANGE = "change", "Changed"

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    action = models.CharField(max_length=20, choices=Action.choices)
    object_type = models.CharField(max_length=50, blank=True)
    object_id = models.CharField(max_length=50, blank=True)
    detail = models.CharField(max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "audit entries"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_id} {self.action} {self.object_type} {self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Audit entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Audit entries are append-only.")


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


class Notification(models.Model):
    """An in-app message to a user. Text says status and dates only, never conference content."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_unread")]

    def __str__(self):
        return self.text


class ReoffendingCheck(models.Model):
    """A follow-up at 6, 12 or 24 months after a case closed: was the responsible party re-arrested?

    Created when the case closes; it appears on the supervisors' list once due, and the answer is
    recorded here, on the case.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reoffending_checks")
    months = models.PositiveSmallIntegerField()
    due_on = models.DateField()
    reoffended = models.BooleanField(null=True, blank=True, help_text="Re-arrested or charged since the case closed?")
    reoffended_on = models.DateField(null=True, blank=True)
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["due_on"], name="reoffending_open_due", condition=Q(recorded_at__isnull=True))]
        constraints = [
            models.UniqueConstraint(fields=["case", "months"], name="reoffending_check_once"),
            models.CheckConstraint(
                condition=Q(reoffended=True) | Q(reoffended_on__isnull=True), name="reoffending_date_only_if_reoffended"
            ),
        ]

    def __str__(self):
        return f"{self.months}-month reoffending check of case {self.case_id}"

    @property
    def is_answered(self):
        return self.recorded_at is not None


class SatisfactionSurvey(models.Model):
    """The harmed party's satisfaction survey: reached through an expiring, single-use link.

    Only a hash of the link's token is stored; the token itself is in the message that was sent.
    """

    class Score(models.IntegerChoices):
        VERY_DISSATISFIED = 1, "Very dissatisfied"
        DISSATISFIED = 2, "Dissatisfied"
        NEUTRAL = 3, "Neither satisfied nor dissatisfied"
        SATISFIED = 4, "Satisfied"
        VERY_SATISFIED = 5, "Very satisfied"

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
