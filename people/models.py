"""The ground floor: the people and organisations of the programme, and its audit log.

Users (officers, supervisors, facilitators, partner staff), agencies and their units, community
partners, the participants of referrals and cases with their contact details, in-app notifications
and the append-only audit log. Every other app builds on these; they import nothing of the apps.

The models keep the `cases` app label they were created under: their tables, their migrations
(cases/migrations) and the user model's name (AUTH_USER_MODEL = "cases.User") stay as they are,
because Django does not support moving a swapped-in user model to another app once its tables
exist. cases/models.py imports them, which registers them with that app.
"""

from datetime import date

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models import CharField, Q, Value
from django.db.models.functions import Concat, Lower
from django.utils import timezone
from simple_history.models import HistoricalRecords

from .fields import EncryptedCharField, EncryptedEmailField, EncryptedTextField


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
        app_label = "cases"
        ordering = ["name"]
        verbose_name_plural = "agencies"

    def __str__(self):
        return self.name


class Unit(models.Model):
    """A team of an agency (a station, a neighbourhood team, a youth unit)."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="units")
    name = models.CharField(max_length=200)

    class Meta:
        app_label = "cases"
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
        app_label = "cases"
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
    inactivity_warned_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the account was warned that it will be deactivated for want of sign-in; a sign-in clears it.",
    )

    objects = UserManager()

    class Meta:
        app_label = "cases"
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

    def not_merged(self):
        """Leave out the duplicates merged into another record (and not reversed)."""
        merges = PersonMerge.objects.filter(merged=models.OuterRef("pk"), reversed_at__isnull=True)
        return self.exclude(models.Exists(merges))

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
    purged_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When the retention schedule purged the person's details."
    )
    history = HistoricalRecords()

    objects = PersonQuerySet.as_manager()

    class Meta:
        app_label = "cases"
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
    # Encrypted at rest (people/fields.py): never searched, filtered or ordered by.
    phone = EncryptedCharField(max_length=40, blank=True)
    email = EncryptedEmailField(blank=True)
    address = EncryptedTextField(blank=True)
    time_zone = models.CharField(
        max_length=60, blank=True, help_text="Where they live, if not the programme's time zone (e.g. Europe/Dublin)."
    )
    # Kept on record but not used (a wrong number, an address they asked us not to write to): no
    # reminder or invitation goes to it until a facilitator clears the mark.
    language = models.CharField(
        "Language of their messages and pages",
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
        default="",
        db_default="",
        help_text="Left empty: English.",
    )
    phone_not_to_use = models.BooleanField("Do not use this phone number", default=False, db_default=False)
    email_not_to_use = models.BooleanField("Do not use this email address", default=False, db_default=False)
    history = HistoricalRecords()

    class Meta:
        app_label = "cases"
        verbose_name_plural = "contact details"

    def __str__(self):
        return f"Contact details of person {self.person_id}"

    @property
    def usable_phone(self) -> str:
        return "" if self.phone_not_to_use else self.phone

    @property
    def usable_email(self) -> str:
        return "" if self.email_not_to_use else self.email


class PersonMerge(models.Model):
    """Two records of one individual made one, by a supervisor at screening (people/merging.py).

    The duplicate stays as a row with nothing pointing at it any more; `moved` lists every reference
    that was moved to the kept person, so that an administrator can reverse the merge exactly.
    """

    # Hidden relations (related_name "+"): a merge moves references to people, never its own.
    kept = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    merged = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    merged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    merged_at = models.DateTimeField(default=timezone.now)
    moved = models.JSONField(default=list, help_text='[{"model": label, "field": name, "pks": [...]}, ...]')
    reversed_at = models.DateTimeField(null=True, blank=True)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        app_label = "cases"
        ordering = ["-merged_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(kept=models.F("merged")), name="merge_of_two_people"),
            models.UniqueConstraint(
                fields=["merged"], condition=Q(reversed_at__isnull=True), name="person_merged_once"
            ),
        ]

    def __str__(self):
        return f"Person {self.merged_id} merged into {self.kept_id}"

    @property
    def is_reversed(self) -> bool:
        return self.reversed_at is not None


class AuditEntryQuerySet(models.QuerySet):
    """Bulk changes are refused too; on PostgreSQL a trigger refuses them whatever the client."""

    def update(self, **kwargs):
        raise ValueError("Audit entries are append-only.")

    def delete(self):
        raise ValueError("Audit entries are append-only.")


class AuditEntry(models.Model):
    """An append-only, hash-chained record of a view or change of protected data, a login, a failed
    login or a refused request, with the fields of NIST AU-3: who, what, which record, when, where
    from, and the outcome. Written by people/audit.py, never directly."""

    class Action(models.TextChoices):
        LOGIN = "login", "Logged in"
        LOGIN_FAILED = "login_failed", "Failed login"
        LOGOUT = "logout", "Logged out"
        VIEW = "view", "Viewed"
        EXPORT = "export", "Exported"
        CREATE = "create", "Created"
        CHANGE = "change", "Changed"
        DELETE = "delete", "Deleted"
        REFUSED = "refused", "Refused access"
        MERGE = "merge", "Merged people"
        UNMERGE = "unmerge", "Reversed a merge"
        ADOPT = "adopt", "Adopted contact details"
        SEAL = "seal", "Sealed"
        UNSEAL = "unseal", "Unsealed"
        PURGE = "purge", "Purged personal data"
        LOCKOUT = "lockout", "Locked out after failed logins"
        UNLOCK = "unlock", "Released a lockout"

    class Outcome(models.TextChoices):
        SUCCESS = "success", "Succeeded"
        FAILED = "failed", "Failed"
        DENIED = "denied", "Denied"
        NOT_FOUND = "not_found", "Not found or not visible"

    # No database constraint: the log outlives the rows it names, and nothing may cascade into it.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="+"
    )
    actor_username = models.CharField(
        max_length=150, blank=True, help_text="The account acting, or the one attempted at a failed login."
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    object_type = models.CharField(max_length=50, blank=True)
    object_id = models.CharField(max_length=50, blank=True)
    detail = models.CharField(max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    client = models.CharField(max_length=100, blank=True, help_text="The site, an API key, a task or a command.")
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.SUCCESS)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    entry_hash = models.CharField(max_length=64, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        app_label = "cases"
        verbose_name_plural = "audit entries"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        who = self.actor_username or "-"
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {who} {self.action} {self.object_type} {self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Audit entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Audit entries are append-only.")


class Notification(models.Model):
    """An in-app message to a user. Text says status and dates only, never conference content."""

    audited = False  # a message about a change that is audited itself; reading it changes only read_at

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "cases"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_unread")]

    def __str__(self):
        return self.text
