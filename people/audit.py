"""The append-only, hash-chained audit log, written by the code that writes (DESIGN.md, rule 7).

Every row that the programme's own models save or delete leaves an entry in the same transaction
(`_on_save`, `_on_delete`, `_on_m2m` below), whatever wrote it: a page, the API, the admin, a task.
Who and where from come from the origin of the work: the request (set by `AuditMiddleware`, and
for the API after its key is checked), a Celery task or a command. Reads, exports, logins, failed
logins and refused requests are recorded where they happen with `record_audit`.

Each entry stores an HMAC over its content and the previous entry's HMAC, so that an entry
deleted or changed by someone who bypasses the database's refusals (a superuser) breaks the chain
at that point; `manage.py verify_audit` finds the first broken link. The key is the app's, never
in the database, so the chain cannot be rebuilt from a dump.
"""

import contextvars
import functools
import hashlib
import hmac
import ipaddress
import json
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC
from functools import cache

from celery.signals import task_postrun, task_prerun
from django.apps import apps
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import connection, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.urls import Resolver404, resolve
from django.utils import timezone

from .models import AuditEntry

Action = AuditEntry.Action
Outcome = AuditEntry.Outcome


@dataclass(frozen=True)
class Origin:
    """Where the work being audited comes from: a request, or a channel such as a task's name."""

    request: object = None
    channel: str = "system"


_origin: contextvars.ContextVar[Origin | None] = contextvars.ContextVar("audit_origin", default=None)
_NOWHERE = Origin()


@contextmanager
def audit_origin(*, request=None, channel: str = "system"):
    """Attribute every entry written inside the block to `request` (its user, address and key)."""
    token = _origin.set(Origin(request=request, channel=channel))
    try:
        yield
    finally:
        _origin.reset(token)


def record_audit(
    actor=None,
    action: str = Action.VIEW,
    record=None,
    *,
    request=None,
    detail: str = "",
    outcome: str = Outcome.SUCCESS,
    username: str = "",
    object_type: str = "",
    object_id: str = "",
) -> AuditEntry:
    """Append one entry. Never pass personal data in `detail`: ids and codes only.

    Without `actor` or `request`, those of the current origin are used.
    """
    origin = _origin.get() or _NOWHERE
    request = request if request is not None else origin.request
    if actor is None and request is not None:
        actor = getattr(request, "user", None)
    if not getattr(actor, "is_authenticated", False):
        actor = None
    entry = AuditEntry(
        actor=actor,
        actor_username=(actor.get_username() if actor is not None else username)[:150],
        action=action,
        object_type=record._meta.label_lower if record is not None else object_type[:50],
        object_id=str(record.pk) if record is not None else str(object_id)[:50],
        detail=detail[:200],
        ip_address=_client_ip(request),
        client=_client_of(request, origin.channel)[:100],
        outcome=outcome,
        created_at=timezone.now(),
    )
    batch = _batch.get()
    if batch is not None and connection.in_atomic_block:
        batch.add(entry)
    else:
        _append([entry])
    return entry


def _append(entries: list[AuditEntry]) -> None:
    """Chain `entries` after the last entry, in their order, and insert them in one statement."""
    with transaction.atomic():
        _lock_the_chain()
        previous = AuditEntry.objects.order_by("-pk").values_list("entry_hash", flat=True).first() or ""
        for entry in entries:
            entry.prev_hash = previous
            entry.entry_hash = previous = chain_hash(entry)
        AuditEntry.objects.bulk_create(entries)


class _Batch:
    """The entries of a `batched_audit` block, each with a marker among the transaction's on-commit
    callbacks: Django drops the callbacks of a savepoint that rolls back, and with them the marker,
    so that an entry whose change was rolled back is not written."""

    def __init__(self):
        self.entries: list[tuple[AuditEntry, object]] = []

    def add(self, entry: AuditEntry) -> None:
        marker = _Marker()
        transaction.on_commit(marker)
        self.entries.append((entry, marker))

    def kept(self) -> list[AuditEntry]:
        pending = {id(callback) for _, callback, *_ in connection.run_on_commit}
        return [entry for entry, marker in self.entries if id(marker) in pending]


class _Marker:
    def __call__(self):
        pass  # nothing to do after the commit: it only marks its entry as not rolled back


_batch: contextvars.ContextVar[_Batch | None] = contextvars.ContextVar("audit_batch", default=None)


@contextmanager
def batched_audit():
    """Write the block's entries together when it ends, under one short hold of the chain's lock.

    Each entry otherwise takes the lock when it is written and holds it until the transaction
    commits, so that transactions writing many rows (a referral with its parties) queue behind each
    other for most of their length. Use it inside the transaction, around all of its work: the
    entries are written as the block ends, still in the transaction. A block inside another joins it.
    """
    if _batch.get() is not None or not connection.in_atomic_block:
        yield  # joined to the enclosing block, or outside a transaction: each entry is written at once
        return
    batch = _Batch()
    token = _batch.set(batch)
    try:
        yield
        kept = batch.kept()
    finally:
        _batch.reset(token)
    if kept:
        _append(kept)


def batched_atomic(func):
    """Run `func` in a transaction whose audit entries are written together as it ends (`batched_audit`)."""

    @functools.wraps(func)
    def run(*args, **kwargs):
        with transaction.atomic(), batched_audit():
            return func(*args, **kwargs)

    return run


def _lock_the_chain():
    # Entries are chained in id order, so two transactions must not read the same last entry: the
    # lock is held until the transaction that appended commits (a `batched_audit` block takes it
    # only as it ends). SQLite serialises writers itself (settings open its transactions IMMEDIATE).
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('cases_auditentry'))")


def chain_hash(entry: AuditEntry) -> str:
    """Return the HMAC of `entry`'s content and the previous entry's HMAC."""
    content = [
        entry.created_at.astimezone(UTC).isoformat(),
        entry.actor_id,
        entry.actor_username,
        entry.action,
        entry.object_type,
        entry.object_id,
        entry.detail,
        _normalised_ip(entry.ip_address),
        entry.client,
        entry.outcome,
        entry.prev_hash,
    ]
    message = json.dumps(content, separators=(",", ":"), ensure_ascii=False).encode()
    return hmac.new(_chain_key(), message, hashlib.sha256).hexdigest()


def _chain_key() -> bytes:
    return settings.AUDIT_CHAIN_KEY.encode()


def _normalised_ip(value) -> str:
    return str(ipaddress.ip_address(value)) if value else ""


def _client_ip(request):
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def _client_of(request, channel: str) -> str:
    """Name what the request came through: an API key (its id and prefix), the site, or a task."""
    if request is None:
        return channel
    key = getattr(request, "auth", None)
    if key is not None and hasattr(key, "key_prefix"):
        return f"api key {key.pk} ({key.key_prefix})"
    return "api" if channel == "api" else "web"


# --- Changes: every save and delete of the programme's models ---------------------------------


@cache
def _audited(model) -> bool:
    """Say whether saves of `model` are audited: the programme's own models, except those that
    declare `audited = False` because they only hold what other, audited rows imply."""
    if model is AuditEntry or hasattr(model, "instance_type"):  # simple-history's copies
        return False
    if not getattr(model, "audited", True):
        return False
    path = str(apps.get_app_config(model._meta.app_label).path)
    return path.startswith(str(settings.BASE_DIR)) and "site-packages" not in path


def connect_change_auditing() -> None:
    """Connect the save, delete and many-to-many receivers to each audited model.

    Per model, not for every sender: a delete receiver on a model stops Django deleting its rows
    in bulk, and the tables rebuilt wholesale (the dashboard's) must stay fast.
    """
    for model in apps.get_models():
        if not _audited(model):
            continue
        post_save.connect(_on_save, sender=model, dispatch_uid=f"audit_save_{model._meta.label_lower}")
        post_delete.connect(_on_delete, sender=model, dispatch_uid=f"audit_delete_{model._meta.label_lower}")
        for field in model._meta.local_many_to_many:
            through = field.remote_field.through
            m2m_changed.connect(_on_m2m, sender=through, dispatch_uid=f"audit_m2m_{through._meta.label_lower}")


def _on_save(sender, instance, created, raw=False, update_fields=None, **kwargs):
    if raw or not _audited(sender):
        return
    detail = "" if created or not update_fields else "fields: " + ",".join(sorted(update_fields))
    record_audit(action=Action.CREATE if created else Action.CHANGE, record=instance, detail=detail)


def _on_delete(sender, instance, **kwargs):
    if _audited(sender):
        record_audit(action=Action.DELETE, record=instance)


def _on_m2m(sender, instance, action, pk_set, **kwargs):
    if action.startswith("post_") and _audited(type(instance)):
        ids = ",".join(str(pk) for pk in sorted(pk_set or ()))
        record_audit(action=Action.CHANGE, record=instance, detail=f"{sender._meta.model_name} {action[5:]}: {ids}")


def record_bulk_change(model, pks, *, action: str = Action.CHANGE, detail: str = "") -> None:
    """Audit rows written by a bulk `update()` or `bulk_create()`, which send no signals."""
    for pk in pks:
        record_audit(action=action, object_type=model._meta.label_lower, object_id=pk, detail=detail)


# --- Where from: requests, tasks, logins ---------------------------------------------------------


class AuditMiddleware:
    """Attribute the request's writes to it, and record what was refused (401, 403) or probed (404)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        channel = "api" if request.path.startswith("/api/") else "web"
        with audit_origin(request=request, channel=channel):
            response = self.get_response(request)
            if response.status_code in (401, 403, 404):
                self._record_refusal(request, response.status_code)
        return response

    @staticmethod
    def _record_refusal(request, status: int) -> None:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return  # no such page: nothing was refused
        # Only ids: other parts of a path (a participant's link) are secrets, never kept.
        record_id = next((str(v) for k, v in match.kwargs.items() if k == "pk" or k.endswith("_pk")), "")
        if status == 404 and not record_id:
            return  # a list or form that is not there is not a probe of a record
        outcome = Outcome.NOT_FOUND if status == 404 else Outcome.DENIED
        name = match.view_name.replace("-", "_")
        record_audit(action=Action.REFUSED, object_type=name, object_id=record_id, outcome=outcome, detail=str(status))


@task_prerun.connect(dispatch_uid="audit_task_start")
def _on_task_start(task_id=None, task=None, **kwargs):
    task.request.audit_token = _origin.set(Origin(channel=f"task {task.name}"))


@task_postrun.connect(dispatch_uid="audit_task_end")
def _on_task_end(task_id=None, task=None, **kwargs):
    token = getattr(task.request, "audit_token", None)
    if token is not None:
        with suppress(ValueError):  # set in another context (eager tasks run inside their caller's)
            _origin.reset(token)


@receiver(user_logged_in)
def _on_login(sender, request, user, **kwargs):
    record_audit(user, Action.LOGIN, request=request)


@receiver(user_logged_out)
def _on_logout(sender, request, user, **kwargs):
    if user is not None:
        record_audit(user, Action.LOGOUT, request=request)


@receiver(user_login_failed)
def _on_login_failed(sender, credentials, request=None, **kwargs):
    # The attempted account is kept (AU-3: who tried); the password never is.
    username = str(credentials.get("username", ""))
    record_audit(None, Action.LOGIN_FAILED, request=request, username=username, outcome=Outcome.FAILED)


# --- Verification --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainReport:
    checked: int
    head: str  # the last entry's HMAC: keep it, and a later check can tell the log was cut short
    broken_at: int | None = None  # the id of the first entry whose link or content fails
    problem: str = ""


def verify_chain(*, expected_head: str = "") -> ChainReport:
    """Walk the log in id order, recomputing each entry's HMAC and its link to the previous one.

    An entry deleted breaks the next entry's link; an entry changed fails its own HMAC. Entries cut
    from the end leave no broken link: `expected_head`, a head reported earlier, must still be there.
    """
    previous, checked, seen_head = "", 0, not expected_head
    for entry in AuditEntry.objects.order_by("pk").iterator(chunk_size=5000):
        checked += 1
        if entry.prev_hash != previous:
            problem = "its link to the entry before it is broken: an entry before it was deleted or changed"
            return ChainReport(checked, previous, entry.pk, problem)
        if not hmac.compare_digest(entry.entry_hash, chain_hash(entry)):
            return ChainReport(checked, previous, entry.pk, "its content does not match its hash: it was changed")
        previous = entry.entry_hash
        seen_head = seen_head or entry.entry_hash == expected_head
    if not seen_head:
        return ChainReport(checked, previous, None, "the head given is no longer in the log: entries were removed")
    return ChainReport(checked, previous)
