from django.core.management.base import BaseCommand

from reporting.figures import refresh


class Command(BaseCommand):
    help = "Rebuild the dashboard's figures from the base tables now."

    def handle(self, *args, **options):
        build = refresh()
        if build is None:
            self.stdout.write("Another rebuild of the dashboard is running; its figures will be ready when it ends.")
            return
        self.stdout.write(
            f"Dashboard rebuilt: {build.referrals} referrals in {build.rows} rollup rows, {build.duration_ms} ms."
        )
