"""Diversion referrals, their parties, the eligibility policy and the screening record."""

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.urls import reverse
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, transition
from simple_history.models import HistoricalRecords

from people.fields import EncryptedCharField, EncryptedEmailField, EncryptedTextField
from people.models import ContactDetails, Person
from rjcases.listing import NAME_MATCH_CAP, is_number_search


class OffenceCategory(models.Model):
    """An entry of the configurable list of offence categories."""

    name = models.CharField(max_length=100, unique=True)
    code = models.SlugField(max_length=40, unique=True)
    active = models.BooleanField(default=True, help_text="Inactive categories cannot be chosen for new referrals.")

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "offence categories"

    def __str__(self):
        return self.name


class EligibilityPolicy(models.Model):
    """The programme's eligibility rules, edited by an admin. There is one row: see current()."""

    excluded_categories = models.ManyToManyField(
        OffenceCategory, blank=True, related_name="+", help_text="Offences the programme never takes."
    )
    min_age = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Youngest age of a responsible party on the incident date."
    )
    max_age = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Oldest age of a responsible party on the incident date (blank: none)."
    )
    admission_required = models.BooleanField(
        default=True, help_text="Every responsible party must admit responsibility."
    )
    max_prior_diversions = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Most earlier diversions a responsible party may have (blank: no limit)."
    )
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(m2m_fields=[excluded_categories])

    class Meta:
        verbose_name_plural = "eligibility policy"
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="eligibility_policy_singleton"),
            models.CheckConstraint(
                condition=Q(min_age__isnull=True) | Q(max_age__isnull=True) | Q(min_age__lte=F("max_age")),
                name="eligibility_policy_age_bounds",
            ),
        ]

    def __str__(self):
        return "Eligibility policy"

    @classmethod
    def current(cls) -> "EligibilityPolicy":
        policy, _ = cls.objects.get_or_create(pk=1)
        return policy


class ReferenceCounter(models.Model):
    """The last reference number given out in a year: RJ-<year>-<number>."""

    audited = False  # a counter behind the reference numbers, which the audited referral rows carry

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.year}: {self.last}"

    @classmethod
    def next_reference(cls, year: int) -> str:
        """Return a new, never repeated reference. The update takes the row lock until commit."""
        # No savepoint of its own: an error here fails the referral's save, and so its transaction.
        with transaction.atomic(savepoint=False):
            if not cls.objects.filter(year=year).update(last=F("last") + 1):
                try:
                    with transaction.atomic():
                        cls.objects.create(year=year, last=1)
                except IntegrityError:  # another request created the year's row first
                    cls.objects.filter(year=year).update(last=F("last") + 1)
            number = cls.objects.get(year=year).last
        return f"RJ-{year}-{number:06d}"


class ReferralStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    NEEDS_INFO = "needs_info", "Needs information"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"


OPEN_STATUSES = (ReferralStatus.DRAFT, ReferralStatus.SUBMITTED, ReferralStatus.NEEDS_INFO)


class DeclineReason(models.TextChoices):
    NOT_ELIGIBLE = "not_eligible", "Not eligible under the policy"
    NO_ADMISSION = "no_admission", "Responsibility not admitted"
    HARMED_PARTY_OBJECTS = "harmed_party_objects", "Harmed party objects to diversion"
    INSUFFICIENT_INFORMATION = "insufficient_information", "Insufficient information"
    RISK = "risk", "Risk too high for a restorative process"
    OTHER = "other", "Other"


class ReferralQuerySet(models.QuerySet):
    def awaiting_screening(self):
        """Return submitted referrals, the longest waiting first."""
        return self.filter(status=ReferralStatus.SUBMITTED).order_by("submitted_at", "pk")

    def earlier_for_responsible_parties_of(self, referral):
        """Return other referrals naming any of `referral`'s responsible parties as responsible."""
        people = [p.person_id for p in referral.responsible_parties()]
        return (
            self.filter(parties__person__in=people, parties__role=PartyRole.RESPONSIBLE)
            .exclude(pk=referral.pk)
            .distinct()
            .order_by("-created_at")
        )

    def with_list_data(self):
        return self.select_related("offence_category", "referring_officer", "unit__agency")

    def unsealed(self):
        """Return the referrals whose record is not sealed (DESIGN.md, data protection 6)."""
        return self.filter(sealed_at__isnull=True)

    def search(self, text: str):
        """Return the referrals found by `text`: a reference, a police report number or a person's name.

        References and report numbers match whole, in any case, through their indexes; a name
        matches the referral's people (PersonQuerySet.search).
        """
        text = text.strip()
        if not text:
            return self
        if is_number_search(text):
            return self.alias(incident_upper=Upper("incident_number")).filter(
                Q(reference=text.upper()) | Q(incident_upper=text.upper())
            )
        # The ids first, each in its own query: PostgreSQL cannot estimate how rare a name is, and
        # given the name as a subquery it walks a whole list's index, or reads every party, to find
        # it. A name on more than the cap's worth of referrals finds only that many.
        people = Person.objects.search(text).order_by().values_list("pk", flat=True)[:NAME_MATCH_CAP]
        parties = ReferralParty.objects.filter(person__in=list(people)).order_by()
        return self.filter(pk__in=list(parties.values_list("referral_id", flat=True)[:NAME_MATCH_CAP]))


class Referral(FSMModelMixin, models.Model):
    """A police officer's proposal to divert an incident from prosecution to a restorative process."""

    reference = models.CharField(max_length=20, unique=True, editable=False)
    status = FSMField(max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.DRAFT, protected=True)
    incident_number = models.CharField("police report number", max_length=50)
    incident_date = models.DateField()
    incident_place = models.CharField(max_length=200)
    offence_category = models.ForeignKey(OffenceCategory, on_delete=models.PROTECT, related_name="referrals")
    description = models.TextField("what happened")
    harm_description = models.TextField("the harm caused")
    referring_officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="referrals")
    unit = models.ForeignKey("cases.Unit", on_delete=models.PROTECT, related_name="referrals")
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    screened_at = models.DateTimeField(null=True, blank=True)
    screened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    info_request = models.TextField(blank=True, help_text="What the supervisor asked the officer to add.")
    info_response = models.TextField(blank=True, help_text="The officer's answer to the request.")
    decline_reason = models.CharField(max_length=30, choices=DeclineReason.choices, blank=True)
    eligible = models.BooleanField(null=True, help_text="The policy's verdict when the referral was screened.")
    eligibility_results = models.JSONField(default=list, blank=True)
    override_justification = models.TextField(blank=True)
    # The referral stands for its whole record (its case, conferences and agreements): the lists
    # of every floor can leave a sealed record out without asking the floors above.
    sealed_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="While set, only administrators see the record."
    )
    purged_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When the record's personal data was purged."
    )
    history = HistoricalRecords(excluded_fields=["status"])

    objects = ReferralQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["status", "submitted_at"], name="referral_status_submitted"),
            models.Index(fields=["referring_officer", "-created_at"], name="referral_officer_created"),
            models.Index(fields=["unit", "-created_at"], name="referral_unit_created"),
            models.Index(Upper("incident_number"), name="referral_incident_upper"),
            models.Index(fields=["-created_at", "-id"], name="referral_created"),
            models.Index(fields=["incident_date"], name="referral_incident_date"),
        ]

    def __str__(self):
        return self.reference

    def save(self, *args, **kwargs):
        if not self.reference:
            self.reference = ReferenceCounter.next_reference(timezone.localdate().year)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("referrals:detail", args=[self.pk])

    @property
    def is_open(self):
        return self.status in OPEN_STATUSES

    @property
    def is_editable(self):
        """The officer may still change what the referral says."""
        return self.status in (ReferralStatus.DRAFT, ReferralStatus.NEEDS_INFO)

    @property
    def days_waiting(self) -> int:
        """Whole days since the referral was (last) submitted, or created if never submitted."""
        return (timezone.now() - (self.submitted_at or self.created_at)).days

    def responsible_parties(self):
        return [p for p in self.parties.all() if p.role == PartyRole.RESPONSIBLE]

    def harmed_parties(self):
        return [p for p in self.parties.all() if p.role == PartyRole.HARMED]

    # The allowed moves; referrals/transitions.py is the one writer that calls them.
    @transition(field=status, source=ReferralStatus.DRAFT, target=ReferralStatus.SUBMITTED)
    def submit(self):
        self.submitted_at = timezone.now()

    @transition(field=status, source=ReferralStatus.NEEDS_INFO, target=ReferralStatus.SUBMITTED)
    def resubmit(self):
        # The queue counts from the last submission; the first one stays in the events.
        self.submitted_at = timezone.now()

    @transition(field=status, source=ReferralStatus.SUBMITTED, target=ReferralStatus.NEEDS_INFO)
    def request_info(self):
        pass

    @transition(field=status, source=ReferralStatus.SUBMITTED, target=ReferralStatus.ACCEPTED)
    def accept(self):
        self.screened_at = timezone.now()

    @transition(field=status, source=ReferralStatus.SUBMITTED, target=ReferralStatus.DECLINED)
    def decline(self):
        self.screened_at = timezone.now()

    @transition(field=status, source=list(OPEN_STATUSES), target=ReferralStatus.WITHDRAWN)
    def withdraw(self):
        pass


class PartyRole(models.TextChoices):
    RESPONSIBLE = "responsible", "Responsible party"
    HARMED = "harmed", "Harmed party"
    GUARDIAN = "guardian", "Guardian"
    SUPPORTER = "supporter", "Supporter"


class ReferralParty(models.Model):
    """A person's role on a referral. The case that the referral opens has the same parties."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="parties")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="referral_roles")
    role = models.CharField(max_length=20, choices=PartyRole.choices)
    admits_responsibility = models.BooleanField(
        null=True, blank=True, help_text="Responsible parties only: has the person admitted responsibility?"
    )
    prior_diversions = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Responsible parties only: earlier diversions known to the police."
    )
    age_group = models.CharField(
        max_length=10,
        choices=[("juvenile", "Juvenile"), ("adult", "Adult"), ("unknown", "Unknown")],
        blank=True,
        editable=False,
        help_text="Kept when the date of birth is purged: the age group on the incident date.",
    )
    linked = models.BooleanField(
        default=False,
        help_text="The person was already on record when named here: details typed here are only proposed.",
    )

    class Meta:
        verbose_name_plural = "referral parties"
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["referral", "person", "role"], name="party_once_per_role"),
        ]

    def __str__(self):
        return f"{self.get_role_display()}: {self.person}"

    @property
    def age_at_incident(self) -> int | None:
        return self.person.age_on(self.referral.incident_date)

    @property
    def juvenile_at_incident(self) -> bool:
        return self.person.is_juvenile_on(self.referral.incident_date)


class ReferralEvent(models.Model):
    """One entry of a referral's timeline: who moved it, when, from which status to which, and why."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.referral_id}: {self.from_status or '-'} -> {self.to_status}"

    @property
    def from_label(self):
        return ReferralStatus(self.from_status).label if self.from_status else ""

    @property
    def to_label(self):
        return ReferralStatus(self.to_status).label


class ContactUpdateQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(adopted_at__isnull=True, dismissed_at__isnull=True)


class ContactUpdate(models.Model):
    """Contact details typed onto a referral for someone already on record.

    They never replace the details on record by themselves (DESIGN.md, data protection rule 3): the
    facilitators and supervisors of the person's case adopt them into ContactDetails, or dismiss them.
    Encrypted at rest like ContactDetails.
    """

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="contact_updates")
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="contact_updates")
    phone = EncryptedCharField(max_length=40, blank=True)
    email = EncryptedEmailField(blank=True)
    address = EncryptedTextField(blank=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    adopted_at = models.DateTimeField(null=True, blank=True)
    adopted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    dismissed_at = models.DateTimeField(null=True, blank=True)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = ContactUpdateQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(adopted_at__isnull=True) | Q(dismissed_at__isnull=True), name="contact_update_one_outcome"
            )
        ]

    def __str__(self):
        return f"Contact details proposed for person {self.person_id} on referral {self.referral_id}"

    @property
    def is_pending(self) -> bool:
        return self.adopted_at is None and self.dismissed_at is None

    def adopt_into(self, contact: ContactDetails) -> None:
        """Copy the proposed values that were given into `contact`; blanks leave a value alone."""
        for name in ("phone", "email", "address"):
            if getattr(self, name):
                setattr(contact, name, getattr(self, name))
