"""The Redis broker transport: kombu's, except that a channel whose connection is gone raises a
connection error rather than an AttributeError.

Why (kombu 5.7.0, celery 5.7.0): when Redis restarts, the worker's consumer handles the connection
error by calling `Connection.collect()`, which drops the transport's link to its connection
(`transport.client = None`), and then `Connection.close()`. That close reaches the channel, whose
close restores the messages delivered but not yet acknowledged. It does so through a new Redis pool,
and building one reads the host from `self.connection.client`, which is now None: an AttributeError.
`ignore_errors` around the close lets only connection and channel errors through, so the
AttributeError ends the worker's main process ("Unrecoverable error"). With `acks_late` a message
stays unacknowledged while its task runs, so only a worker that is busy when Redis goes away dies;
the running task's acknowledgement later takes the same path and would fail the same way.

A redis `ConnectionError` there is what both libraries expect: the close goes on, the consumer
reconnects to the restarted Redis, and the late acknowledgement is logged and dropped. The messages
that could not be restored cost nothing: the tasks take no arguments and each only sweeps what
PostgreSQL says is due (reminders, webhook deliveries, each claimed in its row), and beat queues
every sweep again each minute. At worst a lost sweep runs again later and finds its rows done.
"""

from kombu.transport import redis as kombu_redis
from redis.exceptions import ConnectionError as RedisConnectionError


class Channel(kombu_redis.Channel):
    def _connparams(self, asynchronous=False):
        # No transport (the channel was closed) or no client (the connection was collected after an
        # error): there is no broker to reach, and kombu and celery handle exactly that as a connection error.
        if getattr(self.connection, "client", None) is None:
            raise RedisConnectionError("the broker connection of this channel has been closed")
        return super()._connparams(asynchronous=asynchronous)


class Transport(kombu_redis.Transport):
    Channel = Channel
