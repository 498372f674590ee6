"""Asynchronous restorative exchanges: statements written in the participants' own time, shared by the facilitator.

A facilitator of the case opens an exchange for chosen participants (each with an active consent to
take part in one) and asks each for one or more statements: the harmed party's account and questions,
the responsible party's reflection, answers or letter of apology. The reminders' sweep sends each
their link (reminders/planning.py, plan_exchange_messages); through it they save drafts, come back,
and send. Nothing reaches the others until a facilitator has read it and shared it, with anything
that should not reach them taken out: the writer's own text is kept for the case's facilitators and
supervisors. A shared statement is then on every other member's page, and they are told.

Sending, sharing, asking and closing are each an entry of the case's timeline, naming no content.
Withdrawing the consent closes the exchange; so does closing the case. An apology letter asked for
against the agreement's apology item completes that item when it is shared.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_fsm import can_proceed

from cases.models import Case, CaseEvent, CaseStatus, ConsentPurpose
from cases.transitions import record_case_event
from people.links import link_hash, new_link_token
from people.models import Notification, Person
from referrals.models import PartyRole
from rjcases.workflow import InvalidTransition, exchange_changed

from .models import (
    PURPOSES_BY_SIDE,
    AgreementItem,
    Exchange,
    ExchangeMember,
    ExchangePurpose,
    ExchangeSide,
    ExchangeStatus,
    ItemKind,
    ItemStatus,
    Statement,
    StatementStatus,
)
from .services import set_item_status

Kind = CaseEvent.Kind
LONGEST = timedelta(days=90)  # an exchange runs for weeks, not for ever: a link lives at most this long
STATEMENT_MAX_LENGTH = 10_000
_SIDES = {
    PartyRole.RESPONSIBLE: ExchangeSide.RESPONSIBLE,
    PartyRole.HARMED: ExchangeSide.HARMED,
    PartyRole.GUARDIAN: ExchangeSide.GUARDIAN,
    PartyRole.SUPPORTER: ExchangeSide.SUPPORTER,
}


class ExchangeLinkError(Exception):
    """A link that cannot be used, and why (its subclass)."""


class ExchangeLinkUnknown(ExchangeLinkError):
    pass


class ExchangeClosed(ExchangeLinkError):
    pass


class StatementAlreadySent(Exception):
    """The statement was sent already (from another tab, or twice): it can no longer change."""


@dataclass
class StatementRequest:
    """One statement to ask for: from whom, what, in the facilitator's words, and the item it delivers."""

    person: Person
    purpose: str
    prompt: str = ""
    item: object = None


def exchange_people(case: Case) -> dict[int, tuple[Person, str]]:
    """Return who may take part in an exchange on the case, by person id, with their side.

    Those with an active consent to it, given by them or for a juvenile by a guardian.
    """
    consents = case.consents.filter(purpose=ConsentPurpose.EXCHANGE, withdrawn_at__isnull=True)
    consenting = set(consents.values_list("person_id", flat=True))
    found = {}
    for party in case.referral.parties.select_related("person").order_by("pk"):
        if party.person_id in consenting and party.role in _SIDES and party.person_id not in found:
            found[party.person_id] = (party.person, _SIDES[party.role])
    return found


def apology_items(case: Case):
    """Return the apology letters of the case's current agreement still to be done: what an exchange may deliver."""
    return (
        case.agreements.get(superseded_at__isnull=True).items.filter(kind=ItemKind.APOLOGY, status=ItemStatus.PENDING)
        if case.status == CaseStatus.MONITORING
        else AgreementItem.objects.none()
    )


def _check_request(case: Case, request: StatementRequest, people: dict) -> str:
    """Return the side the request's writer takes part as; raise InvalidTransition if it cannot be asked."""
    if request.person.pk not in people:
        raise InvalidTransition(f"{request.person.display_name} has not consented to take part in an exchange.")
    side = people[request.person.pk][1]
    if request.purpose not in PURPOSES_BY_SIDE[side]:
        purpose = ExchangePurpose(request.purpose).label
        raise InvalidTransition(f"{request.person.display_name} cannot be asked for “{purpose}”.")
    if request.item is not None:
        if request.purpose != ExchangePurpose.APOLOGY:
            raise InvalidTransition("Only a letter of apology can deliver an agreement item.")
        if not apology_items(case).filter(pk=request.item.pk).exists():
            raise InvalidTransition("That item is not an apology letter still to be done on this case's agreement.")
    return side


def _ask(exchange: Exchange, by, request: StatementRequest, side: str) -> Statement:
    member, _ = ExchangeMember.objects.get_or_create(exchange=exchange, person=request.person, defaults={"side": side})
    if member.statements.filter(purpose=request.purpose).exclude(status=StatementStatus.SHARED).exists():
        raise InvalidTransition(
            f"{request.person.display_name} is already asked for “{ExchangePurpose(request.purpose).label}”."
        )
    return Statement.objects.create(
        member=member, purpose=request.purpose, prompt=request.prompt.strip(), item=request.item, requested_by=by
    )


def _require_case_open(case: Case) -> None:
    if not case.is_open:
        raise InvalidTransition(f"Case {case} is closed: an exchange can no longer be opened on it.")


@transaction.atomic
def open_exchange(*, case: Case, by, open_until: date, requests: list[StatementRequest]) -> Exchange:
    """Open an exchange between at least two people with their consent, asking each for what they write."""
    _require_case_open(case)
    today = timezone.localdate()
    if not today <= open_until <= today + LONGEST:
        raise InvalidTransition(f"Choose a last day from today to {today + LONGEST:%d %b %Y}.")
    if len({request.person.pk for request in requests}) < 2:
        raise InvalidTransition("An exchange needs at least two people: choose what each of them is asked to write.")
    people = exchange_people(case)
    sides = [_check_request(case, request, people) for request in requests]
    exchange = Exchange.objects.create(case=case, open_until=open_until, opened_by=by)
    for request, side in zip(requests, sides, strict=True):
        _ask(exchange, by, request, side)
    count = exchange.members.count()
    record_case_event(
        case,
        by=by,
        kind=Kind.EXCHANGE,
        summary=f"Exchange opened with {count} people, {len(requests)} statements asked for, "
        f"until {open_until:%d %b %Y}.",
    )
    exchange_changed.send(sender=Exchange, exchange=exchange)
    return exchange


def _lock_open(exchange: Exchange) -> Exchange:
    exchange = Exchange.objects.select_for_update().select_related("case__referral").get(pk=exchange.pk)
    if exchange.status != ExchangeStatus.OPEN:
        raise InvalidTransition("This exchange is closed.")
    return exchange


@transaction.atomic
def ask_for_statement(*, exchange: Exchange, by, request: StatementRequest) -> Statement:
    """Ask someone (in the exchange already, or joining it) for another statement: answers to questions shared."""
    exchange = _lock_open(exchange)
    _require_case_open(exchange.case)
    side = _check_request(exchange.case, request, exchange_people(exchange.case))
    statement = _ask(exchange, by, request, side)
    record_case_event(
        exchange.case,
        by=by,
        kind=Kind.EXCHANGE,
        summary=f"{request.person.display_name} asked for “{statement.get_purpose_display()}” in the exchange.",
    )
    exchange_changed.send(sender=Exchange, exchange=exchange)
    return statement


@transaction.atomic
def issue_exchange_link(*, member: ExchangeMember) -> str:
    """Make a new link for the member's page; return its path. The link sent before stops working."""
    member = ExchangeMember.objects.select_for_update().select_related("exchange").get(pk=member.pk)
    token, member.link_hash = new_link_token()
    member.link_expires_at = member.exchange.links_expire_at
    member.linked_at = timezone.now()
    member.save(update_fields=["link_hash", "link_expires_at", "linked_at"])
    return reverse("exchange:page", args=[token])


def member_for_link(token: str) -> ExchangeMember:
    """Return the member a link opens; raise an ExchangeLinkError subclass saying why it cannot be used."""
    member = (
        ExchangeMember.objects.filter(link_hash=link_hash(token))
        .select_related("exchange__case", "person__contact")
        .first()
    )
    if member is None:
        raise ExchangeLinkUnknown("This link is not known.")
    if not member.exchange.is_open or not member.link_expires_at or member.link_expires_at <= timezone.now():
        raise ExchangeClosed("The exchange is closed, or its time ran out.")
    return member


def shared_with(member: ExchangeMember):
    """Return the statements shared with the member: the others' statements, as shared, oldest first."""
    return (
        Statement.objects.filter(member__exchange_id=member.exchange_id, status=StatementStatus.SHARED)
        .exclude(member=member)
        .select_related("member")
        .order_by("shared_at", "pk")
    )


@transaction.atomic
def write_statement(*, member: ExchangeMember, statement_pk: int, text: str, send: bool) -> Statement:
    """Save the member's draft of one of their statements, or send it to the facilitator to read."""
    statement = (
        Statement.objects.select_for_update()
        .select_related("member__exchange__case", "member__person")
        .filter(member=member, pk=statement_pk)
        .first()
    )
    if statement is None:
        raise Statement.DoesNotExist("No such statement is asked of you.")
    exchange = statement.member.exchange
    if not exchange.is_open:
        raise ExchangeClosed("The exchange is closed.")
    if not statement.is_writable:
        raise StatementAlreadySent("This was sent already.")
    text = text.strip()
    if send and not text:
        raise ValueError("Write something before sending it, or save it as a draft.")
    statement.text = text
    if send:
        statement.submit()
    else:
        statement.save_draft()
    statement.save()
    if not send:
        return statement
    case = exchange.case
    summary = f"{statement.member.person.display_name} sent “{statement.get_purpose_display()}”: to read and share."
    record_case_event(case, by=None, kind=Kind.EXCHANGE, summary=summary)
    facilitators = [user for user in (case.facilitator, case.co_facilitator) if user is not None and user.is_active]
    Notification.objects.bulk_create(
        Notification(user=user, text=summary[:300], url=exchange.get_absolute_url()) for user in facilitators
    )
    return statement


@transaction.atomic
def share_statement(*, statement: Statement, by, shared_text: str) -> Statement:
    """Share a sent statement with the exchange's other members, as `shared_text` (the writer's words,
    perhaps with parts taken out). The original stays for the case's facilitators and supervisors."""
    statement = Statement.objects.select_for_update().select_related("member__person").get(pk=statement.pk)
    exchange = _lock_open(statement.member.exchange)
    if not can_proceed(statement.share):
        raise InvalidTransition(
            f"This statement is {statement.get_status_display().lower()}: only a sent one can be shared."
        )
    shared_text = shared_text.strip()
    if not shared_text:
        raise InvalidTransition("Give the text to share: the others would read nothing.")
    statement.share()
    statement.shared_text, statement.shared_by = shared_text, by
    statement.redacted = shared_text != statement.text.strip()
    statement.save()
    case = exchange.case
    cut = " with parts taken out" if statement.redacted else ""
    record_case_event(
        case,
        by=by,
        kind=Kind.EXCHANGE,
        summary=f"{statement.member.person.display_name}’s “{statement.get_purpose_display()}” shared{cut}.",
    )
    item = statement.item
    delivers = item is not None and item.status == ItemStatus.PENDING and item.agreement.is_current
    if delivers and case.status == CaseStatus.MONITORING:
        set_item_status(item=item, by=by, status=ItemStatus.COMPLETED, note="Delivered through the exchange.")
    exchange_changed.send(sender=Exchange, exchange=exchange)
    return statement


@transaction.atomic
def close_exchange(*, exchange: Exchange, by, reason: str) -> Exchange:
    """Close an exchange: every link stops (its page says so); what was written stays for the case's team."""
    exchange = _lock_open(exchange)
    exchange.close()
    exchange.closed_by, exchange.close_reason = by, reason
    exchange.save()
    record_case_event(exchange.case, by=by, kind=Kind.EXCHANGE, summary="Exchange closed.", reason=reason)
    exchange_changed.send(sender=Exchange, exchange=exchange)
    return exchange


def close_exchanges_without_consent(case: Case) -> int:
    """Close the case's open exchanges with a member whose consent to take part in one is no longer active."""
    people = exchange_people(case)
    closed = 0
    for exchange in case.exchanges.filter(status=ExchangeStatus.OPEN):
        if exchange.members.exclude(person__in=people).exists():
            close_exchange(
                exchange=exchange, by=None, reason="A participant withdrew their consent to take part in the exchange."
            )
            closed += 1
    return closed


def close_exchanges_of_closed_case(case: Case) -> int:
    """Close the open exchanges of a case that closed: its participants' links stop with it."""
    if case.is_open:
        return 0
    exchanges = list(case.exchanges.filter(status=ExchangeStatus.OPEN))
    for exchange in exchanges:
        close_exchange(exchange=exchange, by=None, reason=f"The case was closed ({case.get_status_display().lower()}).")
    return len(exchanges)
