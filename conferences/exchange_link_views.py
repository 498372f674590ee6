"""A participant's page in an exchange: what was shared with them, and what they are asked to write."""

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from people.links import participant_page, speak_their_language

from . import exchanges
from .exchanges import ExchangeClosed, ExchangeLinkError, StatementAlreadySent
from .models import Statement
from .participant_forms import StatementForm


def _link_problem(request, error: ExchangeLinkError):
    problem, status = ("closed", 410) if isinstance(error, ExchangeClosed) else ("unknown", 404)
    return render(request, "exchange/link_problem.html", {"problem": problem}, status=status)


@participant_page
@require_http_methods(["GET", "POST"])
def page(request, token):
    """Show the member's exchange; save a draft of one of their statements, or send it."""
    try:
        member = exchanges.member_for_link(token)
    except ExchangeLinkError as error:
        return _link_problem(request, error)
    speak_their_language(request, member.person)
    bound, done, problem, status = None, "", "", 200
    if request.method == "POST":
        statement_pk = request.POST.get("statement", "")
        prefix = f"s{statement_pk}" if statement_pk.isascii() and statement_pk.isdigit() else ""
        form = StatementForm(request.POST, prefix=prefix) if prefix else None
        send = request.POST.get("action") == "send"
        if form is None:
            problem, status = _("Nothing was saved: the page did not say which text it was."), 400
        elif not form.is_valid():
            bound, status = form, 400
        else:
            try:
                exchanges.write_statement(
                    member=member, statement_pk=int(statement_pk), text=form.cleaned_data["text"], send=send
                )
                done = "sent" if send else "saved"
            except ValueError:
                form.add_error("text", _("Write something before sending it, or save it as a draft."))
                bound, status = form, 400
            except StatementAlreadySent:
                problem, status = _("This was sent already: it can no longer be changed."), 409
            except Statement.DoesNotExist:
                problem, status = _("Nothing was saved: the page did not say which text it was."), 400
            except ExchangeLinkError as error:
                return _link_problem(request, error)
    statements = list(member.statements.all())
    for statement in statements:
        if bound is not None and bound.prefix == f"s{statement.pk}":
            statement.form = bound
        elif statement.is_writable:
            statement.form = StatementForm(prefix=f"s{statement.pk}", initial={"text": statement.text})
    context = {
        "member": member,
        "exchange": member.exchange,
        "shared": list(exchanges.shared_with(member)),
        "statements": statements,
        "done": done,
        "problem": problem,
    }
    return render(request, "exchange/page.html", context, status=status)
