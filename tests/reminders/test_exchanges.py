"""Asynchronous exchanges, through HTTP: statements written by link, read and shared by the facilitator.

Built on the reminders' case (conftest.py): Harriet Hale is the harmed party, Robin Reed responsible;
both consented to take part and have an email address. The clock stands at Monday 30 March 2026.
"""

import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from cases import services as case_services
from cases.models import ConsentPurpose
from conferences import exchanges
from conferences.models import Exchange, ExchangeStatus, ItemStatus, Statement, StatementStatus
from people.models import ContactDetails, Notification
from reminders.models import Reminder, ReminderKind, ReminderStatus
from tests.helpers import page_text
from tests.reminders.conftest import NOW, sweep

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https://rj\.example\.org(/exchange/[A-Za-z0-9_-]+/)")
HARRIET, ROBIN = "harriet.hale@example.org", "robin.reed@example.org"
ACCOUNT = "I was frightened to open the shop for weeks. Robin Reed lives on Elm Road, I know."
SHARED = "I was frightened to open the shop for weeks."


@pytest.fixture
def anon():
    """The participant's browser: signed in to nothing (the `client` of `login` is the staff's)."""
    return Client()


def consent_to_exchange(case, person, facilitator):
    return case_services.record_consent(
        case=case,
        by=facilitator,
        person=person,
        purpose=ConsentPurpose.EXCHANGE,
        given_by=person,
        given_on=NOW.date(),
        method="verbal",
    )


@pytest.fixture
def consented(ready_case, robin, harriet, facilitator):
    return {person.pk: consent_to_exchange(ready_case, person, facilitator) for person in (robin, harriet)}


def open_by_page(client, case, robin, harriet, **extra):
    data = {
        f"p{harriet.pk}": ["harm", "questions"],
        f"p{robin.pk}": ["reflection"],
        "open_until": "2026-04-27",
        "prompt": "Write what you would like the other person to know.",
        **extra,
    }
    return client.post(reverse("exchanges:open", args=[case.pk]), data)


@pytest.fixture
def exchange(consented, ready_case, robin, harriet, facilitator, login) -> Exchange:
    response = open_by_page(login(facilitator), ready_case, robin, harriet)
    assert response.status_code == 302
    return ready_case.exchanges.get()


def links(mailoutbox, address) -> list[str]:
    return [LINK.search(e.body).group(1) for e in mailoutbox if e.to == [address]]


def statement(exchange, first_name, purpose) -> Statement:
    return Statement.objects.get(member__exchange=exchange, member__person__first_name=first_name, purpose=purpose)


def write(client, link, st, text, action="save"):
    return client.post(link, {"statement": st.pk, f"s{st.pk}-text": text, "action": action})


def test_each_writes_by_their_own_link_and_nothing_reaches_the_other_side_until_shared_as_redacted(
    exchange, ready_case, mailoutbox, anon, facilitator, login
):
    assert sweep() == {"sent": 2}
    [harriet_email] = [e for e in mailoutbox if e.to == [HARRIET]]
    assert harriet_email.subject == "You are asked to write something for your restorative justice case"
    assert (
        "Your facilitator asks you to write: Account of what happened and how it affected you; "
        "Questions you would like answered." in harriet_email.body
    )
    [harriet_link], [robin_link] = links(mailoutbox, HARRIET), links(mailoutbox, ROBIN)
    account = statement(exchange, "Harriet", "harm")

    saved = write(anon, harriet_link, account, ACCOUNT)
    assert saved.status_code == 200 and "Your draft is saved" in page_text(saved)
    assert ACCOUNT in anon.get(harriet_link).content.decode()  # she comes back to her draft
    team = login(facilitator)
    assert "Robin Reed lives on Elm Road" not in page_text(team.get(exchange.get_absolute_url()))  # a draft is hers
    assert "Elm Road" not in page_text(anon.get(robin_link))

    sent = write(anon, harriet_link, account, ACCOUNT, action="send")
    assert sent.status_code == 200 and "Thank you: it was sent to your facilitator" in page_text(sent)
    assert Notification.objects.filter(user=facilitator, url=exchange.get_absolute_url()).exists()
    assert "Elm Road" not in page_text(anon.get(robin_link))  # sent, not shared: still nothing for Robin
    assert "Elm Road" in page_text(team.get(exchange.get_absolute_url()))

    shared = team.post(
        reverse("exchanges:share", args=[exchange.pk, account.pk]), {f"share{account.pk}-shared_text": SHARED}
    )
    assert shared.status_code == 302
    account.refresh_from_db()
    assert (account.status, account.redacted, account.text, account.shared_text) == ("shared", True, ACCOUNT, SHARED)

    assert sweep() == {"sent": 1}  # Robin is told; Harriet is not told of her own statement
    [new_link] = links(mailoutbox, ROBIN)[1:]
    robin_page = page_text(anon.get(new_link))
    assert "The person harmed: Account of what happened and how it affected you" in robin_page
    assert SHARED in robin_page and "Elm Road" not in robin_page and "Harriet" not in robin_page
    assert anon.get(robin_link).status_code == 404  # the newer message's link replaced the older one
    assert "some parts taken out" in page_text(anon.get(harriet_link))
    team_page = page_text(team.get(exchange.get_absolute_url()))
    assert "What they wrote (not shared)" in team_page and "Elm Road" in team_page
    summaries = list(ready_case.events.filter(kind="exchange").values_list("summary", flat=True))
    assert summaries == [
        "Exchange opened with 2 people, 3 statements asked for, until 27 Apr 2026.",
        "Harriet Hale sent “Account of what happened and how it affected you”: to read and share.",
        "Harriet Hale’s “Account of what happened and how it affected you” shared with parts taken out.",
    ]
    assert "Elm Road" not in " ".join(ready_case.events.values_list("summary", flat=True))


def test_what_is_written_is_for_the_case_team_only(
    exchange, ready_case, officer, supervisor, other_facilitator, partner, login, anon
):
    account = statement(exchange, "Harriet", "harm")
    exchanges.write_statement(member=account.member, statement_pk=account.pk, text=ACCOUNT, send=True)
    for user in (officer, other_facilitator, partner):
        assert login(user).get(exchange.get_absolute_url()).status_code == 404
        share = reverse("exchanges:share", args=[exchange.pk, account.pk])
        assert login(user).post(share, {f"share{account.pk}-shared_text": "x"}).status_code == 404
    assert anon.get(exchange.get_absolute_url()).status_code == 302  # not signed in: to the sign-in page
    assert "Elm Road" in page_text(login(supervisor).get(exchange.get_absolute_url()))
    assert login(supervisor).post(exchange.get_absolute_url()).status_code == 405  # the page only shows
    account.refresh_from_db()
    assert account.status == StatementStatus.SUBMITTED
    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM conferences_statement WHERE id = %s", [account.pk])
        assert "Elm Road" not in cursor.fetchone()[0]


def test_withdrawing_the_consent_to_the_exchange_closes_it_and_its_links(
    exchange, consented, robin, mailoutbox, anon, facilitator
):
    sweep()
    [harriet_link], [robin_link] = links(mailoutbox, HARRIET), links(mailoutbox, ROBIN)

    case_services.withdraw_consent(consent=consented[robin.pk], by=facilitator, reason="Robin wants to stop.")

    exchange.refresh_from_db()
    assert exchange.status == ExchangeStatus.CLOSED
    assert exchange.close_reason == "A participant withdrew their consent to take part in the exchange."
    for link in (harriet_link, robin_link):
        closed = anon.get(link)
        assert closed.status_code == 410 and "This exchange is closed" in page_text(closed)
    account = statement(exchange, "Harriet", "harm")
    refused = write(anon, harriet_link, account, ACCOUNT, action="send")
    assert refused.status_code == 410
    account.refresh_from_db()
    assert account.status == StatementStatus.REQUESTED


def test_an_apology_letter_delivered_by_the_exchange_completes_its_item_when_shared(
    agreement, apology, robin, harriet, facilitator, login, mailoutbox, anon
):
    case = agreement.case
    for person in (robin, harriet):
        consent_to_exchange(case, person, facilitator)
    team = login(facilitator)
    response = team.post(
        reverse("exchanges:open", args=[case.pk]),
        {f"p{robin.pk}": ["apology"], f"p{harriet.pk}": ["questions"], "open_until": "2026-04-27", "item": apology.pk},
    )
    assert response.status_code == 302
    exchange = case.exchanges.get()
    letter = statement(exchange, "Robin", "apology")
    assert letter.item == apology
    sweep()
    [robin_link] = links(mailoutbox, ROBIN)
    write(anon, robin_link, letter, "I am sorry for what I did to your shop.", action="send")
    apology.refresh_from_db()
    assert apology.status == ItemStatus.PENDING  # sent, not yet shared

    team.post(
        reverse("exchanges:share", args=[exchange.pk, letter.pk]),
        {f"share{letter.pk}-shared_text": "I am sorry for what I did to your shop."},
    )

    apology.refresh_from_db()
    assert (apology.status, apology.status_changed_by) == (ItemStatus.COMPLETED, facilitator)
    letter.refresh_from_db()
    assert letter.redacted is False


def test_bad_input_is_refused_with_a_reason_and_nothing_is_lost(exchange, mailoutbox, anon, time_machine):
    sweep()
    [link] = links(mailoutbox, HARRIET)
    account = statement(exchange, "Harriet", "harm")
    questions = statement(exchange, "Harriet", "questions")
    robin_reflection = statement(exchange, "Robin", "reflection")
    write(anon, link, account, "My first draft.")

    blank = write(anon, link, account, "   ", action="send")
    assert blank.status_code == 400 and "Write something before sending it" in page_text(blank)
    for data in (
        {"statement": robin_reflection.pk, f"s{robin_reflection.pk}-text": "Not mine", "action": "send"},
        {"statement": "١", "action": "send"},
        {"action": "send"},
    ):
        refused = anon.post(link, data)
        assert refused.status_code == 400 and "Nothing was saved" in page_text(refused)
    nul = write(anon, link, questions, "a\x00b", action="send")
    assert nul.status_code == 400
    too_long = write(anon, link, questions, "x" * 10_001, action="send")
    assert too_long.status_code == 400 and "Please keep it to 10000 characters" in page_text(too_long)
    account.refresh_from_db()
    robin_reflection.refresh_from_db()
    assert (account.status, account.text) == (StatementStatus.DRAFT, "My first draft.")
    assert robin_reflection.status == StatementStatus.REQUESTED

    assert write(anon, link, account, "Final words.", action="send").status_code == 200
    again = write(anon, link, account, "Changed my mind.", action="send")
    assert again.status_code == 409 and "This was sent already" in page_text(again)
    account.refresh_from_db()
    assert account.text == "Final words."
    assert anon.get("/exchange/not-a-real-link/").status_code == 404

    time_machine.move_to(NOW + timedelta(days=29), tick=False)  # after the end of 27 April
    expired = anon.get(link)
    assert expired.status_code == 410 and "This exchange is closed" in page_text(expired)


def test_opening_needs_two_consenting_people_and_a_day_within_reach(
    ready_case, robin, harriet, facilitator, login, consented
):
    team = login(facilitator)
    one = open_by_page(team, ready_case, robin, harriet, **{f"p{robin.pk}": []})
    assert one.status_code == 400 and "Ask at least two people for something" in page_text(one)
    late = open_by_page(team, ready_case, robin, harriet, open_until="2027-01-01")
    assert late.status_code == 400 and "Choose a day from today to 28 Jun 2026." in page_text(late)
    wrong = open_by_page(team, ready_case, robin, harriet, **{f"p{robin.pk}": ["harm"]})
    assert wrong.status_code == 400 and "Select a valid choice" in page_text(wrong)
    assert not ready_case.exchanges.exists()


def test_without_the_consent_nobody_is_offered_and_nothing_opens(ready_case, robin, harriet, facilitator, login):
    team = login(facilitator)
    page = page_text(team.get(reverse("exchanges:open", args=[ready_case.pk])))
    assert "An exchange needs at least two people who consented to take part in one." in page
    assert open_by_page(team, ready_case, robin, harriet).status_code == 400
    with pytest.raises(exchanges.InvalidTransition, match="has not consented to take part in an exchange"):
        exchanges.open_exchange(
            case=ready_case,
            by=facilitator,
            open_until=date(2026, 4, 27),
            requests=[
                exchanges.StatementRequest(person=robin, purpose="reflection"),
                exchanges.StatementRequest(person=harriet, purpose="harm"),
            ],
        )


def test_messages_go_once_for_each_new_thing_and_a_newer_one_replaces_an_unsent_one(
    exchange, robin, harriet, facilitator, mailoutbox, login
):
    sweep()
    assert sweep() == {}
    team = login(facilitator)
    ask = reverse("exchanges:ask", args=[exchange.pk])
    for purpose in ("answers", "apology"):
        asked = team.post(ask, {"ask-request": f"{robin.pk}:{purpose}", "ask-prompt": "Harriet asked three things."})
        assert asked.status_code == 302
    refused = team.post(ask, {"ask-request": f"{robin.pk}:harm"})  # not one of his to write
    assert refused.status_code == 400 and "Select a valid choice" in page_text(refused)
    planned = Reminder.objects.filter(exchange=exchange, recipient_person=robin, status=ReminderStatus.PENDING)
    assert list(planned.values_list("variant", flat=True)) == ["n3"]  # one message for both asks
    assert sweep() == {"sent": 1}
    [email] = [e for e in mailoutbox if e.to == [ROBIN]][1:]
    assert "Answers to the questions you were sent; Letter of apology" in email.body
    assert Statement.objects.get(member__person=robin, purpose="answers").prompt == "Harriet asked three things."
    with pytest.raises(exchanges.InvalidTransition, match="already asked for"):
        exchanges.ask_for_statement(
            exchange=exchange, by=facilitator, request=exchanges.StatementRequest(person=robin, purpose="answers")
        )
    close = reverse("exchanges:close", args=[exchange.pk])
    blank = team.post(close, {"close-reason": "  "})
    assert blank.status_code == 400 and "This field is required." in page_text(blank)
    assert team.post(close, {"close-reason": "Both said what they wanted to say."}).status_code == 302
    exchange.refresh_from_db()
    assert (exchange.status, exchange.closed_by, exchange.close_reason) == (
        "closed",
        facilitator,
        "Both said what they wanted to say.",
    )
    assert team.post(close, {"close-reason": "Again."}).status_code == 302  # closed already: said on the page
    assert sweep() == {}
    messages = Reminder.objects.filter(exchange=exchange, kind=ReminderKind.EXCHANGE_MESSAGE).order_by("pk")
    assert [(m.recipient_person.first_name, m.variant, m.status) for m in messages.order_by("due_at", "pk")] == [
        ("Robin", "n1", "sent"),  # his first
        ("Harriet", "n2", "sent"),  # hers, asked for two statements
        ("Robin", "n2", "cancelled"),  # replaced before it went by the one that says both
        ("Robin", "n3", "sent"),
    ]


def test_a_welsh_participant_gets_welsh_messages_and_pages(exchange, harriet, mailoutbox, anon):
    contact = ContactDetails.objects.get(person=harriet)
    contact.language = "cy"
    contact.save()
    sweep()
    [email] = [e for e in mailoutbox if e.to == [HARRIET]]
    assert email.subject == "Gofynnir i chi ysgrifennu rhywbeth ar gyfer eich achos cyfiawnder adferol"
    page = anon.get(links(mailoutbox, HARRIET)[0])
    assert page.headers["Content-Language"] == "cy"
    assert "Eich cyfnewid cyfiawnder adferol" in page_text(page)
