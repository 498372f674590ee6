"""Conferences and circles, their participants, and the agreements they reach."""

import uuid
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition
from simple_history.models import HistoricalRecords

from cases.models import Case
from people.fields import EncryptedTextField
from people.models import Partner, Person
from training.models import ConferenceKind  # the kinds facilitators are accredited for


class Venue(models.Model):
    """A room where conferences are held, often a partner's. A venue cannot be double-booked."""

    name = models.CharField(max_length=200)
    address = models.TextField()
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, null=True, blank=True, related_name="venues")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.partner})" if self.partner_id else self.name


class ConferenceStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    HELD = "held", "Held"
    CANCELLED = "cancelled", "Cancelled"


class ConferenceQuerySet(models.QuerySet):
    def overlapping(self, starts_at, ends_at):
        """Return scheduled conferences whose time overlaps [starts_at, ends_at)."""
        return self.filter(status=ConferenceStatus.SCHEDULED, starts_at__lt=ends_at, ends_at__gt=starts_at)

    def upcoming(self):
        return self.filter(status=ConferenceStatus.SCHEDULED, ends_at__gte=timezone.now()).order_by("starts_at")


class Conference(FSMModelMixin, models.Model):
    """A facilitated meeting of a case, in person at a venue or address, or virtual by a link.

    `uid` and `sequence` identify the calendar invitation: the uid never changes, the sequence
    grows with every reschedule so that calendars replace the earlier invitation.
    On PostgreSQL an exclusion constraint (migration 0002) refuses overlapping scheduled
    conferences at one venue, as ConferenceFacilitator's does for one facilitator.
    """

    class Mode(models.TextChoices):
        IN_PERSON = "in_person", "In person"
        VIRTUAL = "virtual", "Virtual"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="conferences")
    kind = models.CharField(max_length=30, choices=ConferenceKind.choices)
    status = FSMField(
        max_length=20, choices=ConferenceStatus.choices, default=ConferenceStatus.SCHEDULED, protected=True
    )
    starts_at = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField(default=120)
    ends_at = models.DateTimeField(editable=False)
    mode = models.CharField(max_length=20, choices=Mode.choices, default=Mode.IN_PERSON)
    venue = models.ForeignKey(Venue, on_delete=models.PROTECT, null=True, blank=True, related_name="conferences")
    address = models.TextField(blank=True, help_text="Where, when not at one of the programme's venues.")
    meeting_link = models.URLField(blank=True, max_length=500)
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(default=0)
    notes = models.TextField(blank=True, help_text="Confidential to the case's facilitators and supervisors.")
    cancel_reason = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    held_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["status", "notes"])

    objects = ConferenceQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]
        indexes = [
            models.Index(fields=["status", "starts_at"], name="conference_status_start"),
            models.Index(fields=["starts_at", "id"], name="conference_start"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="conference_ends_after_start"),
            models.CheckConstraint(
                condition=Q(mode="virtual", meeting_link__gt="")
                | Q(mode="in_person", venue__isnull=False)
                | Q(mode="in_person", address__gt=""),
                name="conference_has_a_place",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} on {timezone.localtime(self.starts_at):%d %b %Y %H:%M}"

    def save(self, *args, **kwargs):
        self.ends_at = self.starts_at + timedelta(minutes=self.duration_minutes)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("conferences:detail", args=[self.pk])

    @property
    def is_scheduled(self) -> bool:
        return self.status == ConferenceStatus.SCHEDULED

    @property
    def place(self) -> str:
        if self.mode == self.Mode.VIRTUAL:
            return "Online"
        return str(self.venue) if self.venue_id else self.address

    @property
    def place_details(self) -> str:
        """Return where to go, or the link to join: what an invitation says."""
        if self.mode == self.Mode.VIRTUAL:
            return self.meeting_link
        return f"{self.venue.name}, {self.venue.address}" if self.venue_id else self.address

    # The allowed moves; conferences/services.py moves them through cases.transitions.
    @transition(field=status, source=ConferenceStatus.SCHEDULED, target=ConferenceStatus.HELD)
    def hold(self):
        self.held_at = timezone.now()

    @transition(field=status, source=ConferenceStatus.SCHEDULED, target=ConferenceStatus.CANCELLED)
    def cancel(self):
        pass


class ConferenceFacilitator(models.Model):
    """A facilitator booked for a conference. The time is copied here so that PostgreSQL can
    refuse a second, overlapping booking of the same facilitator (an exclusion constraint)."""

    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="bookings")
    facilitator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bookings")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    active = models.BooleanField(default=True)
    is_lead = models.BooleanField(
        default=False, db_default=False, help_text="Leads the conference; the others co-facilitate."
    )
    lead_override_reason = models.TextField(
        blank=True,
        db_default="",
        help_text="Why a supervisor let them lead without a current accreditation for the kind.",
    )
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conference", "facilitator"], name="booking_once_per_conference"),
            models.UniqueConstraint(
                fields=["conference"], condition=Q(is_lead=True, active=True), name="booking_one_lead"
            ),
        ]

    def __str__(self):
        return f"Facilitator {self.facilitator_id} at conference {self.conference_id}"


class Participant(models.Model):
    """Someone invited to a conference: a party, a guardian, a supporter, a community member, the officer."""

    class Role(models.TextChoices):
        RESPONSIBLE = "responsible", "Responsible party"
        HARMED = "harmed", "Harmed party"
        GUARDIAN = "guardian", "Guardian"
        SUPPORTER = "supporter", "Supporter"
        COMMUNITY = "community", "Community member"
        OFFICER = "officer", "Police officer"

    class Invitation(models.TextChoices):
        TO_INVITE = "to_invite", "Not invited yet"
        INVITED = "invited", "Invited"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        OTHER_TIME = "other_time", "Asked for another time"

    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="participants")
    role = models.CharField(max_length=20, choices=Role.choices)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    name = models.CharField(max_length=200, blank=True, help_text="For a community member who is not on record.")
    invitation = models.CharField(max_length=20, choices=Invitation.choices, default=Invitation.TO_INVITE)
    attended = models.BooleanField(null=True, blank=True)
    # The invitation that reached them (conferences/invitations.py): when it was sent, and their answer
    # through its link. Only the link's hash is kept; a new invitation (after a move) replaces it.
    invited_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    # Database defaults too: bulk loads (the benchmark's seeder copies rows) may leave them out.
    answer_note = models.TextField(
        blank=True, default="", db_default="", max_length=1000, help_text="What they wrote with their answer."
    )
    link_hash = models.CharField(max_length=64, blank=True, default="", db_default="", db_index=True, editable=False)
    link_expires_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False) | Q(user__isnull=False) | ~Q(name=""),
                name="participant_is_someone",
            ),
            models.UniqueConstraint(fields=["conference", "person"], name="participant_person_once"),
        ]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        if self.person_id:
            return self.person.display_name
        if self.user_id:
            return str(self.user)
        return self.name


class Agreement(models.Model):
    """What a conference agreed. Renegotiating makes a new version; earlier ones stay visible."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="agreements")
    version = models.PositiveSmallIntegerField(default=1)
    conference = models.ForeignKey(Conference, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    summary = models.TextField(blank=True, help_text="What the parties agreed, in their words.")
    renegotiation_reason = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["case", "version"], name="agreement_version_once"),
            models.UniqueConstraint(
                fields=["case"], condition=Q(superseded_at__isnull=True), name="agreement_one_current"
            ),
        ]

    def __str__(self):
        return f"Agreement v{self.version} of case {self.case_id}"

    @property
    def is_current(self):
        return self.superseded_at is None

    def open_items(self) -> list["AgreementItem"]:
        """Return the items still pending or missed: the case completes when there are none."""
        return [item for item in self.items.all() if item.status not in (ItemStatus.COMPLETED, ItemStatus.WAIVED)]


class ItemKind(models.TextChoices):
    # Translated: participants' messages name their items in their language.
    RESTITUTION = "restitution", _("Restitution")
    COMMUNITY_SERVICE = "community_service", _("Community service")
    APOLOGY = "apology", _("Apology letter")
    PROGRAMME = "programme", _("Programme or counselling")
    SCHOOL = "school", _("School attendance")
    OTHER = "other", _("Other")


class ItemStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    COMPLETED = "completed", "Completed"
    MISSED = "missed", "Missed"
    WAIVED = "waived", "Waived"


def open_first():
    """Return the sort key that puts pending items before settled ones (indexed with the due date)."""
    return models.Case(models.When(status=ItemStatus.PENDING, then=0), default=1, output_field=models.IntegerField())


class AgreementItemQuerySet(models.QuerySet):
    def live(self):
        """Return items still followed up: of a current agreement of a case being monitored.

        A renegotiated version's items, and those of a closed case, are history.
        """
        return self.filter(agreement__superseded_at__isnull=True, agreement__case__status="monitoring")

    def overdue(self, today=None):
        return self.live().filter(status=ItemStatus.PENDING, due_date__lt=today or timezone.localdate())


class AgreementItem(FSMModelMixin, models.Model):
    """One thing the responsible party agreed to do, with its due date and who supervises it."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(max_length=30, choices=ItemKind.choices)
    description = models.CharField(max_length=300)
    amount = models.DecimalField(
        max_digits=9, decimal_places=2, null=True, blank=True, help_text="Restitution: the sum to pay."
    )
    hours = models.DecimalField(
        max_digits=6, decimal_places=1, null=True, blank=True, help_text="Community service: the hours to do."
    )
    due_date = models.DateField()
    harmed_party = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+", help_text="Whom it repairs."
    )
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, null=True, blank=True, related_name="items", help_text="Who supervises it."
    )
    status = FSMField(max_length=20, choices=ItemStatus.choices, default=ItemStatus.PENDING, protected=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status_note = models.TextField(blank=True)
    history = HistoricalRecords(excluded_fields=["status"])

    objects = AgreementItemQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "pk"]
        indexes = [
            models.Index(fields=["partner", "status", "due_date"], name="item_partner_status_due"),
            models.Index(fields=["status", "due_date"], name="item_status_due"),
            models.Index(open_first(), "due_date", "id", name="item_open_first_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="restitution") | Q(amount__gt=0), name="item_restitution_has_amount"
            ),
            models.CheckConstraint(
                condition=~Q(kind="community_service") | Q(hours__gt=0), name="item_service_has_hours"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.description}"

    def get_absolute_url(self):
        return reverse("agreements:item", args=[self.pk])

    @property
    def is_overdue(self):
        return (
            self.status == ItemStatus.PENDING
            and self.agreement.superseded_at is None
            and self.due_date < timezone.localdate()
        )

    @property
    def amount_paid(self):
        return sum((p.amount for p in self.payments.all()), start=0)

    @property
    def hours_done(self):
        return sum((h.hours for h in self.hours_entries.all()), start=0)

    @transition(field=status, source=ItemStatus.PENDING, target=ItemStatus.COMPLETED)
    def complete(self):
        pass

    @transition(field=status, source=ItemStatus.PENDING, target=ItemStatus.MISSED)
    def miss(self):
        pass

    @transition(field=status, source=[ItemStatus.PENDING, ItemStatus.MISSED], target=ItemStatus.WAIVED)
    def waive(self):
        pass


class Payment(models.Model):
    """A restitution payment, entered in the item's ledger."""

    item = models.ForeignKey(AgreementItem, on_delete=models.CASCADE, related_name="payments")
    amount = models.DecimalField(max_digits=9, decimal_places=2)
    paid_on = models.DateField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["paid_on", "pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payment_positive")]

    def __str__(self):
        return f"{self.amount} on {self.paid_on}"


class ServiceHours(models.Model):
    """Community service hours worked, entered in the item's log."""

    item = models.ForeignKey(AgreementItem, on_delete=models.CASCADE, related_name="hours_entries")
    hours = models.DecimalField(max_digits=5, decimal_places=1)
    worked_on = models.DateField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["worked_on", "pk"]
        verbose_name_plural = "service hours"
        constraints = [models.CheckConstraint(condition=Q(hours__gt=0), name="service_hours_positive")]

    def __str__(self):
        return f"{self.hours} h on {self.worked_on}"


# Asynchronous exchanges --------------------------------------------------------------------------


class ExchangePurpose(models.TextChoices):
    """What a participant is asked to write. Translated: the writer's page names it in their language."""

    HARM = "harm", _("Account of what happened and how it affected you")
    QUESTIONS = "questions", _("Questions you would like answered")
    REFLECTION = "reflection", _("Reflection on what happened")
    ANSWERS = "answers", _("Answers to the questions you were sent")
    APOLOGY = "apology", _("Letter of apology")
    OTHER = "other", _("Anything else you would like to say")


class ExchangeSide(models.TextChoices):
    """Who wrote a statement, as the others read it: a side, never a name."""

    RESPONSIBLE = "responsible", _("The person responsible")
    HARMED = "harmed", _("The person harmed")
    GUARDIAN = "guardian", _("A parent or guardian")
    SUPPORTER = "supporter", _("A supporter")


#: What each side may be asked to write; an apology is the responsible party's to give.
PURPOSES_BY_SIDE = {
    ExchangeSide.HARMED: [ExchangePurpose.HARM, ExchangePurpose.QUESTIONS, ExchangePurpose.OTHER],
    ExchangeSide.RESPONSIBLE: [
        ExchangePurpose.REFLECTION,
        ExchangePurpose.ANSWERS,
        ExchangePurpose.APOLOGY,
        ExchangePurpose.OTHER,
    ],
    ExchangeSide.GUARDIAN: [ExchangePurpose.REFLECTION, ExchangePurpose.QUESTIONS, ExchangePurpose.OTHER],
    ExchangeSide.SUPPORTER: [ExchangePurpose.OTHER],
}


class ExchangeStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Exchange(FSMModelMixin, models.Model):
    """An asynchronous restorative exchange on a case: indirect (shuttle) work, or preparation for a meeting.

    The facilitator asks chosen participants for statements; each writes through their own link in
    their own time, and nothing reaches the others until a facilitator has read it and shared it
    (conferences/exchanges.py). The links work until the end of `open_until`, or until it closes.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="exchanges")
    status = FSMField(max_length=10, choices=ExchangeStatus.choices, default=ExchangeStatus.OPEN, protected=True)
    open_until = models.DateField(help_text="The participants' links work until the end of this day.")
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    close_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-opened_at", "-pk"]
        verbose_name_plural = "exchanges"

    def __str__(self):
        return f"Exchange of {timezone.localtime(self.opened_at):%d %b %Y}"

    def get_absolute_url(self):
        return reverse("exchanges:detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == ExchangeStatus.OPEN and timezone.now() < self.links_expire_at

    @property
    def links_expire_at(self):
        """The end of `open_until` in the programme's time zone."""
        end = datetime.combine(self.open_until + timedelta(days=1), time.min)
        return timezone.make_aware(end, timezone.get_default_timezone())

    @property
    def summary(self) -> str:
        """How far it got, in a line: for the case page (reads members and statements, prefetched there)."""
        members = self.members.all()
        statuses = [statement.status for member in members for statement in member.statements.all()]
        parts = [f"{len(members)} people", f"{len(statuses)} statements asked for"]
        for status, words in ((StatementStatus.SUBMITTED, "to read"), (StatementStatus.SHARED, "shared")):
            if count := statuses.count(status):
                parts.append(f"{count} {words}")
        return " · ".join(parts)

    @transition(field=status, source=ExchangeStatus.OPEN, target=ExchangeStatus.CLOSED)
    def close(self):
        self.closed_at = timezone.now()


class ExchangeMember(models.Model):
    """A participant taking part in an exchange, with the link they write and read by (its hash only)."""

    exchange = models.ForeignKey(Exchange, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    side = models.CharField(max_length=20, choices=ExchangeSide.choices)
    link_hash = models.CharField(max_length=64, blank=True, default="", db_index=True, editable=False)
    link_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    linked_at = models.DateTimeField(null=True, blank=True, help_text="When their newest link was sent.")

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["exchange", "person"], name="exchange_member_once")]

    def __str__(self):
        return f"{self.person} in exchange {self.exchange_id}"


class StatementStatus(models.TextChoices):
    REQUESTED = "requested", "Asked for"
    DRAFT = "draft", "Draft saved"
    SUBMITTED = "submitted", "Sent, to read"
    SHARED = "shared", "Shared"


class Statement(FSMModelMixin, models.Model):
    """One thing a member is asked to write, what they wrote, and what the others were given to read.

    `text` is the writer's (a draft, then what they sent), kept as sent: it is for the case's
    facilitators and supervisors only. `shared_text` is what the others read, the facilitator's
    copy with anything that should not reach them taken out (`redacted`). Both encrypted at rest.
    """

    member = models.ForeignKey(ExchangeMember, on_delete=models.CASCADE, related_name="statements")
    purpose = models.CharField(max_length=20, choices=ExchangePurpose.choices)
    prompt = models.TextField(blank=True, max_length=1000, help_text="What the facilitator asks, in their words.")
    item = models.ForeignKey(
        AgreementItem,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The apology letter of the agreement that this statement delivers.",
    )
    status = FSMField(max_length=20, choices=StatementStatus.choices, default=StatementStatus.REQUESTED, protected=True)
    text = EncryptedTextField(blank=True)
    shared_text = EncryptedTextField(blank=True)
    redacted = models.BooleanField(default=False)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    saved_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    shared_at = models.DateTimeField(null=True, blank=True)
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["requested_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(item__isnull=True) | Q(purpose="apology"), name="statement_item_apology")
        ]

    def __str__(self):
        return f"{self.get_purpose_display()} ({self.get_status_display().lower()})"

    @property
    def is_writable(self) -> bool:
        return self.status in (StatementStatus.REQUESTED, StatementStatus.DRAFT)

    @transition(field=status, source=[StatementStatus.REQUESTED, StatementStatus.DRAFT], target=StatementStatus.DRAFT)
    def save_draft(self):
        self.saved_at = timezone.now()

    @transition(
        field=status, source=[StatementStatus.REQUESTED, StatementStatus.DRAFT], target=StatementStatus.SUBMITTED
    )
    def submit(self):
        self.saved_at = self.submitted_at = timezone.now()

    @transition(field=status, source=StatementStatus.SUBMITTED, target=StatementStatus.SHARED)
    def share(self):
        self.shared_at = timezone.now()
