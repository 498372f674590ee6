"""The facilitators' pages of an asynchronous exchange: open it, read what was sent, share it, ask for more, close it.

Everything written in an exchange, shared or not, is for the case's own facilitators and supervisors:
anyone else is answered "not found" (conferences/permissions.py, get_exchange_for_user).
"""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from cases.permissions import get_case_for_user
from people.audit import record_audit
from people.models import AuditEntry
from rjcases.workflow import InvalidTransition

from . import exchanges
from .exchange_forms import AskForStatementForm, CloseExchangeForm, OpenExchangeForm, ShareStatementForm
from .models import Statement, StatementStatus
from .permissions import get_exchange_for_user


def open_exchange(request, case_pk):
    """Choose who is asked to write what, and until when."""
    case = get_case_for_user(request.user, case_pk, write=True)
    if not case.is_open:
        messages.error(
            request, _("Case %(case)s is closed: an exchange can no longer be opened on it.") % {"case": case}
        )
        return redirect(case)
    form = OpenExchangeForm(request.POST or None, case=case)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                exchange = exchanges.open_exchange(
                    case=case, by=request.user, open_until=form.cleaned_data["open_until"], requests=form.requests()
                )
            except InvalidTransition as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Exchange opened: each participant is sent their link."))
                return redirect(exchange)
        status = 400
    return render(request, "exchanges/open.html", {"case": case, "form": form}, status=status)


def _render_detail(request, exchange, *, bound=None, status=200):
    bound = bound or {}
    record_audit(request.user, AuditEntry.Action.VIEW, exchange, request=request)
    members = list(
        exchange.members.select_related("person").prefetch_related("statements__shared_by", "statements__item")
    )
    for member in members:
        for statement in member.statements.all():
            if statement.status == StatementStatus.SUBMITTED:
                key = f"share{statement.pk}"
                statement.share_form = bound.get(key) or ShareStatementForm(
                    prefix=key, initial={"shared_text": statement.text}
                )
    is_open = exchange.is_open
    context = {
        "exchange": exchange,
        "case": exchange.case,
        "members": members,
        "is_open": is_open,
        "ask_form": (bound.get("ask") or AskForStatementForm(case=exchange.case)) if is_open else None,
        "close_form": (bound.get("close") or CloseExchangeForm(prefix="close")) if is_open else None,
        "has_errors": bool(bound),
    }
    return render(request, "exchanges/detail.html", context, status=status)


@require_safe
def detail(request, pk):
    return _render_detail(request, get_exchange_for_user(request.user, pk))


@require_POST
def share(request, pk, statement_pk):
    """Share a sent statement with the others, as the facilitator's copy of it."""
    exchange = get_exchange_for_user(request.user, pk)
    statement = get_object_or_404(Statement, pk=statement_pk, member__exchange=exchange)
    key = f"share{statement.pk}"
    form = ShareStatementForm(request.POST, prefix=key)
    if not form.is_valid():
        return _render_detail(request, exchange, bound={key: form}, status=400)
    try:
        statement = exchanges.share_statement(
            statement=statement, by=request.user, shared_text=form.cleaned_data["shared_text"]
        )
    except InvalidTransition as error:
        messages.error(request, str(error))
        return redirect(exchange)
    if statement.redacted:
        messages.success(
            request, _("Shared with the parts you took out: the others in the exchange are sent a message.")
        )
    else:
        messages.success(request, _("Shared: the others in the exchange are sent a message."))
    return redirect(exchange)


@require_POST
def ask(request, pk):
    exchange = get_exchange_for_user(request.user, pk)
    form = AskForStatementForm(request.POST, case=exchange.case)
    if not form.is_valid():
        return _render_detail(request, exchange, bound={"ask": form}, status=400)
    try:
        exchanges.ask_for_statement(exchange=exchange, by=request.user, request=form.statement_request())
    except InvalidTransition as error:
        form.add_error(None, str(error))
        return _render_detail(request, exchange, bound={"ask": form}, status=400)
    messages.success(request, _("Asked: they are sent a message with their link."))
    return redirect(exchange)


@require_POST
def close(request, pk):
    exchange = get_exchange_for_user(request.user, pk)
    form = CloseExchangeForm(request.POST, prefix="close")
    if not form.is_valid():
        return _render_detail(request, exchange, bound={"close": form}, status=400)
    try:
        exchanges.close_exchange(exchange=exchange, by=request.user, reason=form.cleaned_data["reason"])
    except InvalidTransition as error:
        messages.error(request, str(error))
        return redirect(exchange)
    messages.success(request, _("Exchange closed: the participants' links no longer work."))
    return redirect(exchange)
