"""Time as the seeder counts it: seconds since the epoch, turned into dates and datetimes at the end."""

from datetime import UTC, date, datetime
from decimal import Decimal

from dateutil.relativedelta import relativedelta

DAY = 86400.0
HOUR = 3600.0
SLOT = 1800.0  # conferences start on the half hour
WORKING_SLOTS = range(16, 42)  # 08:00 to 21:00 (UTC), in half hours


def ts(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def day_of(seconds: float) -> date:
    return datetime.fromtimestamp(seconds, UTC).date()


def at_nine(day: date) -> float:
    return datetime(day.year, day.month, day.day, 9, tzinfo=UTC).timestamp()


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def add_months(day: date, months: int) -> date:
    return day + relativedelta(months=months)


def money(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)
