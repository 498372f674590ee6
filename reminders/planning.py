"""Planning reminders: called (through reminders/receivers.py) when the writers of referrals,
cases, conferences and items announce a change, inside the transaction of that change.

Each `plan_*` function states the reminders its subject should have now and reconciles the rows
with that: a planned reminder whose moment moved is moved, one no longer wanted is cancelled, a
missing one is added. Sent reminders are never touched. Keys carry what makes a reminder a new
message (a conference's sequence, the moment a case went quiet), so that a reschedule reminds
again but a repeated call plans nothing twice.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.dispatch import Signal
from django.utils import timezone

from cases.followups import create_follow_ups
from cases.models import Case, CaseStatus, Consent, ConsentPurpose
from conferences.models import (
    AgreementItem,
    Conference,
    ConferenceStatus,
    Exchange,
    ExchangeMember,
    ExchangeStatus,
    ItemKind,
    ItemStatus,
    Participant,
    Statement,
    StatementStatus,
)
from people.models import Person, User
from referrals.models import PartyRole, Referral, ReferralStatus

from .models import MEMBER_COPY_KEY, Channel, Reminder, ReminderKind, ReminderSettings, ReminderStatus

log = logging.getLogger(__name__)
Kind = ReminderKind
STAFF_CHANNELS = (Channel.IN_APP, Channel.EMAIL)
MORNING = time(9, 0)


@dataclass
class Planned:
    """A reminder as a subject wants it; `slot` is its identity across moves."""

    kind: str
    variant: str
    channel: str
    due_at: datetime
    stamp: str = ""
    expires_at: datetime | None = None
    user: User | None = None
    person: Person | None = None
    partner_id: int | None = None
    to_supervisors: bool = False
    subject: dict = field(default_factory=dict)

    @property
    def recipient_code(self) -> str:
        if self.user is not None:
            return f"u{self.user.pk}"
        if self.person is not None:
            return f"p{self.person.pk}"
        return f"org{self.partner_id}" if self.partner_id else "sup"

    @property
    def slot(self) -> tuple:
        return (self.kind, self.variant, self.recipient_code, self.channel)

    def key(self, subject_code: str) -> str:
        parts = [self.kind, subject_code, self.stamp, self.variant, self.recipient_code, self.channel]
        return ":".join(part for part in parts if part)


def _slot_of(reminder: Reminder) -> tuple:
    if reminder.recipient_user_id:
        code = f"u{reminder.recipient_user_id}"
    elif reminder.recipient_person_id:
        code = f"p{reminder.recipient_person_id}"
    else:
        code = f"org{reminder.recipient_partner_id}" if reminder.recipient_partner_id else "sup"
    return (reminder.kind, reminder.variant, code, reminder.channel)


def _reconcile(existing, wanted: list[Planned], *, subject_code: str, why_cancelled: str) -> None:
    """Make the planned reminders in `existing` (a queryset of one subject) match `wanted`."""
    now = timezone.now()
    existing = existing.exclude(key__regex=MEMBER_COPY_KEY)  # a group's copies follow the group's row
    planned = {_slot_of(r): r for r in existing.filter(status=ReminderStatus.PENDING)}
    others = {r.key: r for r in existing.exclude(status=ReminderStatus.PENDING)}
    due_now = False
    for want in wanted:
        key = want.key(subject_code)
        row = planned.pop(want.slot, None)
        if row is None and key in others and others[key].status == ReminderStatus.CANCELLED:
            row = others.pop(key)  # wanted again (consent given again): revive it rather than lose it
        if row is not None:
            if (row.key, row.due_at, row.expires_at, row.status) != (key, want.due_at, want.expires_at, "pending"):
                row.key, row.due_at, row.expires_at = key, want.due_at, want.expires_at
                row.status, row.cancelled_reason = ReminderStatus.PENDING, ""
                row.save(update_fields=["key", "due_at", "expires_at", "status", "cancelled_reason"])
            continue
        if key in others or (want.expires_at is not None and want.expires_at <= max(now, want.due_at)):
            continue  # sent already, or too late to be worth sending (a text held back by quiet hours)
        due_now = due_now or want.due_at <= now
        Reminder.objects.create(
            kind=want.kind,
            variant=want.variant,
            channel=want.channel,
            due_at=want.due_at,
            expires_at=want.expires_at,
            key=key,
            recipient_user=want.user,
            recipient_person=want.person,
            recipient_partner_id=want.partner_id,
            to_supervisors=want.to_supervisors,
            **want.subject,
        )
    for row in planned.values():
        cancel_reminder(row, reason=why_cancelled)
    if due_now:
        send_soon()


#: Reminders fell due with a change that committed: reminders/receivers.py asks a worker to sweep
#: now. A signal, because the task that sweeps is built on sending, which builds on this module.
reminders_due = Signal()


def send_soon() -> None:
    """Ask a worker to sweep right after this transaction commits, for reminders due now.

    Only a nudge: if the broker is down the rows are safe and the periodic sweep sends them.
    """
    if settings.REMINDERS_NUDGE_WORKER:
        transaction.on_commit(_announce_due)


def _announce_due() -> None:
    reminders_due.send(sender=Reminder)


def cancel_reminder(reminder: Reminder, *, reason: str) -> None:
    Reminder.objects.filter(pk=reminder.pk, status=ReminderStatus.PENDING).update(
        status=ReminderStatus.CANCELLED, cancelled_reason=reason[:200]
    )


def _stamp(moment: datetime) -> str:
    return str(int(moment.timestamp()))


def _at_morning(day, zone=None) -> datetime:
    """Return 09:00 of `day` in the programme's time zone: item reminders arrive in working hours."""
    return timezone.make_aware(datetime.combine(day, MORNING), zone or timezone.get_default_timezone())


def recipient_zone(person: Person) -> ZoneInfo:
    """Return the person's time zone, or the programme's when none (or an unknown one) is recorded."""
    name = getattr(getattr(person, "contact", None), "time_zone", "")
    try:
        return ZoneInfo(name) if name else timezone.get_default_timezone()
    except (ZoneInfoNotFoundError, ValueError):
        return timezone.get_default_timezone()


def outside_quiet_hours(moment: datetime, person: Person, rules: ReminderSettings) -> datetime:
    """Return `moment`, or the end of the recipient's quiet hours when it falls inside them."""
    local = moment.astimezone(recipient_zone(person))
    start, end = rules.quiet_hours_start, rules.quiet_hours_end
    now_t = local.time()
    quiet = (start <= now_t or now_t < end) if start > end else (start <= now_t < end)
    if not quiet:
        return moment
    day = local.date() if now_t < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=local.tzinfo)


def contactable_people(case: Case) -> set[int]:
    """Return the ids of people the programme may contact on this case: those with an active
    consent to take part, and the guardians who gave one for a juvenile."""
    return contactable_people_of([case.pk])[case.pk]


def contactable_people_of(case_ids, purpose: str = ConsentPurpose.CONFERENCE) -> dict[int, set[int]]:
    """Return `contactable_people` of each of these cases, in one query (a sweep's batch): for taking
    part, or (`purpose`) for being kept informed."""
    found = {pk: set() for pk in case_ids}
    consents = Consent.objects.filter(case__in=found, purpose=purpose, withdrawn_at__isnull=True)
    for case_id, person_id, giver_id in consents.values_list("case_id", "person_id", "given_by_id"):
        found[case_id].update((person_id, giver_id))
    return found


def _person_channels(person: Person) -> list[str]:
    contact = getattr(person, "contact", None)
    if contact is None:
        return []
    return [c for c, present in ((Channel.EMAIL, contact.usable_email), (Channel.SMS, contact.usable_phone)) if present]


def _one_channel(person: Person, moment: datetime, rules: ReminderSettings) -> tuple[str, datetime] | None:
    """Return the one channel a message goes by (email where usable, else SMS) and when, or None.

    For messages said once: those whose sending makes a new link (which would void the other
    channel's), and notices."""
    channels = _person_channels(person)
    if not channels:
        return None
    channel = channels[0]
    return channel, outside_quiet_hours(moment, person, rules) if channel == Channel.SMS else moment


def _to_person(person: Person, rules: ReminderSettings, **common) -> list[Planned]:
    wanted = []
    for channel in _person_channels(person):
        due = common["due_at"]
        if channel == Channel.SMS:
            due = outside_quiet_hours(due, person, rules)
        wanted.append(Planned(person=person, channel=channel, **{**common, "due_at": due}))
    return wanted


def _to_user(user: User | None, **common) -> list[Planned]:
    if user is None or not user.is_active:
        return []
    return [Planned(user=user, channel=c, **common) for c in STAFF_CHANNELS if c == Channel.IN_APP or user.email]


def _to_supervisors(**common) -> list[Planned]:
    return [Planned(to_supervisors=True, channel=c, **common) for c in STAFF_CHANNELS]


def _to_partner(partner_id: int | None, **common) -> list[Planned]:
    return [Planned(partner_id=partner_id, channel=c, **common) for c in STAFF_CHANNELS] if partner_id else []


# Referrals --------------------------------------------------------------------------------------


def plan_referral_reminders(referral: Referral) -> None:
    """Remind supervisors of a referral still unscreened N days after it was submitted."""
    wanted = []
    if referral.status == ReferralStatus.SUBMITTED and referral.submitted_at:
        days = ReminderSettings.current().screening_backlog_days
        wanted = _to_supervisors(
            kind=Kind.SCREENING_BACKLOG,
            variant=f"{days}d",
            stamp=_stamp(referral.submitted_at),
            due_at=referral.submitted_at + timedelta(days=days),
            subject={"referral": referral},
        )
    _reconcile(
        Reminder.objects.filter(referral=referral, kind=Kind.SCREENING_BACKLOG),
        wanted,
        subject_code=f"r{referral.pk}",
        why_cancelled="The referral was screened or withdrawn.",
    )
    # A referral declined while eligible is followed up as the comparison group (cases.followups).
    checks = referral.reoffending_checks.filter(case__isnull=True, recorded_at__isnull=True)
    followed = []
    for check in checks.order_by("months"):
        followed += _to_supervisors(
            kind=Kind.REOFFENDING_CHECK,
            variant=f"{check.months}m",
            due_at=_at_morning(check.due_on),
            subject={"referral": referral},
        )
    _reconcile(
        Reminder.objects.filter(referral=referral, case__isnull=True, kind=Kind.REOFFENDING_CHECK),
        followed,
        subject_code=f"r{referral.pk}",
        why_cancelled="No longer wanted.",
    )


# Cases ------------------------------------------------------------------------------------------


def plan_stalled_case_reminders(case: Case) -> None:
    """Plan the 'no activity' reminders of an open case from its last activity; moves them on each activity."""
    case = Case.objects.select_related("facilitator").get(pk=case.pk)  # callers may hold an older copy
    wanted = []
    if case.status in (CaseStatus.INTAKE, CaseStatus.READY, CaseStatus.SCHEDULED, CaseStatus.CONFERENCE_HELD):
        rules = ReminderSettings.current()
        common = {"kind": Kind.CASE_STALLED, "stamp": _stamp(case.last_activity_at), "subject": {"case": case}}
        first = {**common, "variant": f"{rules.stalled_facilitator_days}d"}
        first["due_at"] = case.last_activity_at + timedelta(days=rules.stalled_facilitator_days)
        wanted += _to_user(case.facilitator, **first) if case.facilitator_id else _to_supervisors(**first)
        second = {**common, "variant": f"{rules.stalled_supervisor_days}d"}
        second["due_at"] = case.last_activity_at + timedelta(days=rules.stalled_supervisor_days)
        wanted += _to_supervisors(**second)
    _reconcile(
        Reminder.objects.filter(case=case, kind=Kind.CASE_STALLED),
        wanted,
        subject_code=f"c{case.pk}",
        why_cancelled="The case moved on.",
    )


def plan_case_closed_reminders(case: Case) -> None:
    """On closing: stop every reminder of the case's preparation and agreement, tell the
    referring officer the outcome, and plan the follow-ups (survey, reoffending checks)."""
    for reminder in Reminder.objects.filter(case=case, status=ReminderStatus.PENDING).exclude(
        kind__in=(Kind.CASE_CLOSED, Kind.SATISFACTION_SURVEY, Kind.REOFFENDING_CHECK, Kind.HARMED_PARTY_NOTICE)
    ):
        cancel_reminder(reminder, reason=f"The case was closed ({case.get_status_display().lower()}).")
    rules = ReminderSettings.current()
    closed_at = case.closed_at or timezone.now()
    wanted = _to_user(
        case.referral.referring_officer, kind=Kind.CASE_CLOSED, variant="", due_at=closed_at, subject={"case": case}
    )
    checks, surveys = create_follow_ups(case=case)
    for survey in surveys:
        way = _one_channel(survey.person, closed_at + timedelta(days=rules.survey_days_after_close), rules)
        if way is not None:
            channel, due = way
            wanted.append(
                Planned(
                    kind=Kind.SATISFACTION_SURVEY,
                    variant="",
                    channel=channel,
                    due_at=due,
                    person=survey.person,
                    subject={"case": case},
                )
            )
    for check in checks:
        wanted += _to_supervisors(
            kind=Kind.REOFFENDING_CHECK,
            variant=f"{check.months}m",
            due_at=_at_morning(check.due_on),
            subject={"case": case},
        )
    _reconcile(
        Reminder.objects.filter(
            case=case, kind__in=(Kind.CASE_CLOSED, Kind.SATISFACTION_SURVEY, Kind.REOFFENDING_CHECK)
        ),
        wanted,
        subject_code=f"c{case.pk}",
        why_cancelled="No longer wanted.",
    )


# Conferences ------------------------------------------------------------------------------------


def _conference_recipients(conference: Conference, *, declined_too=False) -> tuple[list[User], list[Person]]:
    """Return the staff and the participants a conference's reminders go to."""
    case = conference.case
    users = [b.facilitator for b in conference.bookings.filter(active=True).select_related("facilitator")]
    participants = conference.participants.select_related("person__contact", "user")
    if not declined_too:
        participants = participants.exclude(invitation=Participant.Invitation.DECLINED)
    participants = list(participants)
    users += [p.user for p in participants if p.user_id and p.user not in users]
    allowed = contactable_people(case)
    people = [p.person for p in participants if p.person_id and p.person_id in allowed]
    guardians = {p.person_id for p in participants if p.role == Participant.Role.GUARDIAN}
    if guardians & allowed:
        # A juvenile is reached through the guardian who is coming with them, not directly.
        people = [person for person in people if not person.is_juvenile or person.pk in guardians]
    return users, people


def _offsets_still_ahead(conference: Conference, offsets: list[int]) -> list[int]:
    """Return the offsets whose moment is still ahead; when none is, the shortest (sent at once).

    A conference booked three hours ahead gets its 2-hour reminder, not a late 48-hour one as well.
    Offsets planned for its current time stay (a re-plan 47 hours before keeps the 48-hour reminder);
    those of a time it was moved from do not.
    """
    now = timezone.now()
    ahead = [hours for hours in offsets if conference.starts_at - timedelta(hours=hours) > now]
    planned = (
        conference.reminders.exclude(status=ReminderStatus.CANCELLED)
        .filter(key__contains=f":s{conference.sequence}:")
        .values_list("variant", flat=True)
    )
    ahead += [hours for hours in offsets if f"{hours}h" in set(planned) and hours not in ahead]
    return ahead or offsets[:1]


def plan_conference_reminders(conference: Conference) -> None:
    """Plan the reminders N hours before a scheduled conference; cancel them once it is not."""
    wanted = []
    if conference.status == ConferenceStatus.SCHEDULED:
        rules = ReminderSettings.current()
        users, people = _conference_recipients(conference)
        for hours in _offsets_still_ahead(conference, rules.conference_offsets):
            common = {
                "kind": Kind.CONFERENCE_UPCOMING,
                "variant": f"{hours}h",
                "stamp": f"s{conference.sequence}",
                "due_at": conference.starts_at - timedelta(hours=hours),
                "expires_at": conference.starts_at,
                "subject": {"case": conference.case, "conference": conference},
            }
            for user in users:
                wanted += _to_user(user, **common)
            for person in people:
                wanted += _to_person(person, rules, **common)
    _reconcile(
        Reminder.objects.filter(conference=conference, kind=Kind.CONFERENCE_UPCOMING),
        wanted,
        subject_code=f"m{conference.pk}",
        why_cancelled=(
            # Moving a conference moves its reminders; one cancelled while it stays scheduled is one
            # whose recipient declined, withdrew consent or is no longer booked.
            "The recipient no longer takes part or no longer consents."
            if conference.status == ConferenceStatus.SCHEDULED
            else f"The conference was {conference.get_status_display().lower()}."
        ),
    )
    plan_conference_invitations(conference)


SAID_ONCE = (Kind.CONFERENCE_INVITATION, Kind.CONFERENCE_CANCELLED)


def plan_conference_invitations(conference: Conference) -> None:
    """Plan each participant's invitation (again after a move) and, once cancelled, the notice.

    One channel each, email where they have an address, else a text: each sending makes a new link,
    and only the newest works. The notice of a cancellation goes to those an invitation reached.
    """
    rules = ReminderSettings.current()
    now = timezone.now()
    wanted = []
    stamp = f"s{conference.sequence}"
    if conference.status == ConferenceStatus.SCHEDULED:
        kind, expires_at = Kind.CONFERENCE_INVITATION, conference.starts_at
        _, people = _conference_recipients(conference)
    elif conference.status == ConferenceStatus.CANCELLED:
        kind, expires_at = Kind.CONFERENCE_CANCELLED, conference.ends_at
        reached = set(conference.participants.filter(invited_at__isnull=False).values_list("person", flat=True))
        people = [p for p in _conference_recipients(conference, declined_too=True)[1] if p.pk in reached]
    else:
        people = []
    # Said once, whatever the channel: one that changed since (an email marked not to be used) must
    # not send it again, nor (for an invitation) ask again and lose the answer.
    said = Reminder.objects.filter(conference=conference, status=ReminderStatus.SENT, kind__in=SAID_ONCE)
    reached = {(k, pid) for k, pid, key in said.values_list("kind", "recipient_person", "key") if f":{stamp}:" in key}
    for person in people:
        if (kind, person.pk) in reached or (way := _one_channel(person, now, rules)) is None:
            continue
        channel, due = way
        wanted.append(
            Planned(
                kind=kind,
                variant="",
                channel=channel,
                due_at=due,
                stamp=stamp,
                expires_at=expires_at,
                person=person,
                subject={"case": conference.case, "conference": conference},
            )
        )
    _reconcile(
        Reminder.objects.filter(
            conference=conference, kind__in=(Kind.CONFERENCE_INVITATION, Kind.CONFERENCE_CANCELLED)
        ),
        wanted,
        subject_code=f"m{conference.pk}",
        why_cancelled="The invitation is no longer wanted.",
    )


def plan_case_conference_reminders(case: Case) -> None:
    """Re-plan every scheduled conference of the case (after a consent was given or withdrawn)."""
    for conference in case.conferences.filter(status=ConferenceStatus.SCHEDULED):
        plan_conference_reminders(conference)


# Agreement items --------------------------------------------------------------------------------


def _item_people(item: AgreementItem, case: Case) -> list[Person]:
    """Return who answers for the item: the responsible party, or a juvenile's guardians."""
    parties = list(case.referral.parties.select_related("person__contact"))
    allowed = contactable_people(case)
    responsible = [p.person for p in parties if p.role == PartyRole.RESPONSIBLE and p.person_id in allowed]
    guardians = [p.person for p in parties if p.role == PartyRole.GUARDIAN and p.person_id in allowed]
    if any(person.is_juvenile for person in responsible) and guardians:
        return guardians
    return responsible


def plan_item_reminders(item: AgreementItem) -> None:
    """Plan 'due in N days' and 'overdue' reminders of a pending item of a monitored case's current agreement."""
    case = item.agreement.case
    wanted = []
    live = item.status == ItemStatus.PENDING and item.agreement.is_current and case.status == CaseStatus.MONITORING
    if live:
        rules = ReminderSettings.current()
        common = {"stamp": item.due_date.isoformat(), "subject": {"case": case, "item": item}}
        soon = {**common, "kind": Kind.ITEM_DUE_SOON, "variant": f"{rules.item_due_soon_days}d"}
        soon["due_at"] = _at_morning(item.due_date - timedelta(days=rules.item_due_soon_days))
        soon["expires_at"] = _at_morning(item.due_date + timedelta(days=1))
        for person in _item_people(item, case):
            wanted += _to_person(person, rules, **soon)
        wanted += _to_user(case.facilitator, **soon) + _to_partner(item.partner_id, **soon)
        late = {**common, "kind": Kind.ITEM_OVERDUE, "variant": "", "due_at": _at_morning(item.due_date + timedelta(1))}
        wanted += _to_user(case.facilitator, **late) + _to_partner(item.partner_id, **late) + _to_supervisors(**late)
    _reconcile(
        Reminder.objects.filter(item=item),
        wanted,
        subject_code=f"i{item.pk}",
        why_cancelled=f"The item is {item.get_status_display().lower()}." if not live else "No longer wanted.",
    )


# The harmed party kept informed -----------------------------------------------------------------

REPAIRING_ITEMS = (ItemKind.RESTITUTION, ItemKind.APOLOGY)  # the items that put right the harm done to them


def harmed_party_events(case: Case) -> list[tuple[str, str, AgreementItem | None]]:
    """Return what a harmed party who opted in is told of, so far: (variant, stamp, item) of each.

    An agreement made (and each renegotiation), each item that repairs their harm completed or
    missed, the case closed completed or returned. Nothing about the responsible party.
    """
    events = [(f"agreement_v{a.version}", "", None) for a in case.agreements.all()]
    items = AgreementItem.objects.filter(
        agreement__case=case, kind__in=REPAIRING_ITEMS, status__in=(ItemStatus.COMPLETED, ItemStatus.MISSED)
    )
    events += [
        (f"i{item.pk}_{'done' if item.status == ItemStatus.COMPLETED else 'missed'}", "", item) for item in items
    ]
    if case.status in (CaseStatus.COMPLETED, CaseStatus.RETURNED):
        events.append((f"case_{case.status}", "", None))
    return events


def _informed_people(case: Case) -> list[Person]:
    """Return the harmed individuals with an active consent to be kept informed (a juvenile: the
    guardian who gave it)."""
    consents = case.consents.filter(purpose=ConsentPurpose.KEEP_INFORMED, withdrawn_at__isnull=True).select_related(
        "person__contact", "given_by__contact"
    )
    harmed = set(case.referral.parties.filter(role=PartyRole.HARMED).values_list("person_id", flat=True))
    people = {}
    for consent in consents:
        if consent.person_id in harmed:
            person = consent.given_by if consent.given_by_id and consent.person.is_juvenile else consent.person
            people[person.pk] = person
    return list(people.values())


def plan_harmed_party_notices(case: Case) -> None:
    """Plan a notice to each harmed party who opted in, for each event so far; each is sent once."""
    rules = ReminderSettings.current()
    now = timezone.now()
    wanted = []
    events = harmed_party_events(case)
    # Each is told once, whatever the channel: a channel that changed since must not tell it again.
    told = set(
        Reminder.objects.filter(case=case, kind=Kind.HARMED_PARTY_NOTICE, status=ReminderStatus.SENT).values_list(
            "recipient_person", "variant"
        )
    )
    for person in _informed_people(case) if events else []:
        if (way := _one_channel(person, now, rules)) is None:
            continue
        channel, due = way
        for variant, stamp, item in events:
            if (person.pk, variant) in told:
                continue
            subject = {"case": case, **({"item": item} if item else {})}
            wanted.append(
                Planned(
                    kind=Kind.HARMED_PARTY_NOTICE,
                    variant=variant,
                    channel=channel,
                    due_at=due,
                    stamp=stamp,
                    person=person,
                    subject=subject,
                )
            )
    _reconcile(
        Reminder.objects.filter(case=case, kind=Kind.HARMED_PARTY_NOTICE),
        wanted,
        subject_code=f"c{case.pk}",
        why_cancelled="The harmed party no longer wishes to be kept informed.",
    )


# Asynchronous exchanges -------------------------------------------------------------------------


def _news_for(member: ExchangeMember, statements: list[Statement]) -> int:
    """Count what a member has been given in an exchange so far: statements asked of them, and the
    others' statements shared with them. It only grows; each new count is one message to them."""
    return sum(
        1
        for s in statements
        if s.member_id == member.pk or (s.status == StatementStatus.SHARED and s.member_id != member.pk)
    )


def plan_exchange_messages(exchange: Exchange) -> None:
    """Send each member of an open exchange a message with their link whenever they have something
    new: a statement to write, or one shared with them. One message for what came together.

    Each sending makes a new link, which replaces the one before: one channel, and what is still
    unsent is replaced by the newer message rather than sent as well.
    """
    wanted = []
    if exchange.status == ExchangeStatus.OPEN:
        rules = ReminderSettings.current()
        now = timezone.now()
        consenting = contactable_people_of([exchange.case_id], ConsentPurpose.EXCHANGE)[exchange.case_id]
        statements = list(Statement.objects.filter(member__exchange=exchange))
        sent = Reminder.objects.filter(exchange=exchange, status=ReminderStatus.SENT)
        told = {}
        for person_id, variant in sent.values_list("recipient_person", "variant"):
            told[person_id] = max(told.get(person_id, 0), int(variant.removeprefix("n")))
        for member in exchange.members.select_related("person__contact"):
            news = _news_for(member, statements)
            if member.person_id not in consenting or news <= told.get(member.person_id, 0):
                continue
            if (way := _one_channel(member.person, now, rules)) is None:
                continue
            channel, due = way
            wanted.append(
                Planned(
                    kind=Kind.EXCHANGE_MESSAGE,
                    variant=f"n{news}",
                    channel=channel,
                    due_at=due,
                    expires_at=exchange.links_expire_at,
                    person=member.person,
                    subject={"case": exchange.case, "exchange": exchange},
                )
            )
    _reconcile(
        Reminder.objects.filter(exchange=exchange, kind=Kind.EXCHANGE_MESSAGE),
        wanted,
        subject_code=f"x{exchange.pk}",
        why_cancelled="Replaced by a newer one." if exchange.is_open else "The exchange was closed.",
    )


def plan_case_exchange_messages(case: Case) -> None:
    """Re-plan every open exchange of the case (after a consent or contact details changed)."""
    for exchange in case.exchanges.filter(status=ExchangeStatus.OPEN):
        plan_exchange_messages(exchange)


def plan_agreement_reminders(case: Case) -> None:
    """Plan the reminders of every item of the case's agreements (current ones planned, others cancelled)."""
    for item in AgreementItem.objects.filter(agreement__case=case).select_related("agreement__case"):
        plan_item_reminders(item)


def planned_for_case(case: Case):
    """Return the case's reminders for its page: planned and sent, newest moment first."""
    return (
        Reminder.objects.filter(Q(case=case) | Q(referral=case.referral_id))
        .select_related("recipient_user", "recipient_person", "recipient_partner", "conference")
        .order_by("-due_at", "-pk")
    )
