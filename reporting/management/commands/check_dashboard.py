"""Compare the dashboard's figures from the rollup with a recount from the base tables."""

from django.core.management.base import BaseCommand, CommandError

from conferences.models import ConferenceKind
from people.models import Partner, Unit
from referrals.models import OffenceCategory
from reporting.figures import compute_from_rollup, latest_build
from reporting.filters import Filters, add_months, default_filters
from reporting.recount import recount


def views_to_check(*, all_time: bool) -> list[tuple[str, Filters]]:
    """Return the default view and a few filtered ones: a unit, an agency, an offence, a partner, a kind."""
    default = default_filters()
    views = [("default (last 12 months)", default)]
    if all_time:
        views.append(("all time", Filters(start=add_months(default.end, -12 * 30), end=default.end)))
    unit = Unit.objects.filter(referrals__isnull=False).first()
    if unit:
        views.append((f"unit {unit.pk}", Filters(start=default.start, end=default.end, unit=unit)))
        views.append((f"agency {unit.agency_id}", Filters(start=default.start, end=default.end, agency=unit.agency)))
    offence = OffenceCategory.objects.filter(referrals__isnull=False).first()
    if offence:
        views.append((f"offence {offence.code}", Filters(start=default.start, end=default.end, offence=offence)))
    partner = Partner.objects.filter(items__isnull=False).first()
    if partner:
        views.append((f"partner {partner.pk}", Filters(start=default.start, end=default.end, partner=partner)))
    kind = ConferenceKind.VICTIM_OFFENDER
    views.append((f"kind {kind}", Filters(start=default.start, end=default.end, kind=kind)))
    return views


def differences(rollup: dict, counted: dict) -> list[str]:
    found = []
    for breakdown in sorted(set(rollup) | set(counted)):
        if breakdown == "total":
            pairs = {"": (rollup.get("total"), counted.get("total"))}
        else:
            groups = set(rollup.get(breakdown, {})) | set(counted.get(breakdown, {}))
            pairs = {g: (rollup.get(breakdown, {}).get(g), counted.get(breakdown, {}).get(g)) for g in groups}
        for group, (a, b) in sorted(pairs.items()):
            for name in sorted(set(a or {}) | set(b or {})):
                x, y = (a or {}).get(name), (b or {}).get(name)
                if x != y:
                    found.append(f"  {breakdown} {group} {name}: rollup {x}, recount {y}")
    return found


class Command(BaseCommand):
    help = "Compute dashboard views from the rollup and by a recount from the base tables; fail if they differ."

    def add_arguments(self, parser):
        parser.add_argument(
            "--all-time", action="store_true", help="Also check the last 30 years at once (the slowest recount)."
        )

    def handle(self, *args, all_time=False, **options):
        build = latest_build()
        if build is None:
            raise CommandError("The dashboard has never been computed: run refresh_dashboard first.")
        self.stdout.write(f"Rollup computed at {build.computed_at:%Y-%m-%d %H:%M:%S %Z}.")
        failed = False
        for name, filters in views_to_check(all_time=all_time):
            rollup, counted = compute_from_rollup(filters), recount(filters, now=build.computed_at)
            total, again = rollup["total"], counted["total"]
            self.stdout.write(f"{name}:")
            self.stdout.write("  rollup:  " + _line(total))
            self.stdout.write("  recount: " + _line(again))
            found = differences(rollup, counted)
            if found:
                failed = True
                self.stdout.write(self.style.ERROR(f"  {len(found)} figures differ:"))
                self.stdout.write("\n".join(found))
            else:
                self.stdout.write(self.style.SUCCESS("  identical, with every breakdown"))
        if failed:
            raise CommandError("The dashboard's figures differ from the recount (is the rollup older than the data?).")


def _line(figures: dict) -> str:
    """The figures of a view on one line; the histograms of time to reoffence are compared, not printed."""
    return ", ".join(f"{k}={v}" for k, v in figures.items() if not isinstance(v, dict))
