"""Merging two records of one individual, and reversing it (DESIGN.md, data protection rule 3).

A supervisor merges at screening; an administrator may reverse it. Every reference to the duplicate
(referral parties, consents, contact attempts, conference participants, reminders, ...) is moved to
the kept person and listed on the PersonMerge, so that reversing moves exactly those back. The
references are found through the model's relations, so that this floor imports none of the apps
that hold them. History rows are left as they were: they keep saying who was named when.
"""

from django.apps import apps
from django.db import IntegrityError, transaction
from django.utils import timezone
from simple_history.models import HistoricalChanges

from .audit import record_audit, record_bulk_change
from .models import AuditEntry, Person, PersonMerge


class MergeRefused(Exception):
    """The two records cannot be merged (or the merge cannot be reversed) as they stand."""


def _references():
    """Yield (model, field) for every foreign key and one-to-one field that points at Person."""
    for relation in Person._meta.get_fields(include_hidden=True):
        if not (relation.auto_created and not relation.concrete and (relation.one_to_many or relation.one_to_one)):
            continue
        model = relation.related_model
        if model is PersonMerge or issubclass(model, HistoricalChanges):
            continue
        yield model, relation.field


def _move(moves, *, to, detail: str) -> None:
    for move in moves:
        model = apps.get_model(move["model"])
        model._base_manager.filter(pk__in=move["pks"]).update(**{move["field"]: to})
        record_bulk_change(model, move["pks"], detail=f"{move['field']} to person {to.pk} ({detail})")


@transaction.atomic
def merge_people(*, keep: Person, duplicate: Person, by) -> PersonMerge:
    """Move every reference from `duplicate` to `keep` and record what moved.

    A one-to-one record (contact details, a pseudonym) moves only when `keep` has none of its own;
    otherwise the duplicate keeps it, out of sight, until the merge is reversed.
    """
    if keep.pk == duplicate.pk:
        raise MergeRefused("A person cannot be merged with themselves.")
    merged_away = PersonMerge.objects.filter(reversed_at__isnull=True, merged__in=[keep.pk, duplicate.pk])
    if merged_away.exists():
        raise MergeRefused("One of these records has already been merged into another.")
    moves = []
    for model, field in _references():
        rows = model._base_manager.filter(**{field.name: duplicate})
        if field.one_to_one and model._base_manager.filter(**{field.name: keep}).exists():
            continue
        pks = list(rows.values_list("pk", flat=True))
        if pks:
            moves.append({"model": model._meta.label, "field": field.name, "pks": pks})
    try:
        with transaction.atomic():
            _move(moves, to=keep, detail="merge")
    except IntegrityError:
        raise MergeRefused("Both records are named on the same referral or case in the same way.") from None
    merge = PersonMerge.objects.create(kept=keep, merged=duplicate, merged_by=by, moved=moves)
    record_audit(
        by, AuditEntry.Action.MERGE, merge, detail=f"person {duplicate.pk} into {keep.pk}, {_count(moves)} references"
    )
    return merge


@transaction.atomic
def unmerge_people(*, merge: PersonMerge, by) -> PersonMerge:
    """Reverse a merge: move the references it moved back to the merged person."""
    merge = PersonMerge.objects.select_for_update().get(pk=merge.pk)
    if merge.is_reversed:
        raise MergeRefused("This merge has already been reversed.")
    try:
        with transaction.atomic():
            _move(merge.moved, to=merge.merged, detail=f"merge {merge.pk} reversed")
    except IntegrityError:
        raise MergeRefused("A reference moved by this merge cannot go back as things now stand.") from None
    merge.reversed_at, merge.reversed_by = timezone.now(), by
    merge.save(update_fields=["reversed_at", "reversed_by"])
    detail = f"person {merge.merged_id} out of {merge.kept_id}, {_count(merge.moved)} references"
    record_audit(by, AuditEntry.Action.UNMERGE, merge, detail=detail)
    return merge


def _count(moves) -> int:
    return sum(len(move["pks"]) for move in moves)
