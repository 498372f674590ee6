"""Sending due reminders: claim, send, mark. See docs/reminders.md for why each holds.

A sweep claims a small batch of due rows with one compare-and-set update (PostgreSQL's SKIP
LOCKED lets concurrent sweeps take different rows), stamping its own claim token and a lease. It
reads the batch and what its checks need in a few queries, sends each row, and marks the rows it
sent only where its token is still on them. A sweep that dies after claiming leaves rows whose
lease runs out; the next sweep claims them again, and a row abandoned on every try ends failed.
"""

import hashlib
import logging
import time
import uuid
from collections import Counter
from datetime import timedelta
from email.utils import parseaddr

from django.conf import settings
from django.core import checks
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from cases.followups import issue_survey_link
from cases.models import CaseStatus, ConsentPurpose, ReoffendingCheck, SatisfactionSurvey
from conferences.exchanges import issue_exchange_link
from conferences.invitations import issue_invitation_link
from conferences.models import ConferenceStatus, ItemStatus
from people.audit import record_audit
from people.links import participant_language
from people.models import AuditEntry, Notification, Role, User
from referrals.models import ReferralStatus
from rjcases.locks import alone
from rjcases.workflow import InvalidTransition
from training.models import AccreditationStatus, SessionStatus

from . import planning
from .messages import Message, compose
from .models import Channel, Reminder, ReminderKind, ReminderSettings, ReminderStatus, member_copy_key
from .sms import TextMessage, sms_backend

log = logging.getLogger(__name__)
Kind = ReminderKind


def claim_due(*, limit: int | None = None, rules: ReminderSettings | None = None) -> tuple[uuid.UUID, list[int]]:
    """Claim up to `limit` due reminders for this sweep; return its token and the ids it holds."""
    limit = limit or settings.REMINDER_BATCH_SIZE
    now = timezone.now()
    token = uuid.uuid4()
    lease = timedelta(seconds=settings.REMINDER_CLAIM_SECONDS)
    with transaction.atomic():
        _fail_abandoned(now, rules or ReminderSettings.current())
        candidates = list(
            Reminder.objects.due(now)
            .select_for_update(skip_locked=True)
            .order_by("due_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        # The filter repeats the due condition: without row locks (SQLite) the update is the compare-and-set.
        Reminder.objects.due(now).filter(pk__in=candidates).update(
            status=ReminderStatus.SENDING, claim_token=token, claimed_until=now + lease, attempts=F("attempts") + 1
        )
    held = Reminder.objects.filter(pk__in=candidates, claim_token=token, status=ReminderStatus.SENDING)
    return token, sorted(held.values_list("pk", flat=True))


def _fail_abandoned(now, rules: ReminderSettings) -> None:
    """End the rows whose every try was abandoned: the sending process died (or the row could not
    even be read) `max_attempts` times. Claimed again, such a row would only take its sweep down again."""
    abandoned = Reminder.objects.filter(
        status=ReminderStatus.SENDING, claimed_until__lt=now, attempts__gte=rules.max_attempts
    ).select_for_update(skip_locked=True)
    pks = list(abandoned.values_list("pk", flat=True))
    if pks:
        Reminder.objects.filter(pk__in=pks).update(
            status=ReminderStatus.FAILED,
            claim_token=None,
            claimed_until=None,
            last_error=f"Its sending stopped before it finished, {rules.max_attempts} times.",
        )
        log.error("Reminders %s failed: their sending stopped before it finished on every try", pks)
        _tell_supervisors(f"{len(pks)} reminder(s) could not be sent after {rules.max_attempts} tries.")


def _finish(pk: int, token: uuid.UUID, **changes) -> bool:
    """Stamp the outcome on a reminder this sweep still holds; False if another sweep took it over."""
    return _finish_all([pk], token, **changes) == 1


def _finish_all(pks, token: uuid.UUID, **changes) -> int:
    """Stamp one outcome on the reminders of `pks` this sweep still holds; return how many."""
    changes.setdefault("claim_token", None)
    changes.setdefault("claimed_until", None)
    held = Reminder.objects.filter(pk__in=pks, claim_token=token, status=ReminderStatus.SENDING)
    return held.update(**changes) if pks else 0


def send_due_reminders(*, batch: int | None = None, max_batches: int | None = None) -> Counter:
    """Send every due reminder, a batch at a time (at most `max_batches`); return counts by outcome.

    Several workers may run this at once on one burst: their claims never overlap.
    """
    batch = batch or settings.REMINDER_BATCH_SIZE
    max_batches = max_batches or max(1, settings.REMINDER_SWEEP_MAX_ROWS // batch)
    rules = ReminderSettings.current()
    counts = Counter()
    for _ in range(max_batches):
        token, ids = claim_due(limit=batch, rules=rules)
        if not ids:
            break
        counts += send_batch(token, ids, rules)
    if counts:
        log.info("Reminder sweep: %s", dict(counts))
    return counts


SWEEP_LOCK = "reminders.sweep"


def sweep(*, call_helper) -> Counter:
    """The periodic sweep: one at a time, however many beats queue it.

    A burst larger than one batch is shared: `call_helper()` asks another worker to send batches
    beside this one (at most REMINDER_SWEEP_HELPERS of them).
    """
    with alone(SWEEP_LOCK) as first:
        if not first:
            log.info("Reminder sweep skipped: another sweep is running")
            return Counter({"skipped": 1})
        batch = settings.REMINDER_BATCH_SIZE
        helpers = settings.REMINDER_SWEEP_HELPERS
        due = Reminder.objects.due().order_by()[: batch * (helpers + 1)].count()
        for _ in range(min(helpers, max(0, -(-due // batch) - 1))):
            call_helper()
        return send_due_reminders()


def deliver(pk: int, token: uuid.UUID, rules: ReminderSettings) -> str:
    """Send one claimed reminder and mark it; return what happened (sent, cancelled, retried…)."""
    [(outcome, _)] = send_batch(token, [pk], rules).items()
    return outcome


def send_batch(token: uuid.UUID, pks: list[int], rules: ReminderSettings) -> Counter:
    """Send the claimed reminders of `pks` and mark each; return counts by outcome.

    The batch's rows and what their checks need are read in a few queries, and outcomes are written
    a kind at a time. A row whose reading breaks the batch is sent on its own, so that it can end
    (tried again, then failed) without holding up the others.
    """
    try:
        batch = _Batch(token, pks, rules)
    except Exception:
        if len(pks) > 1:
            log.exception("A batch of reminders could not be read; sending its rows one at a time")
            return sum((send_batch(token, [pk], rules) for pk in pks), Counter())
        log.exception("Reminder %s could not be read", pks[0])
        return Counter({_retry_or_fail(pks[0], token, rules, detail="It could not be read for sending.")})
    return batch.send()


class _Batch:
    """The claimed rows of one batch with what their checks need, and their outcomes to write."""

    def __init__(self, token: uuid.UUID, pks: list[int], rules: ReminderSettings):
        self.token, self.rules = token, rules
        self.reminders = list(
            Reminder.objects.filter(pk__in=pks, claim_token=token, status=ReminderStatus.SENDING)
            .select_related(
                "recipient_user",
                "recipient_person__contact",
                "referral",
                "case__referral",
                "conference__case__referral",  # a case's reference is its referral's
                "item__agreement__case__referral",
                "exchange",
                "accreditation",
                "training_session__course",
            )
            .order_by("due_at", "pk")
        )
        self.lost = len(pks) - len(self.reminders)
        case_ids = {r.case_id for r in self.reminders if r.case_id}
        self.contactable = planning.contactable_people_of(case_ids)
        # Messages to participants follow the consent of their purpose (_CONSENT_OF); others, taking part.
        self.consenting = {
            purpose: planning.contactable_people_of(
                {r.case_id for r in self.reminders if _CONSENT_OF.get(r.kind) == purpose}, purpose
            )
            for purpose in set(_CONSENT_OF.values())
        }
        self.surveys = {
            (s.case_id, s.person_id): s
            for s in SatisfactionSurvey.objects.filter(
                case__in={r.case_id for r in self.reminders if r.kind == Kind.SATISFACTION_SURVEY}
            )
        }
        checks = [r for r in self.reminders if r.kind == Kind.REOFFENDING_CHECK]
        self.recorded_checks = {
            (case_id, referral_id if case_id is None else None, months)
            for case_id, referral_id, months in ReoffendingCheck.objects.filter(
                Q(case__in={r.case_id for r in checks if r.case_id})
                | Q(case__isnull=True, referral__in={r.referral_id for r in checks if not r.case_id}),
                recorded_at__isnull=False,
            ).values_list("case_id", "referral_id", "months")
        }
        self.members = {}
        self.counts = Counter()

    def send(self) -> Counter:
        self.counts["lost"] += self.lost
        cancelled, postponed, groups, in_app, outgoing = {}, {}, [], [], []
        now = timezone.now()
        for reminder in self.reminders:
            try:
                stale = _stale_reason(reminder, self)
                if stale:
                    cancelled[reminder.pk] = stale[:200]
                elif reminder.is_group:
                    groups.append(reminder)
                elif (
                    reminder.channel == Channel.SMS
                    and (later := planning.outside_quiet_hours(now, reminder.recipient_person, self.rules)) > now
                ):
                    if reminder.expires_at and later >= reminder.expires_at:
                        cancelled[reminder.pk] = "Only possible in quiet hours."
                    else:
                        postponed[reminder.pk] = later
                elif reminder.channel == Channel.IN_APP:
                    in_app.append((reminder, compose(reminder)))
                else:
                    outgoing.append(reminder)
            except Exception as error:  # a bug or broken data in one row: it is retried, then failed
                self._failed(reminder, error)
        self._cancel(cancelled)
        self._postpone(postponed)
        self._fan_out(groups)
        self._notify_in_app(in_app)
        _Outgoing(self).send(outgoing)
        return +self.counts

    def _failed(self, reminder: Reminder, error: Exception) -> None:
        log.warning("Reminder %s (%s) failed on try %s: %s", reminder.pk, reminder.kind, reminder.attempts, error)
        detail = f"{type(error).__name__}: {error}"[:1000]
        self.counts[_retry_or_fail(reminder.pk, self.token, self.rules, detail=detail)] += 1

    def _cancel(self, reasons: dict[int, str]) -> None:
        if reasons:
            reason = Case(*(When(pk=pk, then=Value(text)) for pk, text in reasons.items()))
            done = _finish_all(list(reasons), self.token, status=ReminderStatus.CANCELLED, cancelled_reason=reason)
            self.counts["cancelled"] += done
            self.counts["lost"] += len(reasons) - done

    def _postpone(self, moments: dict) -> None:
        """SMS due in quiet hours wait until they end; the try does not count."""
        if moments:
            due = Case(*(When(pk=pk, then=Value(moment)) for pk, moment in moments.items()))
            done = _finish_all(
                list(moments), self.token, status=ReminderStatus.PENDING, due_at=due, attempts=F("attempts") - 1
            )
            self.counts["postponed"] += done
            self.counts["lost"] += len(moments) - done

    def _group_members(self, reminder: Reminder) -> list[User]:
        group = "supervisors" if reminder.to_supervisors else reminder.recipient_partner_id
        if group not in self.members:
            if reminder.to_supervisors:
                users = User.objects.filter(role=Role.SUPERVISOR, is_active=True)
            else:
                users = User.objects.filter(role=Role.PARTNER, partner=group, is_active=True)
            self.members[group] = list(users)
        return self.members[group]

    def _fan_out(self, groups: list[Reminder]) -> None:
        """Turn each reminder to a group into one reminder per member, due now, in one transaction."""
        if not groups:
            return
        now = timezone.now()
        copies = [
            Reminder(
                kind=reminder.kind,
                variant=reminder.variant,
                channel=reminder.channel,
                due_at=now,
                expires_at=reminder.expires_at,
                key=member_copy_key(reminder.key, user.pk),
                recipient_user=user,
                referral_id=reminder.referral_id,
                case_id=reminder.case_id,
                conference_id=reminder.conference_id,
                item_id=reminder.item_id,
                accreditation_id=reminder.accreditation_id,
                training_session_id=reminder.training_session_id,
            )
            for reminder in groups
            for user in self._group_members(reminder)
            if reminder.channel == Channel.IN_APP or user.email
        ]
        with transaction.atomic():
            held = self._lock_held([r.pk for r in groups])
            _finish_all(list(held.values()), self.token, status=ReminderStatus.SENT, sent_at=now)
            Reminder.objects.bulk_create([c for c in copies if _group_key(c.key) in held], ignore_conflicts=True)
        self.counts["fanned out"] += len(held)
        self.counts["lost"] += len(groups) - len(held)

    def _lock_held(self, pks: list[int]) -> dict[str, int]:
        """Lock the rows of `pks` this sweep still holds until the transaction ends; return them by key."""
        held = Reminder.objects.filter(pk__in=pks, claim_token=self.token, status=ReminderStatus.SENDING)
        return dict(held.select_for_update().values_list("key", "pk"))

    def _notify_in_app(self, messages: list[tuple[Reminder, Message]]) -> None:
        """Mark and notify in one transaction: an in-app reminder is delivered exactly once."""
        if not messages:
            return
        with transaction.atomic():
            held = set(self._lock_held([r.pk for r, _ in messages]).values())
            _finish_all(held, self.token, status=ReminderStatus.SENT, sent_at=timezone.now(), last_error="")
            Notification.objects.bulk_create(
                Notification(user=r.recipient_user, text=m.subject[:300], url=m.path)
                for r, m in messages
                if r.pk in held
            )
        self.counts["sent"] += len(held)
        self.counts["lost"] += len(messages) - len(held)


def _language(reminder: Reminder) -> str:
    return participant_language(reminder.recipient_person) if reminder.recipient_person_id else settings.LANGUAGE_CODE


def _group_key(copy_key: str) -> str:
    return copy_key.rsplit(":", 1)[0]


class _Outgoing:
    """Email and SMS of a batch, one provider call after another.

    Email goes through one connection per batch (opened again after a failure). A sent row is
    marked within REMINDER_MARK_SECONDS of its provider taking it, in one update with the rows sent
    just before it: a process killed in between sends those again once their lease ends (the
    documented window). The batch's lease is renewed as it goes, so that it never runs out while the
    rows wait their turn.
    """

    def __init__(self, batch: _Batch):
        self.batch = batch
        self.mail = None
        self.sms = None
        self.sent: list[int] = []
        self.taken: set[int] = set()  # rows another sweep took over after our lease ran out
        self.marked_at = self.renewed_at = time.monotonic()

    def send(self, reminders: list[Reminder]) -> None:
        waiting = [r.pk for r in reminders]
        try:
            for reminder in reminders:
                waiting.remove(reminder.pk)
                if not self._still_held(reminder, waiting):
                    self.batch.counts["lost"] += 1
                    continue
                try:
                    with translation.override(_language(reminder)):  # a participant's own; staff's English
                        message = compose(reminder, link_path=_link(reminder, self.batch))
                        self._send(reminder, message)
                except Exception as error:  # any failure of a provider is retried, then shown to supervisors
                    self._mark()
                    self.batch._failed(reminder, error)
                    continue
                log.info("Reminder %s (%s, %s) sent", reminder.pk, reminder.kind, reminder.channel)
                self.sent.append(reminder.pk)
                if time.monotonic() - self.marked_at >= settings.REMINDER_MARK_SECONDS:
                    self._mark()
        finally:
            self._mark()
            if self.mail is not None:
                self.mail.close()

    def _still_held(self, reminder: Reminder, waiting: list[int]) -> bool:
        lease = settings.REMINDER_CLAIM_SECONDS
        if reminder.pk not in self.taken and time.monotonic() - self.renewed_at >= lease / 3:
            self._mark()
            rows = [reminder.pk, *waiting]
            mine = Reminder.objects.filter(pk__in=rows, claim_token=self.batch.token, status=ReminderStatus.SENDING)
            if mine.update(claimed_until=timezone.now() + timedelta(seconds=lease)) < len(rows):
                held = set(mine.values_list("pk", flat=True))
                self.taken.update(pk for pk in rows if pk not in held)
            self.renewed_at = time.monotonic()
        return reminder.pk not in self.taken

    def _mark(self) -> None:
        if self.sent:
            done = _finish_all(
                self.sent, self.batch.token, status=ReminderStatus.SENT, sent_at=timezone.now(), last_error=""
            )
            self.batch.counts["sent"] += len(self.sent)
            if done < len(self.sent):  # another sweep took them over after the lease ran out
                log.warning("%s sent reminder(s) were taken over by another sweep", len(self.sent) - done)
            self.sent = []
        self.marked_at = time.monotonic()

    def _send(self, reminder: Reminder, message: Message) -> None:
        if reminder.channel == Channel.EMAIL:
            if self.mail is None:
                self.mail = get_connection()
            try:
                _send_email(reminder, message, connection=self.mail)
            except Exception:
                self.mail.close()  # a broken connection must not fail the rest of the batch
                self.mail = None
                raise
        else:
            self.sms = self.sms or sms_backend()
            self.sms.send(TextMessage(to=_phone_number(reminder), body=message.sms))


def _stale_reason(reminder: Reminder, batch: _Batch) -> str:
    """Return why a claimed reminder should no longer go out, or ''."""
    now = timezone.now()
    if reminder.expires_at and reminder.expires_at <= now:
        return "Too late to be useful when it fell due."
    if reminder.recipient_user_id and not reminder.recipient_user.is_active:
        return "The recipient's account is no longer active."
    if reminder.channel == Channel.EMAIL and not reminder.is_group and not _email_address(reminder):
        return "No email address on record."
    if reminder.channel == Channel.SMS and not _phone_number(reminder):
        return "No phone number on record."
    person = reminder.recipient_person_id
    if reminder.kind in _CONSENT_OF:
        if person not in batch.consenting[_CONSENT_OF[reminder.kind]].get(reminder.case_id, ()):
            return _CONSENT_WITHDRAWN[reminder.kind]
    elif (
        person
        and reminder.kind != Kind.SATISFACTION_SURVEY
        and person not in batch.contactable.get(reminder.case_id, ())
    ):
        return "The participant's consent is no longer active."
    check = _STILL_RELEVANT.get(reminder.kind)
    return check(reminder, batch) if check else ""


#: The consent each kind of message to a participant needs, when it is not the consent to take part,
#: and what is said of a message that lost it.
_CONSENT_OF = {Kind.HARMED_PARTY_NOTICE: ConsentPurpose.KEEP_INFORMED, Kind.EXCHANGE_MESSAGE: ConsentPurpose.EXCHANGE}
_CONSENT_WITHDRAWN = {
    Kind.HARMED_PARTY_NOTICE: "The harmed party no longer wishes to be kept informed.",
    Kind.EXCHANGE_MESSAGE: "The participant's consent to take part in the exchange is no longer active.",
}


def _screening_stale(reminder, batch):
    return "" if reminder.referral.status == ReferralStatus.SUBMITTED else "The referral was screened or withdrawn."


def _conference_stale(reminder, batch):
    conference = reminder.conference
    if conference.status != ConferenceStatus.SCHEDULED:
        return f"The conference was {conference.get_status_display().lower()}."
    return "" if reminder.key.split(":")[2] == f"s{conference.sequence}" else "The conference was rescheduled."


def _stalled_stale(reminder, batch):
    case = reminder.case
    if not case.is_open or case.status == CaseStatus.MONITORING:
        return "The case moved on."
    moved_on = reminder.key.split(":")[2] != planning._stamp(case.last_activity_at)
    return "There has been activity on the case since." if moved_on else ""


def _item_stale(reminder, batch):
    item = reminder.item
    live = item.status == ItemStatus.PENDING and item.agreement.is_current
    return "" if live and item.agreement.case.status == CaseStatus.MONITORING else "The item is no longer pending."


def _notice_stale(reminder, batch):
    """A notice is of something that happened: it goes unless it was undone (an item's status corrected)."""
    variant = reminder.variant
    if reminder.item_id:
        wanted = ItemStatus.COMPLETED if variant.endswith("_done") else ItemStatus.MISSED
        return "" if reminder.item.status == wanted else "The item's status changed."
    if variant.startswith("case_"):
        return "" if reminder.case.status == variant.removeprefix("case_") else "The case's status changed."
    return ""


def _cancellation_stale(reminder, batch):
    return "" if reminder.conference.status == ConferenceStatus.CANCELLED else "The conference is not cancelled."


def _exchange_stale(reminder, batch):
    return "" if reminder.exchange.is_open else "The exchange was closed."


def _followup_stale(reminder, batch):
    if reminder.kind == Kind.SATISFACTION_SURVEY:
        survey = batch.surveys.get((reminder.case_id, reminder.recipient_person_id))
        if survey is None:
            raise SatisfactionSurvey.DoesNotExist(f"No survey of person {reminder.recipient_person_id} on the case.")
        if survey.is_answered:
            return "The survey was answered."
        # On its first try a reminder finds the link unsent; a later try may follow its own failed send.
        # Sent by another reminder; not by this one's own earlier tries (a failed one, sent again).
        sent_by_another = survey.sent_at and reminder.attempts == 1 and not reminder.last_error
        return "The survey link was already sent." if sent_by_another else ""
    months = int(reminder.variant.removesuffix("m"))
    key = (reminder.case_id, None if reminder.case_id else reminder.referral_id, months)
    return "The check was recorded." if key in batch.recorded_checks else ""


def _expiry_stale(reminder, batch):
    accreditation = reminder.accreditation
    if accreditation.status != AccreditationStatus.CURRENT:
        return "The accreditation lapsed."
    expiry = reminder.key.split(":")[2]
    return "" if expiry == accreditation.expires_on.isoformat() else "The accreditation was renewed or granted again."


def _lapse_stale(reminder, batch):
    accreditation = reminder.accreditation
    lapsed = accreditation.status == AccreditationStatus.LAPSED and accreditation.lapsed_on is not None
    if lapsed and reminder.key.split(":")[2] == accreditation.lapsed_on.isoformat():
        return ""
    return "The accreditation was granted again."


def _training_stale(reminder, batch):
    """An invitation or a notice of a move is of one time of the session, to someone still invited."""
    session = reminder.training_session
    if not session.attendances.filter(user=reminder.recipient_user_id).exists():
        return "The recipient is no longer invited."
    if reminder.kind == Kind.TRAINING_CANCELLED:
        return "" if session.status == SessionStatus.CANCELLED else "The session is not cancelled."
    if session.status != SessionStatus.SCHEDULED:
        return f"The session was {session.get_status_display().lower()}."
    return "" if reminder.key.split(":")[2] == f"s{session.sequence}" else "The session was moved."


_STILL_RELEVANT = {
    Kind.SCREENING_BACKLOG: _screening_stale,
    Kind.CONFERENCE_UPCOMING: _conference_stale,
    Kind.CASE_STALLED: _stalled_stale,
    Kind.ITEM_DUE_SOON: _item_stale,
    Kind.ITEM_OVERDUE: _item_stale,
    Kind.SATISFACTION_SURVEY: _followup_stale,
    Kind.REOFFENDING_CHECK: _followup_stale,
    Kind.CONFERENCE_INVITATION: _conference_stale,  # an invitation is to one time, as a reminder is
    Kind.CONFERENCE_CANCELLED: _cancellation_stale,
    Kind.HARMED_PARTY_NOTICE: _notice_stale,
    Kind.EXCHANGE_MESSAGE: _exchange_stale,
    Kind.ACCREDITATION_EXPIRING: _expiry_stale,
    Kind.ACCREDITATION_LAPSED: _lapse_stale,
    Kind.TRAINING_INVITATION: _training_stale,
    Kind.TRAINING_MOVED: _training_stale,
    Kind.TRAINING_CANCELLED: _training_stale,
}


def _email_address(reminder: Reminder) -> str:
    if reminder.recipient_user_id:
        return reminder.recipient_user.email
    contact = getattr(reminder.recipient_person, "contact", None)
    return contact.usable_email if contact else ""


def _phone_number(reminder: Reminder) -> str:
    contact = getattr(reminder.recipient_person, "contact", None)
    return contact.usable_phone if contact else ""


def _link(reminder: Reminder, batch: _Batch) -> str:
    """Make the link a participant's message carries (a new one each time it is sent), or ''."""
    if reminder.kind == Kind.SATISFACTION_SURVEY:
        return issue_survey_link(survey=batch.surveys[(reminder.case_id, reminder.recipient_person_id)])
    if reminder.kind == Kind.CONFERENCE_INVITATION:
        participant = reminder.conference.participants.get(person=reminder.recipient_person_id)
        return issue_invitation_link(participant=participant)
    if reminder.kind == Kind.EXCHANGE_MESSAGE:
        return issue_exchange_link(member=reminder.exchange.members.get(person=reminder.recipient_person_id))
    return ""


def message_id(reminder: Reminder) -> str:
    """Return the Message-ID of a reminder's email: the same on every try, from its unique key.

    A message sent again in the documented window is then recognisably the same message, and mail
    clients and providers that drop repeats by Message-ID drop it.
    """
    digest = hashlib.sha256(reminder.key.encode()).hexdigest()[:40]
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "rjcases.invalid"
    return f"<reminder.{digest}@{domain}>"


def _send_email(reminder: Reminder, message: Message, *, connection=None) -> None:
    context = {"message": message, "to_participant": reminder.recipient_person_id is not None}
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=render_to_string("reminders/email.txt", context),
        to=[_email_address(reminder)],
        headers={"Message-ID": message_id(reminder)},
        connection=connection,
    )
    email.attach_alternative(render_to_string("reminders/email.html", context), "text/html")
    if message.ics:
        email.attach("invitation.ics", message.ics, "text/calendar; charset=utf-8; method=PUBLISH")
    email.send()


def _retry_or_fail(pk: int, token: uuid.UUID, rules: ReminderSettings, *, detail: str) -> str:
    """Try again later with a growing pause; after the last try mark it failed and tell the supervisors.

    Whatever failed (the provider, a template, the row's data), a row ends after `max_attempts`.
    """
    held = Reminder.objects.filter(pk=pk, claim_token=token, status=ReminderStatus.SENDING)
    attempts = held.values_list("attempts", flat=True).first()
    if attempts is None:  # deleted, or taken over by another sweep
        return "lost"
    if attempts < rules.max_attempts:
        pause = timedelta(minutes=min(2**attempts, 60))
        _finish(pk, token, status=ReminderStatus.PENDING, due_at=timezone.now() + pause, last_error=detail)
        return "retried"
    with transaction.atomic():
        if not _finish(pk, token, status=ReminderStatus.FAILED, last_error=detail):
            return "lost"
        _tell_supervisors(f"A reminder could not be sent after {attempts} tries.")
    return "failed"


def _tell_supervisors(text: str) -> None:
    Notification.objects.bulk_create(
        Notification(user=user, text=text, url=reverse("reminders:failed"))
        for user in User.objects.filter(role=Role.SUPERVISOR, is_active=True)
    )


def check_lease(app_configs=None, **kwargs) -> list:
    """The lease is renewed every third of it, between provider calls: one call must fit in a third."""
    longest = max(settings.EMAIL_TIMEOUT or 0, settings.SMS_TIMEOUT)
    if 3 * longest >= settings.REMINDER_CLAIM_SECONDS:
        return [
            checks.Error(
                f"REMINDER_CLAIM_SECONDS ({settings.REMINDER_CLAIM_SECONDS}) must be more than three times the "
                f"longest provider timeout (EMAIL_TIMEOUT, SMS_TIMEOUT: {longest} s), or a reminder could be "
                "sent twice.",
                id="reminders.E001",
            )
        ]
    return []


def resend_reminder(*, reminder: Reminder, by) -> Reminder:
    """Put a failed reminder back in line, due now, with its tries counted afresh."""
    failed = Reminder.objects.filter(pk=reminder.pk, status=ReminderStatus.FAILED)
    if not failed.update(status=ReminderStatus.PENDING, due_at=timezone.now(), attempts=0):
        raise InvalidTransition("Only a failed reminder can be sent again.")
    record_audit(by, AuditEntry.Action.CHANGE, reminder, detail="failed reminder put back to be sent")
    planning.send_soon()
    reminder.refresh_from_db()
    return reminder
