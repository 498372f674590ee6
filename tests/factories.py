"""factory_boy factories for the models; statuses other than the first are reached through services."""

import time
from datetime import date, timedelta

import factory
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.utils import timezone

from people.models import Agency, ContactDetails, Partner, Person, Role, Unit, User
from referrals.models import OffenceCategory, PartyRole, Referral, ReferralParty
from reminders.models import Channel, Reminder, ReminderKind
from training.models import Accreditation, ConferenceKind, Level

PASSWORD = "test-pass-123"
# Every factory user has this TOTP secret as their second factor, unless made with second_factor=False.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def totp_code(at: float | None = None) -> str:
    """Return the factory users' TOTP code for now (or for the Unix time `at`)."""
    counter = int(time.time() if at is None else at) // mfa_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(TOTP_SECRET, counter))


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"Police Force {n}")
    code = factory.Sequence(lambda n: f"PF{n}")


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    agency = factory.SubFactory(AgencyFactory)
    name = factory.Sequence(lambda n: f"Neighbourhood Team {n}")


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    name = factory.Sequence(lambda n: f"Youth Service {n}")
    kind = Partner.Kind.YOUTH_SERVICE


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"First{n}")
    last_name = factory.Sequence(lambda n: f"Last{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    role = Role.SUPERVISOR
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def second_factor(user, create, extracted, **kwargs):
        if create and extracted is not False and not Authenticator.objects.filter(user=user).exists():
            TOTP.activate(user, TOTP_SECRET)

    @factory.post_generation
    def accredited(user, create, extracted, **kwargs):
        """A facilitator holds a current accreditation for every kind, unless made with accredited=False."""
        if create and extracted is not False and user.role == Role.FACILITATOR:
            today = timezone.localdate()
            Accreditation.objects.bulk_create(
                [
                    Accreditation(
                        facilitator=user,
                        conference_kind=kind,
                        level=Level.ACCREDITED,
                        granted_on=today - timedelta(days=365),
                        expires_on=today + timedelta(days=365),
                        cpd_hours_required=12,
                        granted_by=user,
                    )
                    for kind in ConferenceKind.values
                ],
                ignore_conflicts=True,
            )

    class Params:
        officer = factory.Trait(role=Role.OFFICER, unit=factory.SubFactory(UnitFactory), badge_number="1234")
        facilitator = factory.Trait(role=Role.FACILITATOR)
        partner_staff = factory.Trait(role=Role.PARTNER, partner=factory.SubFactory(PartnerFactory))
        admin = factory.Trait(role=Role.ADMIN, is_staff=True, is_superuser=True)

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create and results:
            instance.save()


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person
        skip_postgeneration_save = True

    first_name = factory.Sequence(lambda n: f"Alex{n}")
    last_name = factory.Sequence(lambda n: f"Morgan{n}")
    date_of_birth = date(2009, 5, 17)
    contact = factory.RelatedFactory("tests.factories.ContactDetailsFactory", factory_related_name="person")


class ContactDetailsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactDetails

    person = factory.SubFactory(PersonFactory, contact=None)
    phone = "07700 900123"
    email = factory.Sequence(lambda n: f"person{n}@example.org")
    address = "1 High Street"


def offence(code="shoplifting") -> OffenceCategory:
    return OffenceCategory.objects.get(code=code)


class ReferralFactory(factory.django.DjangoModelFactory):
    """A draft referral with one responsible party who admits responsibility."""

    class Meta:
        model = Referral
        skip_postgeneration_save = True

    incident_number = factory.Sequence(lambda n: f"CR/{n:05d}/26")
    incident_date = date(2026, 3, 14)
    incident_place = "Market Street"
    offence_category = factory.LazyFunction(offence)
    description = "Took goods from a shop without paying."
    harm_description = "The shop lost stock worth £40."
    referring_officer = factory.SubFactory(UserFactory, officer=True)
    unit = factory.SelfAttribute("referring_officer.unit")
    responsible = factory.RelatedFactory("tests.factories.ReferralPartyFactory", factory_related_name="referral")


class ReferralPartyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReferralParty

    referral = factory.SubFactory(ReferralFactory, responsible=None)
    person = factory.SubFactory(PersonFactory)
    role = PartyRole.RESPONSIBLE
    admits_responsibility = True
    prior_diversions = 0


class ReminderFactory(factory.django.DjangoModelFactory):
    """A reminder row as planning writes it: an email to a user, due now. Give it its subject
    (a submitted `referral` for the default kind); planning itself is tested through the services."""

    class Meta:
        model = Reminder

    kind = ReminderKind.SCREENING_BACKLOG
    channel = Channel.EMAIL
    due_at = factory.LazyFunction(timezone.now)
    key = factory.Sequence(lambda n: f"test:{n}")
    recipient_user = factory.SubFactory(UserFactory)


def accredit(
    user, *, kind=ConferenceKind.COMMUNITY_CIRCLE, level=Level.ACCREDITED, expires_on=date(2027, 1, 1), **fields
):
    """Give `user` an accreditation for `kind` (a community circle unless told), granted in January 2025."""
    return Accreditation.objects.create(
        facilitator=user,
        conference_kind=kind,
        level=level,
        granted_on=date(2025, 1, 1),
        expires_on=expires_on,
        cpd_hours_required=12,
        granted_by=user,
        **fields,
    )
