"""The case an accepted referral opens, played forward step by step until it ends or `now` comes.

Each step has its delay; a step that would fall after `now` stops the story there, so the case stays
in the status it has reached. The planned ending (completed, returned for a reason, closed without a
conference) is drawn when the case opens.
"""

from datetime import timedelta

from .clock import DAY, HOUR, SLOT, add_months, at_nine, day_of, money, ts

ENDINGS = (
    ["complete", "harmed_declines", "no_contact", "withdrew_consent", "other_return", "no_agreement",
     "non_compliance", "re_arrest"],
    [70, 12, 4, 3, 2, 2, 5, 2],
)  # fmt: skip
CHANNELS = (["phone", "text", "email", "letter", "in_person", "video"], [45, 15, 15, 5, 15, 5])
ITEM_KINDS = (["restitution", "community_service", "apology", "programme", "school", "other"], [30, 25, 35, 12, 5, 3])
ITEM_TEXT = {
    "restitution": "Pay for the damage and loss caused",
    "community_service": "Unpaid work supervised by the partner",
    "apology": "Write a letter of apology",
    "programme": "Attend a programme of sessions",
    "school": "Attend school every day for the term",
    "other": "Help with a community clean-up",
}
PARTNER_KIND = {
    "community_service": "community",
    "programme": "treatment",
    "school": "school",
    "restitution": "victim_services",
}
DURATIONS = ([60, 90, 120], [45, 35, 20])


class CaseStory:
    """Rows of one case; `step(at)` says whether a moment has already happened."""

    def __init__(self, p, *, referral_id, officer_id, opened, supervisor):
        self.p = p
        self.rng = p.rng
        self.pk = p.ids("cases_case")
        self.referral_id = referral_id
        self.officer_id = officer_id
        self.supervisor = supervisor
        self.opened = opened
        self.status = "intake"
        self.status_changed = opened
        self.facilitator = self.co_facilitator = None
        self.closed = None
        self.return_reason = self.closing_note = ""
        self.events = []
        self.consents = []  # (consent id, person id, given at) of conference consents
        self.withdrawn = set()
        self.event(opened, "move", supervisor, "", "intake", reason="Referral accepted.")

    def happened(self, at: float) -> bool:
        return at < self.p.now

    def event(self, at, kind, actor, from_status="", to_status="", summary="", reason=""):
        self.events.append((at, kind, actor, from_status, to_status, summary, reason))

    def move(self, at, to_status, actor, reason="", *, closes=False):
        self.event(at, "move", actor, self.status, to_status, reason=reason)
        self.status, self.status_changed = to_status, at
        if closes:
            self.closed = at

    def close(self, at, to_status, *, reason="", return_reason="", note=""):
        self.return_reason, self.closing_note = return_reason, note
        self.move(at, to_status, self.facilitator or self.supervisor, reason or note, closes=True)

    def write(self) -> None:
        p, pk = self.p, self.pk
        last_activity = max(event[0] for event in self.events)
        p.row("cases_case", pk, self.referral_id, self.status, self.facilitator, self.co_facilitator,
              ts(self.opened), ts(self.status_changed), ts(last_activity), ts(self.closed) if self.closed else None,
              self.return_reason, self.closing_note)  # fmt: skip
        for at, kind, actor, old, new, summary, reason in self.events:
            p.row("cases_caseevent", p.ids("cases_caseevent"), pk, kind, actor, old, new, summary, reason, ts(at))
        if self.closed is None and self.status != "monitoring":  # monitoring has its items' reminders instead
            self._stalled_reminders(last_activity)

    def _stalled_reminders(self, last_activity: float) -> None:
        p, refs = self.p, self.p.refs
        stamp = f"a{int(last_activity)}"
        days = refs["stalled_facilitator_days"]  # to the facilitator, or the supervisors when none is assigned
        p.reminder("case_stalled", f"{days}d", f"c{self.pk}", last_activity + days * DAY, last_activity,
                   stamp=stamp, case=self.pk, user=self.facilitator, sup=not self.facilitator)  # fmt: skip
        days = refs["stalled_supervisor_days"]
        p.reminder("case_stalled", f"{days}d", f"c{self.pk}", last_activity + days * DAY, last_activity,
                   stamp=stamp, case=self.pk, sup=True)  # fmt: skip


def play_case(p, *, referral_id, officer_id, opened, supervisor, parties, offence):
    """Write the case of an accepted referral and everything done on it until now."""
    story = CaseStory(p, referral_id=referral_id, officer_id=officer_id, opened=opened, supervisor=supervisor)
    _play(story, parties, offence)
    if story.closed:
        _follow_ups(story, parties)
    story.write()


def _play(story: CaseStory, parties, offence) -> None:
    p, rng, refs = story.p, story.rng, story.p.refs
    ending = rng.choices(*ENDINGS)[0]

    # assignment
    t = story.opened + rng.uniform(0.05, 3) * DAY
    if not story.happened(t):
        return
    story.facilitator = rng.choices(refs["facilitators"], cum_weights=refs["facilitator_cum_weights"])[0]
    if rng.random() < 0.15:
        story.co_facilitator = rng.choice([f for f in refs["facilitators"] if f != story.facilitator])
    story.event(t, "assignment", story.supervisor, summary="Facilitators assigned.")
    fac = story.facilitator

    # contact with each responsible and harmed party
    main = [party for party in parties if party[1] in ("responsible", "harmed")]
    reached = {}
    for party in main:
        person_id, role = party[0], party[1]
        at = t + rng.uniform(0.2, 6) * DAY
        attempts = 3 if ending == "no_contact" and role == "responsible" else 1 + (rng.random() < 0.3)
        for n in range(attempts):
            if not story.happened(at):
                break
            last = n == attempts - 1
            if ending == "no_contact" and role == "responsible":
                outcome = "no_answer"
            elif last and ending == "harmed_declines" and role == "harmed":
                outcome = "refused"
            else:
                outcome = "reached" if last else "no_answer"
            channel = rng.choices(*CHANNELS)[0]
            p.row("cases_contactattempt", p.ids("cases_contactattempt"), story.pk, person_id, ts(at), channel,
                  outcome, "", fac, ts(at + 600))  # fmt: skip
            story.event(at + 600, "contact", fac, summary=f"Contact attempt ({channel}): {outcome.replace('_', ' ')}.")
            if outcome == "reached":
                reached[person_id] = at
            if outcome == "refused":
                reached[person_id] = -at
            at = at + rng.uniform(1, 5) * DAY
    latest = max([abs(v) for v in reached.values()] + [t])
    if ending == "no_contact":
        if story.happened(at := latest + rng.uniform(3, 10) * DAY):
            story.close(at, "returned", return_reason="no_contact", reason="No contact",
                        note="The responsible party could not be reached.")  # fmt: skip
        return
    if ending == "harmed_declines" and any(v < 0 for v in reached.values()):
        if story.happened(at := latest + rng.uniform(1, 7) * DAY):
            story.close(at, "closed_no_conference",
                        note="The harmed party declined to take part and no alternative was used.")  # fmt: skip
        return
    if len(reached) < len(main):
        return  # still trying to reach someone

    # consents and assessments
    attending = set()
    for party in main:
        person_id, role, is_org = party[0], party[1], party[5]
        if role == "responsible" or rng.random() < (0.5 if is_org else 0.8):
            attending.add(person_id)
    consents = story.consents
    signed = []
    for party in main:
        person_id, role, guardian = party[0], party[1], party[6]
        at = reached[person_id] + rng.uniform(0.1, 5) * DAY
        if person_id in attending and story.happened(at):
            givers = [person_id] + ([guardian] if guardian else [])
            for giver in givers:
                consent_id = p.ids("cases_consent")
                p.row("cases_consent", consent_id, story.pk, person_id, "conference", giver, day_of(at),
                      rng.choice(["written", "verbal", "phone", "email"]), fac, ts(at), None, None, "")  # fmt: skip
                consents.append((consent_id, person_id, at))
                story.event(at, "consent", fac, summary="Consent recorded: take part in a conference.")
            if role == "responsible" and rng.random() < 0.5:
                p.row("cases_consent", p.ids("cases_consent"), story.pk, person_id, "share_outcome", givers[-1],
                      day_of(at), "written", fac, ts(at), None, None, "")  # fmt: skip
        at += rng.uniform(0.1, 5) * DAY
        if not story.happened(at):
            return
        off = at + rng.uniform(0.1, 3) * DAY
        off = off if story.happened(off) else None
        will = person_id in attending
        p.row("cases_assessment", p.ids("cases_assessment"), story.pk, person_id, will, will,
              rng.choices(["low", "medium", "high"], [70, 25, 5])[0], "", fac, ts(at),
              story.supervisor if off else None, ts(off) if off else None)  # fmt: skip
        story.event(at, "assessment", fac, summary="Readiness and risk assessment recorded.")
        if off is None:
            return
        story.event(off, "assessment", story.supervisor, summary="Assessment signed off.")
        signed.append(off)
    if ending == "withdrew_consent":
        consent_id, _person, _given = next(c for c in consents if c[1] == main[0][0])
        at = max(signed) + rng.uniform(0.5, 10) * DAY
        if story.happened(at):
            story.withdrawn.add(consent_id)
            _withdraw(p.out["cases_consent"], consent_id, ts(at), fac)
            story.event(at, "consent", fac, summary="Consent withdrawn: take part in a conference.")
            if story.happened(at := at + rng.uniform(0.5, 5) * DAY):
                story.close(at, "returned", return_reason="withdrew_consent", reason="Withdrew consent")
        return
    if ending == "other_return":
        if story.happened(at := max(signed) + rng.uniform(1, 20) * DAY):
            story.close(at, "returned", return_reason="other", reason="Other",
                        note="The responsible party moved out of the area.")  # fmt: skip
        return

    # ready, then a conference (sometimes a cancelled one first)
    at = max(signed) + rng.uniform(0.1, 2) * DAY
    if not story.happened(at):
        return
    story.move(at, "ready", fac)
    harmed_attends = any(party[1] == "harmed" and party[0] in attending for party in main)
    juvenile = any(party[6] for party in main if party[1] == "responsible")
    conference = None
    attempts = 2 if rng.random() < 0.05 else 1
    for attempt in range(attempts):
        at += rng.uniform(0.1, 3) * DAY
        if not story.happened(at):
            return
        conference = _schedule(story, at, parties, attending, harmed_attends, juvenile)
        if conference is None:
            return  # nobody free in the next months: the case waits in ready
        story.move(at, "scheduled", fac)
        if attempt < attempts - 1:
            cancel = at + rng.uniform(0.2, max(0.3, (conference["starts"] - at) / DAY - 0.1)) * DAY
            if story.happened(cancel) and cancel < conference["starts"]:
                _write_conference(story, conference, "cancelled", cancelled_at=cancel)
                story.event(cancel, "conference", fac, summary="Conference cancelled.", reason="A participant is ill.")
                story.move(cancel, "ready", fac, "Conference cancelled.")
                at = cancel
                continue
        break
    held = conference["ends"] + rng.uniform(0.05, 1.5) * DAY
    if not story.happened(held):
        _write_conference(story, conference, "scheduled")
        return
    present = _write_conference(story, conference, "held", held_at=held)
    story.event(held, "conference", fac, summary=f"Conference held; {present} of {conference['invited']} attended.")
    story.move(held, "conference_held", fac)
    if ending == "no_agreement":
        if story.happened(at := held + rng.uniform(1, 7) * DAY):
            story.close(at, "closed_no_conference", note="No agreement was reached at the conference.")
        return

    # agreement and its items
    agreed = held + rng.uniform(0.02, 3) * DAY
    if not story.happened(agreed):
        return
    harmed = next((party[0] for party in main if party[1] == "harmed"), None)
    items = _agreement(story, agreed, conference, harmed, juvenile, ending)
    story.move(agreed, "monitoring", fac)
    if ending in ("non_compliance", "re_arrest"):
        if ending == "non_compliance":
            at = (
                max((item["missed"] for item in items if item.get("missed")), default=agreed) + rng.uniform(1, 10) * DAY
            )
            reason, note = "Did not comply with the agreement", "Agreement items were missed."
        else:
            at = agreed + rng.uniform(5, 60) * DAY
            reason, note = "Re-arrested", "The responsible party was arrested for a new offence."
        if story.happened(at):
            story.close(at, "returned", return_reason=ending, reason=reason, note=note)
    else:
        finished = [item["done"] for item in items]
        if all(story.happened(done) for done in finished) and story.happened(
            at := max(finished) + rng.uniform(0.2, 5) * DAY
        ):
            story.close(at, "completed")
    _write_items(story, items)


def _schedule(story, at, parties, attending, harmed_attends, juvenile):
    """Book facilitators (and a venue) for a conference; return its plan, or None if nobody is free."""
    p, rng, refs = story.p, story.rng, story.p.refs
    duration = rng.choices(*DURATIONS)[0]
    slots = duration // int(SLOT // 60)
    facilitators = [f for f in (story.facilitator, story.co_facilitator) if f]
    mode, venue, address, link = "in_person", None, "", ""
    roll = rng.random()
    if roll < 0.55:
        venue = rng.choice(refs["venues"])
    elif roll < 0.7:
        address = "The responsible party's school, meeting room 2"
    else:
        mode, link = "virtual", f"https://meet.example.org/rj-{rng.getrandbits(40):x}"
    owners = [("f", f) for f in facilitators]
    starts = p.calendar.book(owners, at + rng.uniform(4, 21) * DAY, slots)
    if starts is None:
        return None
    if venue is not None:  # the facilitators' time first; then a free room, else somewhere else
        for candidate in [venue, *rng.sample(refs["venues"], 3)]:
            if p.calendar.take(("v", candidate), starts, slots):
                venue = candidate
                owners.append(("v", venue))
                break
        else:
            venue, address = None, "The responsible party's school, meeting room 2"
    if harmed_attends:
        kind = rng.choices(["victim_offender", "family_group", "community_circle", "peacemaking_circle"],
                           [50, 30 if juvenile else 5, 12, 5])[0]  # fmt: skip
    else:
        kind = rng.choice(["surrogate_victim", "shuttle"])
    invited = [
        (party[0], party[1]) for party in parties if party[1] in ("responsible", "harmed") and party[0] in attending
    ]
    invited += [(party[0], "guardian") for party in parties if party[1] == "guardian"]
    return {
        "pk": p.ids("conferences_conference"), "kind": kind, "starts": starts, "duration": duration,
        "ends": starts + duration * 60, "mode": mode, "venue": venue, "address": address, "link": link,
        "facilitators": facilitators, "owners": owners, "slots": slots, "created": at, "invited_people": invited,
        "officer": rng.random() < 0.2, "community": rng.random() < 0.1,
        "invited": len(invited) + 1,
    }  # fmt: skip


def _write_conference(story, c, status, *, cancelled_at=None, held_at=None) -> int:
    """Write the conference, its bookings, participants and reminders; return how many attended."""
    p, rng = story.p, story.rng
    pk = c["pk"]
    if status == "cancelled":
        p.calendar.release(c["owners"], c["starts"], c["slots"])
    p.row("conferences_conference", pk, story.pk, c["kind"], status, ts(c["starts"]), c["duration"], ts(c["ends"]),
          c["mode"], c["venue"], c["address"], c["link"], p.new_uuid(), 1 if status == "cancelled" else 0, "",
          "A participant is ill." if status == "cancelled" else "", story.facilitator, ts(c["created"]),
          ts(held_at) if held_at else None)  # fmt: skip
    for facilitator in c["facilitators"]:
        p.row("conferences_conferencefacilitator", p.ids("conferences_conferencefacilitator"), pk, facilitator,
              ts(c["starts"]), ts(c["ends"]), status != "cancelled", facilitator == c["facilitators"][0])  # fmt: skip
        for hours in p.refs["conference_hours"]:
            p.reminder("conference_upcoming", f"{hours}h", f"m{pk}", c["starts"] - hours * HOUR, c["created"],
                       stamp="s0", conference=pk, user=facilitator, expires=c["starts"], cancelled_at=cancelled_at,
                       cancel_reason="The conference was cancelled.")  # fmt: skip
    present = 0
    participants = [(person, role, None, "") for person, role in c["invited_people"]]
    if c["officer"]:
        participants.append((None, "officer", story.officer_id, ""))
    if c["community"]:
        participants.append((None, "community", None, "Neighbourhood watch volunteer"))
    for person, role, user, name in participants:
        if held_at:
            attended = rng.random() < 0.92
            present += attended
            invitation = "accepted"
        else:
            attended = None
            invitation = "accepted" if rng.random() < 0.7 else "invited"
        p.row("conferences_participant", p.ids("conferences_participant"), pk, role, person, user, name,
              invitation, attended)  # fmt: skip
    return present


def _agreement(story, agreed, conference, harmed, juvenile, ending):
    """Write the agreement and plan its items' fates; items are written once the case's story is known."""
    p, rng, refs = story.p, story.rng, story.p.refs
    agreement = p.ids("conferences_agreement")
    count = rng.choices([1, 2, 3, 4], [35, 35, 20, 10])[0]
    p.row("conferences_agreement", agreement, story.pk, 1, conference["pk"], "What the parties agreed.", "",
          story.facilitator, ts(agreed), None)  # fmt: skip
    story.event(agreed, "agreement", story.facilitator,
                summary=f"Agreement recorded with {count} item{'' if count == 1 else 's'}.")  # fmt: skip
    items = []
    missing = rng.randrange(count) if ending == "non_compliance" else -1
    for n in range(count):
        kind = rng.choices(*ITEM_KINDS)[0]
        if kind == "school" and not juvenile:
            kind = "apology"
        due = day_of(agreed) + timedelta(days=rng.randint(14, 120))
        due_at = at_nine(due)
        span = max(DAY, due_at - agreed)
        done = agreed + rng.uniform(0.2, 1.0) * span + (rng.uniform(1, 20) * DAY if rng.random() < 0.1 else 0)
        partner = None
        if kind in PARTNER_KIND and (kind != "restitution" or rng.random() < 0.3):
            partner = rng.choice(refs["partners"][PARTNER_KIND[kind]])
        item = {"pk": p.ids("conferences_agreementitem"), "agreement": agreement, "kind": kind, "due": due,
                "due_at": due_at, "agreed": agreed, "done": done, "partner": partner,
                "harmed": harmed if kind in ("restitution", "apology") else None,
                "amount": rng.randint(20, 500) * 100 + rng.choice([0, 50]) if kind == "restitution" else None,
                "hours": rng.randint(5, 40) * 10 if kind == "community_service" else None,
                "waived": rng.random() < 0.04}  # fmt: skip
        if n == missing:
            item["missed"] = due_at + rng.uniform(1, 14) * DAY
            item["done"] = float("inf")
        items.append(item)
    return items


def _write_items(story, items) -> None:
    """Write items, payments and hours as they stand now (or when the case closed)."""
    p, rng = story.p, story.rng
    until = min(story.closed or p.now, p.now)
    fac = story.facilitator
    for item in items:
        status, changed, note = "pending", None, ""
        if item.get("missed") and item["missed"] < until:
            status, changed, note = "missed", item["missed"], "Not done by the due date."
        elif item["done"] < until:
            status, changed = ("waived", item["done"]) if item["waived"] else ("completed", item["done"])
            if status == "waived":
                note = "Waived by agreement with the harmed party."
        hours = item["hours"]
        p.row("conferences_agreementitem", item["pk"], item["agreement"], item["kind"], ITEM_TEXT[item["kind"]],
              money(item["amount"]) if item["amount"] else None, money(hours * 10) if hours else None,
              item["due"], item["harmed"], item["partner"], status, ts(changed) if changed else None,
              fac if changed else None, note)  # fmt: skip
        if changed:
            story.event(changed, "agreement", fac, summary=f"Agreement item {status}.")
        # the ledger: completed items are paid or worked in full, the others in part
        end = item["done"] if status == "completed" else min(until, item["done"])
        share = 1.0 if status == "completed" else (0.5 if status in ("waived", "missed") else 0.7)
        if item["amount"]:
            _ledger(story, item, "conferences_payment", item["amount"], share, end, piece=rng.randint(1, 3))
        if hours:
            _ledger(story, item, "conferences_servicehours", hours, share, end, piece=max(1, hours // 60))
        # due-soon reminder to the facilitator, unless the item was settled first
        days = p.refs["item_due_soon_days"]
        p.reminder("item_due_soon", f"{days}d", f"i{item['pk']}", item["due_at"] - days * DAY, item["agreed"],
                   item=item["pk"], user=fac, cancelled_at=changed if status != "missed" else None,
                   cancel_reason=f"The item is {status}.")  # fmt: skip


def _ledger(story, item, table, total, share, end, *, piece):
    """Write `piece` entries summing to `total` (cents or tenths of hours) in full, or to a share of it."""
    p, rng = story.p, story.rng
    start = item["agreed"]
    if end <= start:
        return
    target = total if share >= 1 else int(total * share)
    if target <= 0:
        return
    cuts = sorted(rng.sample(range(1, target), min(piece - 1, target - 1))) if piece > 1 else []
    parts = [b - a for a, b in zip([0, *cuts], [*cuts, target], strict=True)]
    for n, part in enumerate(parts, start=1):
        at = start + (end - start) * n / len(parts)
        if table == "conferences_payment":
            p.row(table, p.ids(table), item["pk"], money(part), day_of(at), story.facilitator, ts(at))
        else:
            p.row(table, p.ids(table), item["pk"], money(part * 10), day_of(at), story.facilitator, ts(at))


def _follow_ups(story, parties) -> None:
    """Reoffending checks and surveys of a closed case, and the reminders that closing plans."""
    p, rng, refs = story.p, story.rng, story.p.refs
    closed = story.closed
    closed_on = day_of(closed)
    for channel in ("in_app", "email"):
        p.reminder("case_closed", "", f"c{story.pk}", closed, closed, case=story.pk, user=story.officer_id,
                   channel=channel)  # fmt: skip
    reoffended = False
    for months in refs["reoffending_months"]:
        due = add_months(closed_on, months)
        answered = at_nine(due) + rng.uniform(0, 30) * DAY
        row_answer = (None, None, None, None)
        if story.happened(answered) and rng.random() < 0.9:
            reoffended = reoffended or rng.random() < 0.08
            when = add_months(closed_on, months - rng.randint(1, 5)) if reoffended else None
            row_answer = (reoffended, when, story.supervisor, ts(answered))
        recorded_by, recorded_at = row_answer[2], row_answer[3]
        p.row("cases_reoffendingcheck", p.ids("cases_reoffendingcheck"), story.pk, months, due, row_answer[0],
              row_answer[1], "", recorded_by, recorded_at, story.referral_id, None)  # fmt: skip
        p.reminder("reoffending_check", f"{months}m", f"c{story.pk}", at_nine(due), closed, case=story.pk, sup=True)
    consented = {person for consent_id, person, _ in story.consents if consent_id not in story.withdrawn}
    for party in parties:
        if party[1] != "harmed" or party[5] or party[0] not in consented:
            continue
        sent = closed + refs["survey_days_after_close"] * DAY
        survey = [None, None, None, None, None, None, None, None, ""]
        if story.happened(sent):
            expires = sent + refs["survey_link_days"] * DAY
            survey[:3] = [f"{rng.getrandbits(256):064x}", ts(sent), ts(expires)]
            answered = sent + rng.uniform(0.1, 20) * DAY
            if story.happened(answered) and rng.random() < 0.55:
                score = rng.choices([1, 2, 3, 4, 5], [4, 6, 15, 40, 35])[0]
                survey[3:] = [ts(answered), score, score >= 3, score >= 4 or rng.random() < 0.3, score >= 4, ""]
        p.row("cases_satisfactionsurvey", p.ids("cases_satisfactionsurvey"), story.pk, party[0], *survey)
        p.reminder("satisfaction_survey", "", f"c{story.pk}", sent, closed, case=story.pk, person=party[0],
                   channel="sms")  # fmt: skip


def _withdraw(rows: list, consent_id: int, at, by) -> None:
    """Mark a consent row, still in the buffer, as withdrawn."""
    for n in range(len(rows) - 1, -1, -1):
        if rows[n][0] == consent_id:
            rows[n] = (*rows[n][:9], at, by, "No longer wishes to take part.")
            return
