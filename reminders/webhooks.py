"""Webhooks: events for API clients, written as rows with the change and sent by a sweep (docs/api.md).

Planning runs inside the writer's transaction (reminders/receivers.py), so a delivery exists if and
only if its change committed. Each delivery's body is built then, from what the client may read
through the API, and each subscriber is found through the same permission getters as its requests.

Sending is the reminders' claim, send, mark (reminders/sending.py): a compare-and-set claim with a
lease, so that two sweeps never send one row at once and a killed sweep's rows are taken up again.
A receiver sees a delivery at least once; the `webhook-id` header is the same on every try, so a
receiver that keeps the ids it handled sees each event exactly once. Tries back off from a minute to
two hours and end 24 hours after the event. Only the worker talks to receivers: a slow or failing
receiver never holds up a page.

Signatures are the Standard Webhooks scheme's, made by its library: `webhook-signature: v1,<base64
HMAC-SHA256 of "<id>.<timestamp>.<body>" under the secret>`, so that receivers can use its libraries.
"""

import base64
import ipaddress
import json
import logging
import secrets
import socket
import urllib.error
import urllib.request
import uuid
from collections import Counter
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.dispatch import Signal
from django.utils import timezone
from standardwebhooks import Webhook

from cases.models import Case
from conferences.models import AgreementItem, ItemStatus
from conferences.permissions import items_for_user
from people.audit import record_audit
from people.models import AuditEntry
from referrals.models import Referral, ReferralStatus
from referrals.permissions import referrals_for_user
from rjcases.workflow import InvalidTransition

from . import planning
from .models import AGENCY_EVENTS, PARTNER_EVENTS, DeliveryStatus, WebhookDelivery, WebhookEvent, WebhookSubscription

log = logging.getLogger(__name__)

SECRET_PREFIX = "whsec_"
USER_AGENT = "RJCases-Webhooks/1"
RETRY_FOR = timedelta(hours=24)
LONGEST_PAUSE = timedelta(hours=2)


# Subscribing


def events_for(client) -> tuple[str, ...]:
    """The events a client may subscribe to: its referrals' for an agency, its items' for a partner."""
    return PARTNER_EVENTS if client.partner_id else AGENCY_EVENTS


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def check_url(url: str, *, resolve: bool = True) -> None:
    """Refuse an address the worker must not call: not https, or a host inside the programme's network.

    Checked when subscribing and again before every try (a name can be pointed elsewhere later).
    WEBHOOK_ALLOW_PRIVATE_ADDRESSES (development and tests only) lets plain http and loopback through.
    """
    parts = urlsplit(url)
    allow_private = settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES
    if parts.scheme != "https" and not (allow_private and parts.scheme == "http"):
        raise ValidationError("The address must start with https://.", code="insecure")
    if not parts.hostname or parts.username or parts.password:
        raise ValidationError("The address needs a host name and no user name or password.", code="invalid")
    if allow_private or not resolve:
        return
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, parts.port or 443)}
    except (socket.gaierror, UnicodeError):
        raise ValidationError("The address's host name does not resolve.", code="unresolved") from None
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if not ip.is_global:
            raise ValidationError("The address points inside a private network.", code="private")


# Planning: called by the receivers, inside the writer's transaction


def _subscribed(event: str) -> list[WebhookSubscription]:
    """The active subscriptions to `event` (a programme has a handful: filtered here, on any database)."""
    active = WebhookSubscription.objects.filter(is_active=True, client__revoked_at__isnull=True)
    return [s for s in active.select_related("client__user") if event in s.events]


def _plan(subscription, event: str, key: str, payload: dict, *, occurred_at, due_at=None) -> None:
    WebhookDelivery.objects.get_or_create(
        subscription=subscription,
        key=key,
        defaults={
            "event_id": uuid.uuid4(),
            "event": event,
            "payload": payload,
            "occurred_at": occurred_at,
            "due_at": due_at or occurred_at,
            "retry_until": (due_at or occurred_at) + RETRY_FOR,
        },
    )


def _referral_body(referral: Referral) -> dict:
    return {
        "id": referral.pk,
        "reference": referral.reference,
        "incident_number": referral.incident_number,
        "status": referral.status,
        "screened_at": referral.screened_at.isoformat() if referral.screened_at else None,
    }


def plan_referral_events(referral: Referral) -> bool:
    """Plan the screening decision or the request for information for the clients who may read it.

    An acceptance is planned once its case is open (the receiver of `referral_accepted`), to name it.
    """
    if referral.status in (ReferralStatus.ACCEPTED, ReferralStatus.DECLINED):
        event = WebhookEvent.REFERRAL_SCREENED
        body = {
            **_referral_body(referral),
            "decision": referral.status,
            "decline_reason": referral.decline_reason or None,
            "case": Case.objects.filter(referral=referral).values_list("pk", flat=True).first(),
        }
        key = f"{event}:r{referral.pk}"
    elif referral.status == ReferralStatus.NEEDS_INFO:
        event = WebhookEvent.REFERRAL_NEEDS_INFO
        body = {**_referral_body(referral), "info_request": referral.info_request}
        # A referral can be asked for information more than once: each request is an event.
        key = f"{event}:r{referral.pk}:{timezone.now().isoformat()}"
    else:
        return False
    return _plan_for_readers(event, key, {"referral": body}, referral_pk=referral.pk)


def plan_case_events(case: Case) -> bool:
    """Plan "case closed" with its outcome code and dates for the clients who may read its referral."""
    if case.is_open or not case.closed_at:
        return False
    referral = case.referral
    body = {
        "case": {
            "id": case.pk,
            "outcome": case.status,
            "return_reason": case.return_reason or None,
            "opened_at": case.opened_at.isoformat(),
            "closed_at": case.closed_at.isoformat(),
        },
        "referral": {"id": referral.pk, "reference": referral.reference, "incident_number": referral.incident_number},
    }
    return _plan_for_readers(WebhookEvent.CASE_CLOSED, f"case.closed:c{case.pk}", body, referral_pk=referral.pk)


def _plan_for_readers(event, key, body, *, referral_pk) -> bool:
    planned = False
    now = timezone.now()
    for subscription in _subscribed(event):
        if referrals_for_user(subscription.client.user).filter(pk=referral_pk).exists():
            _plan(subscription, event, key, body, occurred_at=now)
            planned = True
    return planned


def plan_item_events(item: AgreementItem) -> None:
    """Plan "item overdue" for the item's partner's clients, due the morning after its due date.

    Planned when the item changes; a pending delivery whose item was done, or moved to another date,
    is cancelled, and one found stale when it falls due is cancelled then.
    """
    case = item.agreement.case
    live = item.status == ItemStatus.PENDING and item.agreement.is_current and case.is_open
    key = f"item.overdue:i{item.pk}:{item.due_date.isoformat()}"
    waiting = WebhookDelivery.objects.filter(
        event=WebhookEvent.ITEM_OVERDUE, key__startswith=f"item.overdue:i{item.pk}:", status=DeliveryStatus.PENDING
    )
    if live:
        waiting = waiting.exclude(key=key)
    waiting.update(status=DeliveryStatus.CANCELLED, cancelled_reason="The item was done or given another date.")
    if not live or not item.partner_id:
        return
    due_at = planning._at_morning(item.due_date + timedelta(days=1))
    body = {
        "item": {
            "id": item.pk,
            "reference": case.reference,
            "kind": item.kind,
            "description": item.description,
            "due_date": item.due_date.isoformat(),
            "status": item.status,
            "partner": item.partner_id,
        }
    }
    for subscription in _subscribed(WebhookEvent.ITEM_OVERDUE):
        if items_for_user(subscription.client.user).filter(pk=item.pk).exists():
            _plan(subscription, WebhookEvent.ITEM_OVERDUE, key, body, occurred_at=due_at, due_at=due_at)


def plan_for_subscription(subscription: WebhookSubscription) -> None:
    """Plan, for a new or changed subscription, what is already coming: its partner's pending items."""
    if WebhookEvent.ITEM_OVERDUE in subscription.events and subscription.is_active:
        items = items_for_user(subscription.client.user).filter(
            status=ItemStatus.PENDING, agreement__superseded_at__isnull=True
        )
        for item in items.select_related("agreement__case"):
            plan_item_events(item)


def plan_agreement_events(case: Case) -> None:
    for item in AgreementItem.objects.filter(agreement__case=case).select_related("agreement__case"):
        plan_item_events(item)


#: Deliveries fell due with a change that committed: reminders/receivers.py asks a worker to sweep
#: now. A signal, as for reminders (planning.reminders_due): the task that sweeps builds on this module.
webhooks_due = Signal()


def send_soon() -> None:
    """Ask a worker to sweep once this transaction commits (a nudge; the periodic sweep is the guarantee)."""
    if settings.REMINDERS_NUDGE_WORKER:
        transaction.on_commit(lambda: webhooks_due.send(sender=WebhookDelivery))


# Signing


def signed_headers(secret: str, event_id: str, at, body: bytes) -> dict[str, str]:
    """Return the Standard Webhooks headers of one try of one delivery, signed at `at`."""
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id=event_id, timestamp=at, data=body.decode()),
    }


def envelope(delivery: WebhookDelivery) -> bytes:
    body = {
        "id": str(delivery.event_id),
        "type": delivery.event,
        "occurred_at": delivery.occurred_at.isoformat(),
        "data": delivery.payload,
    }
    return json.dumps(body, separators=(",", ":"), sort_keys=True).encode()


# Sending


def claim_due(*, limit: int = 50) -> tuple[uuid.UUID, list[int]]:
    """Claim up to `limit` due deliveries for this sweep; return its token and the ids it holds."""
    now = timezone.now()
    token = uuid.uuid4()
    with transaction.atomic():
        candidates = list(
            WebhookDelivery.objects.due(now)
            .select_for_update(skip_locked=True)
            .order_by("due_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        WebhookDelivery.objects.due(now).filter(pk__in=candidates).update(
            status=DeliveryStatus.SENDING,
            claim_token=token,
            claimed_until=now + timedelta(seconds=settings.WEBHOOK_CLAIM_SECONDS),
            attempts=F("attempts") + 1,
        )
    held = WebhookDelivery.objects.filter(pk__in=candidates, claim_token=token, status=DeliveryStatus.SENDING)
    return token, sorted(held.values_list("pk", flat=True))


def _finish(pk: int, token: uuid.UUID, **changes) -> bool:
    changes.update(claim_token=None, claimed_until=None)
    held = WebhookDelivery.objects.filter(pk=pk, claim_token=token, status=DeliveryStatus.SENDING)
    return held.update(**changes) == 1


def send_due_webhooks(*, batch: int = 50, max_batches: int = 10) -> Counter:
    """Send due deliveries; a receiver that fails is not tried again in the same sweep."""
    counts = Counter()
    failing: set[int] = set()
    for _ in range(max_batches):
        token, ids = claim_due(limit=batch)
        if not ids:
            break
        for pk in ids:
            counts[_deliver_or_log(pk, token, failing)] += 1
    if counts:
        log.info("Webhook sweep: %s", dict(counts))
    return counts


def _deliver_or_log(pk, token, failing) -> str:
    try:
        return deliver(pk, token, failing)
    except Exception:
        log.exception("Webhook delivery %s could not be sent; it is claimed again when its lease ends", pk)
        return "error"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A receiver's redirect is an answer, not an address to follow (it could point anywhere)."""

    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def _still_wanted(delivery: WebhookDelivery) -> str:
    """Return why a delivery should no longer go out, or ''."""
    subscription = delivery.subscription
    client = subscription.client
    if not subscription.is_active or client.is_revoked or client.is_expired or not client.user.is_active:
        return "The subscription or its API key is no longer active."
    data = delivery.payload
    if "referral" in data and not referrals_for_user(client.user).filter(pk=data["referral"]["id"]).exists():
        return "The client can no longer read the referral."
    if "item" in data:
        item = AgreementItem.objects.filter(pk=data["item"]["id"]).select_related("agreement__case").first()
        if item is None or not items_for_user(client.user).filter(pk=item.pk).exists():
            return "The client can no longer read the item."
        live = item.status == ItemStatus.PENDING and item.agreement.is_current and item.agreement.case.is_open
        if not live or item.due_date.isoformat() != data["item"]["due_date"]:
            return "The item is no longer overdue."
    return ""


def deliver(pk: int, token: uuid.UUID, failing: set[int]) -> str:
    """POST one claimed delivery and mark it; return what happened."""
    delivery = WebhookDelivery.objects.select_related("subscription__client__user").get(pk=pk)
    if delivery.subscription_id in failing:
        later = timezone.now() + timedelta(minutes=1)
        _finish(pk, token, status=DeliveryStatus.PENDING, attempts=F("attempts") - 1, due_at=later)
        return "deferred"
    stale = _still_wanted(delivery)
    if stale:
        _finish(pk, token, status=DeliveryStatus.CANCELLED, cancelled_reason=stale)
        return "cancelled"
    now = timezone.now()
    body = envelope(delivery)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        **signed_headers(delivery.subscription.secret, str(delivery.event_id), now, body),
    }
    code, error = None, ""
    try:
        check_url(delivery.subscription.url)
        request = urllib.request.Request(delivery.subscription.url, data=body, headers=headers, method="POST")
        with _opener.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            code = response.status
    except urllib.error.HTTPError as answer:
        code, error = answer.code, f"The receiver answered {answer.code}."
    except ValidationError as refused:
        error = refused.messages[0]
    except Exception as failure:  # a timeout, a refused connection, a TLS error: all tried again
        error = f"{type(failure).__name__}: {failure}"
    if code is not None and 200 <= code < 300:
        _finish(pk, token, status=DeliveryStatus.DELIVERED, delivered_at=timezone.now(), last_attempt_at=now,
                last_status_code=code, last_error="")  # fmt: skip
        return "delivered"
    failing.add(delivery.subscription_id)
    return _retry_or_fail(delivery, token, now, code, error or f"The receiver answered {code}.")


def _retry_or_fail(delivery, token, now, code, error) -> str:
    pause = min(timedelta(minutes=2 ** (delivery.attempts - 1)), LONGEST_PAUSE)
    outcome = {"last_attempt_at": now, "last_status_code": code, "last_error": error[:500]}
    if now + pause > delivery.retry_until:
        _finish(delivery.pk, token, status=DeliveryStatus.FAILED, **outcome)
        log.warning("Webhook delivery %s failed for 24 hours: %s", delivery.pk, error[:200])
        return "failed"
    _finish(delivery.pk, token, status=DeliveryStatus.PENDING, due_at=now + pause, **outcome)
    return "retried"


def send_again(*, delivery: WebhookDelivery, by) -> WebhookDelivery:
    """Put a failed or cancelled delivery back in line, due now, with the same event id."""
    now = timezone.now()
    ended = WebhookDelivery.objects.filter(
        pk=delivery.pk, status__in=(DeliveryStatus.FAILED, DeliveryStatus.CANCELLED, DeliveryStatus.DELIVERED)
    )
    # Its 24 hours of tries start again from now; its event id and body stay those of the event.
    again = {"due_at": now, "retry_until": now + RETRY_FOR, "attempts": 0, "cancelled_reason": ""}
    if not ended.update(status=DeliveryStatus.PENDING, **again):
        raise InvalidTransition("Only a delivery that has ended can be sent again.")
    record_audit(by, AuditEntry.Action.CHANGE, delivery, detail="webhook delivery put back to be sent")
    send_soon()
    delivery.refresh_from_db()
    return delivery
