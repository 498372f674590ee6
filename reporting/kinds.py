"""Which kinds of conference bring the harmed party into the meeting: the dashboard's split of
conferences held, and the export's `conference_kind_group`.

Direct: the harmed party can be in the room (or the call). Surrogate: someone harmed by a similar
offence stands in. Indirect: a facilitator carries messages between the parties (shuttle). A
harmed party's participation is counted only where the kind includes them.
"""

from training.models import ConferenceKind

DIRECT, SURROGATE, INDIRECT = "direct", "surrogate", "indirect"
KIND_GROUPS = {
    ConferenceKind.VICTIM_OFFENDER: DIRECT,
    ConferenceKind.FAMILY_GROUP: DIRECT,
    ConferenceKind.COMMUNITY_CIRCLE: DIRECT,
    ConferenceKind.PEACEMAKING_CIRCLE: DIRECT,
    ConferenceKind.SURROGATE_VICTIM: SURROGATE,
    ConferenceKind.SHUTTLE: INDIRECT,
}
assert set(KIND_GROUPS) == set(ConferenceKind), "every kind of conference is in one group"


def kinds_in(group: str) -> list[str]:
    """The kinds of conference of one group, as stored."""
    return [str(kind.value) for kind, its_group in KIND_GROUPS.items() if its_group == group]


def kind_group(kind: str) -> str:
    """The group of a conference kind ("" for no kind)."""
    return KIND_GROUPS.get(kind, "") if kind else ""
