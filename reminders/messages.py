"""What each reminder says, to staff and to participants.

Staff messages name the case reference and status. Participants' messages name nobody and say
nothing about the incident or other parties: they may be read by someone else in the household.
"""

from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _

from cases.models import Case
from conferences.exchanges import shared_with
from conferences.ics import conference_invitation
from training.accreditation import cpd_hours
from training.ics import session_calendar
from training.models import LEADING_LEVELS

from .models import Reminder, ReminderKind

Kind = ReminderKind


@dataclass
class Message:
    subject: str
    lines: list[str]
    path: str = ""
    action: str = ""
    ics: bytes | None = None

    @property
    def url(self) -> str:
        return absolute(self.path) if self.path else ""

    @property
    def sms(self) -> str:
        return " ".join([self.subject, *self.lines[:1], self.url]).strip()[:600]


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _when(moment) -> str:
    """A moment in words, in the language of the message ("Thu 02 Apr 2026 at 14:30" in English)."""
    local = timezone.localtime(moment)
    return _("%(day)s at %(time)s") % {"day": dateformat.format(local, "D d M Y"), "time": f"{local:%H:%M}"}


def _day(day) -> str:
    return dateformat.format(day, "D d M Y")


def compose(reminder: Reminder, *, link_path: str = "") -> Message:
    """Return the message of a reminder for its (single) recipient; `link_path` is its link, if any
    (a survey's, an invitation's), made as it is sent."""
    to_participant = reminder.recipient_person_id is not None
    return _COMPOSERS[reminder.kind](reminder, to_participant, link_path)


def _screening(reminder, to_participant, link_path):
    referral = reminder.referral
    days = (timezone.now() - referral.submitted_at).days
    return Message(
        subject=f"Referral {referral.reference} has waited {days} days for screening",
        lines=[
            f"Referral {referral.reference} was submitted on {_when(referral.submitted_at)} and is not screened yet."
        ],
        path=reverse("referrals:screen", args=[referral.pk]),
        action="Screen the referral",
    )


def _conference(reminder, to_participant, link_path):
    conference = reminder.conference
    if to_participant:
        where = (
            _("Join online: %(link)s") % {"link": conference.meeting_link}
            if conference.mode == conference.Mode.VIRTUAL
            else _("Where: %(place)s") % {"place": conference.place_details}
        )
        return Message(
            subject=_("Reminder: your restorative justice meeting on %(when)s") % {"when": _when(conference.starts_at)},
            lines=[
                _("When: %(when)s (about %(minutes)s minutes).")
                % {"when": _when(conference.starts_at), "minutes": conference.duration_minutes},
                where,
                _("If you cannot come, please tell your facilitator as soon as you can."),
            ],
            ics=conference_invitation(conference),
        )
    return Message(
        subject=f"{conference.get_kind_display()} of case {conference.case.reference} on {_when(conference.starts_at)}",
        lines=[f"When: {_when(conference.starts_at)}.", f"Where: {conference.place_details}."],
        path=conference.get_absolute_url(),
        action="Open the conference",
        ics=conference_invitation(conference),
    )


def _stalled(reminder, to_participant, link_path):
    case: Case = reminder.case
    days = (timezone.now() - case.last_activity_at).days
    return Message(
        subject=f"Case {case.reference} has had no activity for {days} days",
        lines=[
            f"Nothing has been recorded on case {case.reference} ({case.get_status_display().lower()}) "
            f"since {_when(case.last_activity_at)}."
        ],
        path=case.get_absolute_url(),
        action="Open the case",
    )


def _item(reminder, to_participant, link_path):
    item = reminder.item
    overdue = reminder.kind == Kind.ITEM_OVERDUE
    state = f"was due on {_day(item.due_date)}" if overdue else f"is due on {_day(item.due_date)}"
    if to_participant:
        values = {"day": _day(item.due_date), "item": item.get_kind_display()}
        return Message(
            subject=(
                _("Reminder: part of your restorative justice agreement was due on %(day)s")
                if overdue
                else _("Reminder: part of your restorative justice agreement is due on %(day)s")
            )
            % values,
            lines=[
                (_("“%(item)s” was due on %(day)s.") if overdue else _("“%(item)s” is due on %(day)s.")) % values,
                _("If you need help or more time, please talk to your facilitator."),
            ],
        )
    return Message(
        subject=f"{'Overdue' if overdue else 'Due soon'}: {item.get_kind_display().lower()} of case "
        f"{item.agreement.case.reference}",
        lines=[f"The agreement item “{item.get_kind_display()}” {state}."],
        path=item.get_absolute_url(),
        action="Open the item",
    )


def _closed(reminder, to_participant, link_path):
    case: Case = reminder.case
    referral = case.referral
    return Message(
        subject=f"Referral {referral.reference}: the case is closed as “{case.get_status_display()}”",
        lines=[
            f"Referral {referral.reference}: the case is closed as “{case.get_status_display()}” "
            f"on {timezone.localdate(case.closed_at):%d %b %Y}."
        ],
        path=referral.get_absolute_url(),
        action="Open the referral",
    )


def _invitation(reminder, to_participant, link_path):
    conference = reminder.conference
    when = _when(conference.starts_at)
    where = (
        _("Online: the link to join will be on your invitation page from an hour before.")
        if conference.mode == conference.Mode.VIRTUAL
        else _("Where: %(place)s") % {"place": conference.place_details}
    )
    return Message(
        subject=_("You are invited to a restorative justice meeting on %(when)s") % {"when": when},
        lines=[
            _("When: %(when)s (about %(minutes)s minutes).") % {"when": when, "minutes": conference.duration_minutes},
            where,
            _("Please tell us whether you can come, or ask for another time, using the link below."),
        ],
        path=link_path,
        action=_("Answer the invitation"),
        ics=conference_invitation(conference),
    )


def _cancelled(reminder, to_participant, link_path):
    when = _when(reminder.conference.starts_at)
    return Message(
        subject=_("Cancelled: your restorative justice meeting on %(when)s") % {"when": when},
        lines=[
            _("The meeting planned for %(when)s will not take place.") % {"when": when},
            _("Your facilitator will be in touch about what happens next."),
        ],
        ics=conference_invitation(reminder.conference),
    )


def _harmed_party_notice(reminder, to_participant, link_path):
    """Plain words on how it goes; never anything about the person responsible."""
    variant = reminder.variant
    if variant.startswith("agreement_v"):
        if variant == "agreement_v1":
            return Message(
                subject=_("An agreement was made in your restorative justice case"),
                lines=[
                    _("At the restorative meeting an agreement was made to put right the harm done to you."),
                    _("We will let you know how it goes."),
                ],
            )
        return Message(
            subject=_("The agreement was changed"),
            lines=[
                _("The agreement made to put right the harm done to you was changed, with your facilitator."),
                _("We will let you know how it goes."),
            ],
        )
    if variant.startswith("i"):
        what = {"item": reminder.item.get_kind_display()}
        if variant.endswith("_done"):
            return Message(
                subject=_("Part of the agreement has been done"),
                lines=[_("“%(item)s”, agreed to put right the harm done to you, has been completed.") % what],
            )
        return Message(
            subject=_("Part of the agreement was not done on time"),
            lines=[_("“%(item)s” was not done by the date agreed. Your facilitator is following it up.") % what],
        )
    if variant == "case_completed":
        return Message(
            subject=_("Your restorative justice case is complete"),
            lines=[
                _("Everything that was agreed has been done, and the case is now closed. Thank you for taking part.")
            ],
        )
    return Message(
        subject=_("Your restorative justice case has gone back to the police"),
        lines=[
            _(
                "The case did not finish through restorative justice. It has gone back to the police, "
                "who decide what happens next. Your facilitator can tell you more."
            )
        ],
    )


def _exchange(reminder, to_participant, link_path):
    """What is waiting for them, from the exchange as it is when sent: what to write, what to read."""
    exchange = reminder.exchange
    member = exchange.members.get(person=reminder.recipient_person_id)
    to_write = [s.get_purpose_display() for s in member.statements.all() if s.is_writable]
    shared = shared_with(member).exists()
    lines = []
    if shared:
        subject = _("Something was shared with you in your restorative justice case")
        lines.append(_("Your facilitator has shared with you something written for you. Open the link to read it."))
    else:
        subject = _("You are asked to write something for your restorative justice case")
    if to_write:
        lines.append(_("Your facilitator asks you to write: %(what)s.") % {"what": "; ".join(to_write)})
        lines.append(
            _(
                "Take your time: you can save a draft and come back to it. "
                "Nothing is shared until your facilitator has read it."
            )
        )
    lines.append(
        _("The link works until %(day)s. If you receive a newer message, only its link works.")
        % {"day": _day(exchange.open_until)}
    )
    return Message(subject=subject, lines=lines, path=link_path, action=_("Open your page"))


def _survey(reminder, to_participant, link_path):
    return Message(
        subject=_("How was your experience with the restorative justice programme?"),
        lines=[
            _("Thank you for taking part. Five short questions help us do better for the next person."),
            _("The link works once and for a limited time."),
        ],
        path=link_path,
        action=_("Answer the survey"),
    )


def _reoffending(reminder, to_participant, link_path):
    case: Case = reminder.case
    if case is None:  # a referral declined while eligible: the comparison group
        referral = reminder.referral
        return Message(
            subject=f"{reminder.variant.removesuffix('m')}-month reoffending check due: referral {referral.reference}",
            lines=[
                f"Record whether the responsible party of referral {referral.reference}, declined while eligible,"
                " was re-arrested since it was declined: the evaluation compares them with those who took part."
            ],
            path=reverse("cases:follow_ups"),
            action="Record the check",
        )
    return Message(
        subject=f"{reminder.variant.removesuffix('m')}-month reoffending check due: case {case.reference}",
        lines=[f"Record whether the responsible party of case {case.reference} was re-arrested since it closed."],
        path=case.get_absolute_url(),
        action="Record the check",
    )


def _training_record(accreditation) -> str:
    # Built as it is sent: the record page belongs to training, whose URLs reminders only names.
    return reverse("training:person", args=[accreditation.facilitator_id])


def _hours(hours) -> str:
    return f"{hours:.0f}" if hours == int(hours) else f"{hours:.1f}"


def _whose(accreditation, reminder) -> tuple[str, str]:
    """Return how a message names the holder: 'Your' and 'you' to them, their name to supervisors."""
    if reminder.recipient_user_id == accreditation.facilitator_id:
        return "Your", "you"
    name = str(accreditation.facilitator)
    return f"{name}’s", name


def _expiring(reminder, to_participant, link_path):
    """The facilitator's or a supervisor's reminder: what expires, when, what it stops, what renewal needs."""
    accreditation = reminder.accreditation
    kind = f"{accreditation.get_conference_kind_display().lower()}s"
    expires = _day(accreditation.expires_on)
    whose, who = _whose(accreditation, reminder)
    days = accreditation.days_left
    role = "lead" if accreditation.level in LEADING_LEVELS else "co-facilitate as a trainee"
    required = accreditation.cpd_hours_required
    if required:
        since = accreditation.period_started_on
        done = cpd_hours(accreditation.facilitator, since, timezone.localdate())
        renewal = (
            f"To renew it, {_hours(required)} hours of CPD training are needed in this period (since "
            f"{_day(since)}): {_hours(done)} done so far. A supervisor then renews it."
        )
    else:
        renewal = "Renewing it needs no CPD hours: a supervisor renews it."
    return Message(
        subject=f"{whose} accreditation for {kind} expires on {expires}",
        lines=[
            f"{whose} accreditation for {kind} ({accreditation.get_level_display()} level) expires on {expires}, "
            f"in {days} day{'s' if days != 1 else ''}.",
            f"From that day {who} cannot {role} {kind} until it is renewed.",
            renewal,
        ],
        path=_training_record(accreditation),
        action="Open the training record",
    )


def _lapsed(reminder, to_participant, link_path):
    accreditation = reminder.accreditation
    kind = f"{accreditation.get_conference_kind_display().lower()}s"
    whose, who = _whose(accreditation, reminder)
    return Message(
        subject=f"{whose} accreditation for {kind} has lapsed",
        lines=[
            f"{whose} accreditation for {kind} ({accreditation.get_level_display()} level) expired on "
            f"{_day(accreditation.expires_on)} and has lapsed.",
            f"From today {who} cannot lead or co-facilitate {kind} until a supervisor grants it again.",
        ],
        path=_training_record(accreditation),
        action="Open the training record",
    )


def _training(reminder, to_participant, link_path):
    session = reminder.training_session
    when = _when(session.starts_at)
    where = f"Online: {session.meeting_link}" if not session.place else f"Where: {session.place}"
    details = [f"When: {when} ({session.duration_minutes} minutes).", where + ".", f"Trainer: {session.trainer}."]
    if reminder.kind == Kind.TRAINING_CANCELLED:
        subject = f"Cancelled: {session.course} on {when}"
        lines = [f"The training session “{session.course}” planned for {when} will not take place."]
    elif reminder.kind == Kind.TRAINING_MOVED:
        subject = f"Changed: {session.course} is now on {when}"
        lines = [f"The training session “{session.course}” you are invited to has changed.", *details]
    else:
        subject = f"You are invited to {session.course} on {when}"
        lines = [
            f"You are invited to the training session “{session.course}”.",
            *details,
            "If you cannot come, please tell a supervisor.",
        ]
    return Message(
        subject=subject,
        lines=lines,
        path=session.get_absolute_url(),
        action="Open the session",
        ics=session_calendar(session),
    )


_COMPOSERS = {
    Kind.SCREENING_BACKLOG: _screening,
    Kind.CONFERENCE_UPCOMING: _conference,
    Kind.CASE_STALLED: _stalled,
    Kind.ITEM_DUE_SOON: _item,
    Kind.ITEM_OVERDUE: _item,
    Kind.CASE_CLOSED: _closed,
    Kind.SATISFACTION_SURVEY: _survey,
    Kind.REOFFENDING_CHECK: _reoffending,
    Kind.CONFERENCE_INVITATION: _invitation,
    Kind.CONFERENCE_CANCELLED: _cancelled,
    Kind.HARMED_PARTY_NOTICE: _harmed_party_notice,
    Kind.EXCHANGE_MESSAGE: _exchange,
    Kind.ACCREDITATION_EXPIRING: _expiring,
    Kind.ACCREDITATION_LAPSED: _lapsed,
    Kind.TRAINING_INVITATION: _training,
    Kind.TRAINING_MOVED: _training,
    Kind.TRAINING_CANCELLED: _training,
}
