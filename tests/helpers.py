"""Helpers of the HTTP tests: the referral form's POST data as a browser sends it, and the page text."""

import html
import importlib
import threading
from datetime import timedelta
from html.parser import HTMLParser

from django.apps import apps
from django.db import connection
from django.utils import timezone

from referrals.models import ReferralParty
from tests.factories import offence

DEFAULT_PARTY = {
    "role": "responsible",
    "kind": "individual",
    "first_name": "Sam",
    "last_name": "Jones",
    "date_of_birth": "2010-01-02",
    "gender": "male",
    "ethnicity": "white",
    "admits_responsibility": "yes",
    "prior_diversions": "0",
}


def party_row(**fields) -> dict:
    """Return one party row of the form: DEFAULT_PARTY with `fields` changed (None leaves a field out)."""
    return {**DEFAULT_PARTY, **fields}


def existing_party_row(party: ReferralParty, **fields) -> dict:
    """Return the form row of a party already on a referral, as the edit page shows it."""
    person = party.person
    contact = getattr(person, "contact", None)
    row = {
        "party_id": str(party.pk),
        "role": party.role,
        "kind": person.kind,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "organisation_name": person.organisation_name,
        "date_of_birth": person.date_of_birth.isoformat() if person.date_of_birth else "",
        "gender": person.gender,
        "ethnicity": person.ethnicity,
        "phone": contact.phone if contact else "",
        "email": contact.email if contact else "",
        "address": contact.address if contact else "",
        "admits_responsibility": {True: "yes", False: "no"}.get(party.admits_responsibility, ""),
        "prior_diversions": "" if party.prior_diversions is None else str(party.prior_diversions),
    }
    return {**row, **fields}


def referral_form_data(*, parties=None, initial_forms=0, action="draft", **fields) -> dict:
    """Return the POST data of the referral form; a field given as None is left out."""
    data = {
        "incident_number": "CR/00100/26",
        "incident_date": (timezone.localdate() - timedelta(days=10)).isoformat(),
        "incident_place": "Market Street",
        "offence_category": str(offence().pk),
        "description": "Took goods from a shop without paying.",
        "harm_description": "The shop lost stock worth £40.",
        "action": action,
        **fields,
    }
    rows = [party_row()] if parties is None else parties
    data.update(
        {
            "parties-TOTAL_FORMS": str(len(rows)),
            "parties-INITIAL_FORMS": str(initial_forms),
            "parties-MIN_NUM_FORMS": "0",
            "parties-MAX_NUM_FORMS": "30",
        }
    )
    for index, row in enumerate(rows):
        data.update({f"parties-{index}-{name}": value for name, value in row.items()})
    return {name: value for name, value in data.items() if value is not None}


def edit_form_data(referral, *, rows=None, extra=(), action="draft", **fields) -> dict:
    """Return the edit page's POST data: the referral's current values, its parties, then `extra` new rows."""
    current = {
        "incident_number": referral.incident_number,
        "incident_date": referral.incident_date.isoformat(),
        "incident_place": referral.incident_place,
        "offence_category": str(referral.offence_category_id),
        "description": referral.description,
        "harm_description": referral.harm_description,
    }
    existing = [existing_party_row(party) for party in referral.parties.select_related("person__contact")]
    rows = existing if rows is None else rows
    return referral_form_data(parties=[*rows, *extra], initial_forms=len(rows), action=action, **{**current, **fields})


def page_text(response) -> str:
    """Return the page's HTML with entities decoded, so that messages can be matched as typed."""
    return html.unescape(response.content.decode())


class _FieldParser(HTMLParser):
    """Collect what a browser would submit for each named field of a page, untouched."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.fields = {}
        self._select = None
        self._select_first = None
        self._option = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.fields[name] = attrs.get("value", "on")
                return
            self.fields[name] = attrs.get("value") or ""
        elif tag == "select" and name:
            self._select, self._select_first = name, None
        elif tag == "option" and self._select:
            value = attrs.get("value", "")
            if self._select_first is None:
                self._select_first = value
            if "selected" in attrs:
                self.fields[self._select] = value
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ""

    def handle_endtag(self, tag):
        if tag == "select" and self._select:
            self.fields.setdefault(self._select, self._select_first or "")
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data


def page_fields(response) -> dict:
    """Return the named form fields of a page with the values a browser would submit unchanged."""
    parser = _FieldParser()
    parser.feed(response.content.decode())
    return parser.fields


def blank_party_row(response) -> dict:
    """Return the row that "Add a person" adds to the page (its <template>), left as it is."""
    prefix = "parties-__prefix__-"
    return {name[len(prefix) :]: value for name, value in page_fields(response).items() if name.startswith(prefix)}


def reseed_reference_data() -> None:
    """Write back the rows the data migration seeds (offence categories, policy), which the flush
    after a transactional test removes; idempotent."""
    importlib.import_module("referrals.migrations.0002_default_offences_and_policy").seed(apps, None)


def run_at_once(functions) -> list:
    """Run each function in its own thread, released together by a barrier; return results or exceptions."""
    barrier = threading.Barrier(len(functions))
    results = [None] * len(functions)

    def worker(index, function):
        try:
            barrier.wait(timeout=60)
            results[index] = function()
        except Exception as error:  # reported to the test, which decides
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck (deadlock?)"
    return results


def prepare_for_conference(case, *, facilitator, supervisor, given_on=None, method="written", absent=()):
    """Assess every party as ready (signed off) and record their consent, then mark the case ready.

    Parties whose role is in `absent` are assessed as not attending.
    """
    from cases import services as case_services
    from cases.models import ConsentPurpose

    for party in case.referral.parties.select_related("person"):
        assessment = case_services.record_assessment(
            case=case, by=facilitator, person=party.person, will_attend=party.role not in absent, ready=True, risk="low"
        )
        case_services.sign_off_assessment(assessment=assessment, by=supervisor)
        case_services.record_consent(
            case=case,
            by=facilitator,
            person=party.person,
            purpose=ConsentPurpose.CONFERENCE,
            given_by=party.person,
            given_on=given_on or timezone.localdate(),
            method=method,
        )
    return case_services.mark_case_ready(case=case, by=facilitator)
