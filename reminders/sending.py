"""Sending due reminders: claim, send, mark. See docs/reminders.md for why each holds.

A sweep claims due rows with one compare-and-set update (PostgreSQL's SKIP LOCKED lets
concurrent sweeps take different rows), stamping its own claim token and a lease. It then
sends each row and marks it sent only if its token is still on the row. A sweep that dies after
claiming leaves rows whose lease runs out; the next sweep claims them again.
"""

import logging
import uuid
from collections import Counter
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from cases.followups import issue_survey_link
from cases.models import Case, CaseStatus
from conferences.models import ConferenceStatus, ItemStatus
from people.audit import record_audit
from people.models import AuditEntry, Notification, Role, User
from referrals.models import ReferralStatus
from rjcases.workflow import InvalidTransition

from . import planning
from .messages import Message, compose
from .models import Channel, Reminder, ReminderKind, ReminderSettings, ReminderStatus, member_copy_key
from .sms import send_sms

log = logging.getLogger(__name__)
Kind = ReminderKind


def claim_due(*, limit: int = 100) -> tuple[uuid.UUID, list[int]]:
    """Claim up to `limit` due reminders for this sweep; return its token and the ids it holds."""
    now = timezone.now()
    token = uuid.uuid4()
    lease = timedelta(seconds=settings.REMINDER_CLAIM_SECONDS)
    with transaction.atomic():
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


def _finish(pk: int, token: uuid.UUID, **changes) -> bool:
    """Stamp the outcome on a reminder this sweep still holds; False if another sweep took it over."""
    changes.setdefault("claim_token", None)
    changes.setdefault("claimed_until", None)
    held = Reminder.objects.filter(pk=pk, claim_token=token, status=ReminderStatus.SENDING)
    return held.update(**changes) == 1


def send_due_reminders(*, batch: int = 100, max_batches: int = 20) -> Counter:
    """Send every due reminder (up to `batch` x `max_batches` per run); return counts by outcome."""
    rules = ReminderSettings.current()
    counts = Counter()
    for _ in range(max_batches):
        token, ids = claim_due(limit=batch)
        if not ids:
            break
        for pk in ids:
            counts[_deliver_or_log(pk, token, rules)] += 1
    if counts:
        log.info("Reminder sweep: %s", dict(counts))
    return counts


def _deliver_or_log(pk: int, token: uuid.UUID, rules: ReminderSettings) -> str:
    """Deliver one reminder; an error outside the provider's call must not hold up the rest of the batch.

    Such a row (deleted after its claim, or broken data) stays `sending` until its lease ends; the next
    sweep after that claims it again, so nothing is lost.
    """
    try:
        return deliver(pk, token, rules)
    except Exception:
        log.exception("Reminder %s could not be delivered; it is claimed again when its lease ends", pk)
        return "error"


def _renew_claim(pk: int, token: uuid.UUID) -> bool:
    """Extend this sweep's lease on one reminder just before it is sent; False if another sweep took it.

    A batch is sent one row after another: without a renewal the lease of its last rows could run out
    while the first ones are sent, and another sweep would claim and send them as well.
    """
    lease = timedelta(seconds=settings.REMINDER_CLAIM_SECONDS)
    held = Reminder.objects.filter(pk=pk, claim_token=token, status=ReminderStatus.SENDING)
    return held.update(claimed_until=timezone.now() + lease) == 1


def deliver(pk: int, token: uuid.UUID, rules: ReminderSettings) -> str:
    """Send one claimed reminder and mark it; return what happened (sent, cancelled, retried…)."""
    if not _renew_claim(pk, token):
        return "lost"
    reminder = Reminder.objects.select_related(
        "recipient_user", "recipient_person__contact", "case__referral", "conference", "item__agreement__case"
    ).get(pk=pk)
    stale = _stale_reason(reminder)
    if stale:
        _finish(pk, token, status=ReminderStatus.CANCELLED, cancelled_reason=stale[:200])
        return "cancelled"
    if reminder.is_group:
        return _fan_out(reminder, token)
    if reminder.channel == Channel.SMS:
        later = planning.outside_quiet_hours(timezone.now(), reminder.recipient_person, rules)
        if later > timezone.now():
            return _postpone(reminder, token, later)
    try:
        if reminder.channel == Channel.IN_APP:
            return _notify_in_app(reminder, token)
        message = compose(reminder, survey_path=_survey_link(reminder))
        if reminder.channel == Channel.EMAIL:
            _send_email(reminder, message)
        else:
            send_sms(reminder.recipient_person.contact.phone, message.sms)
    except Exception as error:  # any failure of a provider is retried, then shown to supervisors
        return _retry_or_fail(reminder, token, error, rules)
    _finish(pk, token, status=ReminderStatus.SENT, sent_at=timezone.now(), last_error="")
    log.info("Reminder %s (%s, %s) sent", pk, reminder.kind, reminder.channel)
    return "sent"


def _stale_reason(reminder: Reminder) -> str:
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
    consent_needed = reminder.recipient_person_id and reminder.kind != Kind.SATISFACTION_SURVEY
    if consent_needed and reminder.recipient_person_id not in planning.contactable_people(reminder.case):
        return "The participant's consent is no longer active."
    check = _STILL_RELEVANT.get(reminder.kind)
    return check(reminder) if check else ""


def _screening_stale(reminder):
    return "" if reminder.referral.status == ReferralStatus.SUBMITTED else "The referral was screened or withdrawn."


def _conference_stale(reminder):
    conference = reminder.conference
    if conference.status != ConferenceStatus.SCHEDULED:
        return f"The conference was {conference.get_status_display().lower()}."
    return "" if reminder.key.split(":")[2] == f"s{conference.sequence}" else "The conference was rescheduled."


def _stalled_stale(reminder):
    case: Case = reminder.case
    if not case.is_open or case.status == CaseStatus.MONITORING:
        return "The case moved on."
    moved_on = reminder.key.split(":")[2] != planning._stamp(case.last_activity_at)
    return "There has been activity on the case since." if moved_on else ""


def _item_stale(reminder):
    item = reminder.item
    live = item.status == ItemStatus.PENDING and item.agreement.is_current
    return "" if live and item.agreement.case.status == CaseStatus.MONITORING else "The item is no longer pending."


def _followup_stale(reminder):
    if reminder.kind == Kind.SATISFACTION_SURVEY:
        survey = reminder.case.surveys.get(person=reminder.recipient_person_id)
        if survey.is_answered:
            return "The survey was answered."
        # On its first try a reminder finds the link unsent; a later try may follow its own failed send.
        # Sent by another reminder; not by this one's own earlier tries (a failed one, sent again).
        sent_by_another = survey.sent_at and reminder.attempts == 1 and not reminder.last_error
        return "The survey link was already sent." if sent_by_another else ""
    months = int(reminder.variant.removesuffix("m"))
    done = reminder.case.reoffending_checks.filter(months=months, recorded_at__isnull=False).exists()
    return "The check was recorded." if done else ""


_STILL_RELEVANT = {
    Kind.SCREENING_BACKLOG: _screening_stale,
    Kind.CONFERENCE_UPCOMING: _conference_stale,
    Kind.CASE_STALLED: _stalled_stale,
    Kind.ITEM_DUE_SOON: _item_stale,
    Kind.ITEM_OVERDUE: _item_stale,
    Kind.SATISFACTION_SURVEY: _followup_stale,
    Kind.REOFFENDING_CHECK: _followup_stale,
}


def _group_members(reminder: Reminder):
    if reminder.to_supervisors:
        return User.objects.filter(role=Role.SUPERVISOR, is_active=True)
    return User.objects.filter(role=Role.PARTNER, partner=reminder.recipient_partner_id, is_active=True)


def _fan_out(reminder: Reminder, token: uuid.UUID) -> str:
    """Turn a reminder to a group into one reminder per member, due now, in one transaction."""
    now = timezone.now()
    subject = {f: getattr(reminder, f) for f in ("referral_id", "case_id", "conference_id", "item_id")}
    members = [u for u in _group_members(reminder) if reminder.channel == Channel.IN_APP or u.email]
    with transaction.atomic():
        if not _finish(reminder.pk, token, status=ReminderStatus.SENT, sent_at=now):
            return "lost"
        Reminder.objects.bulk_create(
            [
                Reminder(
                    kind=reminder.kind,
                    variant=reminder.variant,
                    channel=reminder.channel,
                    due_at=now,
                    expires_at=reminder.expires_at,
                    key=member_copy_key(reminder.key, user.pk),
                    recipient_user=user,
                    **subject,
                )
                for user in members
            ],
            ignore_conflicts=True,
        )
    return "fanned out"


def _postpone(reminder: Reminder, token: uuid.UUID, later) -> str:
    if reminder.expires_at and later >= reminder.expires_at:
        _finish(reminder.pk, token, status=ReminderStatus.CANCELLED, cancelled_reason="Only possible in quiet hours.")
        return "cancelled"
    _finish(reminder.pk, token, status=ReminderStatus.PENDING, due_at=later, attempts=F("attempts") - 1)
    return "postponed"


def _notify_in_app(reminder: Reminder, token: uuid.UUID) -> str:
    message = compose(reminder)
    with transaction.atomic():
        # Marking and notifying commit together: an in-app reminder is delivered exactly once.
        if not _finish(reminder.pk, token, status=ReminderStatus.SENT, sent_at=timezone.now(), last_error=""):
            return "lost"
        Notification.objects.create(user=reminder.recipient_user, text=message.subject[:300], url=message.path)
    return "sent"


def _email_address(reminder: Reminder) -> str:
    if reminder.recipient_user_id:
        return reminder.recipient_user.email
    contact = getattr(reminder.recipient_person, "contact", None)
    return contact.email if contact else ""


def _phone_number(reminder: Reminder) -> str:
    contact = getattr(reminder.recipient_person, "contact", None)
    return contact.phone if contact else ""


def _survey_link(reminder: Reminder) -> str:
    if reminder.kind != Kind.SATISFACTION_SURVEY:
        return ""
    survey = reminder.case.surveys.get(person=reminder.recipient_person_id)
    return issue_survey_link(survey=survey)


def _send_email(reminder: Reminder, message: Message) -> None:
    context = {"message": message, "to_participant": reminder.recipient_person_id is not None}
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=render_to_string("reminders/email.txt", context),
        to=[_email_address(reminder)],
    )
    email.attach_alternative(render_to_string("reminders/email.html", context), "text/html")
    if message.ics:
        email.attach("invitation.ics", message.ics, "text/calendar; charset=utf-8; method=PUBLISH")
    email.send()


def _retry_or_fail(reminder: Reminder, token: uuid.UUID, error: Exception, rules: ReminderSettings) -> str:
    """Try again later with a growing pause; after the last try mark it failed and tell the supervisors."""
    attempts = reminder.attempts
    detail = f"{type(error).__name__}: {error}"[:1000]
    log.warning("Reminder %s (%s) failed on try %s: %s", reminder.pk, reminder.kind, attempts, type(error).__name__)
    if attempts < rules.max_attempts:
        pause = timedelta(minutes=min(2**attempts, 60))
        _finish(reminder.pk, token, status=ReminderStatus.PENDING, due_at=timezone.now() + pause, last_error=detail)
        return "retried"
    with transaction.atomic():
        if _finish(reminder.pk, token, status=ReminderStatus.FAILED, last_error=detail):
            Notification.objects.bulk_create(
                Notification(
                    user=user,
                    text=f"A reminder could not be sent after {attempts} tries.",
                    url=reverse("reminders:failed"),
                )
                for user in User.objects.filter(role=Role.SUPERVISOR, is_active=True)
            )
    return "failed"


def resend_reminder(*, reminder: Reminder, by) -> Reminder:
    """Put a failed reminder back in line, due now, with its tries counted afresh."""
    failed = Reminder.objects.filter(pk=reminder.pk, status=ReminderStatus.FAILED)
    if not failed.update(status=ReminderStatus.PENDING, due_at=timezone.now(), attempts=0):
        raise InvalidTransition("Only a failed reminder can be sent again.")
    record_audit(by, AuditEntry.Action.CHANGE, reminder, detail="failed reminder put back to be sent")
    planning.send_soon()
    reminder.refresh_from_db()
    return reminder
