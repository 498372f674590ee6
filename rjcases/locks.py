"""One run at a time across every process and machine: PostgreSQL advisory locks.

The periodic work (the reminders' sweep, the dashboard's rebuild) is queued by beat. A second beat,
started by mistake or left over from a deploy, queues it again; without a lock two workers would do
the same minute's work side by side. The lock is a session lock on the database connection, so it
ends with the connection: a worker killed with -9 never leaves it held.

It needs a session of its own on the server: behind a pooler in transaction mode (PgBouncer's
`pool_mode = transaction`) point the workers at the database directly. SQLite (`make run`, one
worker) has no such locks and every caller runs.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DatabaseError, connection

log = logging.getLogger(__name__)


@contextmanager
def alone(name: str) -> Iterator[bool]:
    """Yield True if this process now holds the lock `name`, False if another one holds it."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(hashtext(%s))", [name])
        (held,) = cursor.fetchone()
    try:
        yield held
    finally:
        if held:
            _release(name)


def _release(name: str) -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [name])
    except DatabaseError:
        # The session is broken: closing it is what ends the lock on the server.
        log.warning("Could not release the lock %r; closing the database connection to end it", name)
        connection.close()
