"""Reconnect and carry on when the database connection drops in the middle of a read.

A firewall idle limit, a VPN blip or a SQL Server failover resets the ODBC connection mid result set. The
read of that stream and company is then run again on a new connection, a bounded number of times, and the
records it already emitted are not emitted again.

Why restart and skip, not resume from the last key: the SELECTs have no ORDER BY (sorting a 2,000,000-row job cost
history on trimmed keys no index serves would tax every read to make a rare retry cheap), SQL Server has no row-
value comparison for a dialect-neutral `WHERE (a, b) > (?, ?)` on composite keys, and tables without a unique key
(synthetic `row_key`) have nothing to seek on. So the same SELECT runs again and every record whose primary key was
already emitted is dropped; that is exact whatever order the rows come back in. What it costs: Python's 64-bit hash
of each emitted key (8 MB per million records, computed in C a batch at a time), held only while that one stream and
company is read; a retry builds a table of them (~100 bytes a record). Two different keys of one stream sharing a
64-bit hash (odds about 1 in 10^7 for 2,000,000 keys) would make a retry skip one record, and only on a retry; a
cryptographic digest would cost every read, retry or not, several times as much. Identical-row keys (`RowKeys`:
digest + occurrence number) are numbered the same way on every run, so they are skipped exactly too. A row that
changed between the attempts keeps the version emitted first; the next sync brings the change."""

from __future__ import annotations

import logging
import time
from array import array
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from operator import itemgetter
from typing import Any

from spectrum_client import ConnectionLost, DatabaseUnreachable, OdbcError

from source_spectrum.transports.base import RowBatch

LOG = logging.getLogger("airbyte")  # the CDK's logger: its records reach the host as LOG messages
RECONNECT_ATTEMPTS = 3
RECONNECT_WAIT_SECONDS = (1.0, 2.0, 4.0)


# psqlODBC with UseDeclareFetch can crash (SIGSEGV) inside SQLFetch once the connection is gone. The bulk read
# runs in a forked child (spectrum_client/odbc_child.py), so the crash ends only the child, and the parent raises
# ReaderDied, a ConnectionLost: a lost read too, and restarting it is as safe as after a reset.
def _connection_lost(exc: BaseException) -> bool:
    return isinstance(exc, ConnectionLost)


def key_getter(names: Sequence[str], key_fields: Sequence[str]) -> Callable[[tuple], Any]:
    """The primary key of a row of `names`, as a hashable value (a field the batch lacks counts as null)."""
    positions = [names.index(name) if name in names else None for name in key_fields]
    if positions and None not in positions:
        return itemgetter(*positions)  # in C; one field gives the value itself, consistently for every row
    return lambda row: tuple(None if i is None else row[i] for i in positions)


def resumable(
    read: Callable[[], Iterator[RowBatch]],
    key_fields: Sequence[str],
    *,
    what: str,
    where: str = "",
    reconnect: Callable[[], None],
    attempts: int = RECONNECT_ATTEMPTS,
    waits: Sequence[float] = RECONNECT_WAIT_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[RowBatch]:
    """Yield `read()`'s batches; on `ConnectionLost`, `reconnect()` and read again, skipping what was emitted.

    A batch is emitted whole (the read fails between batches, never inside one). `what` names the stream
    and company and `where` the server, for the final error. A reconnect that cannot reach the server
    (`DatabaseUnreachable`) counts as one more failed attempt.
    """
    emitted = array("q")  # the key hash of every record already handed on
    getters: dict[tuple[str, ...], Callable[[tuple], Any]] = {}
    failures = 0
    while True:
        skip: Counter[int] = Counter(emitted)
        to_skip = len(emitted)
        try:
            for names, rows in read():
                getter = getters.get(names)
                if getter is None:
                    getter = getters[names] = key_getter(names, key_fields)
                if to_skip:  # a retry: drop the rows an earlier attempt already emitted
                    kept = []
                    for row, digest in zip(rows, map(hash, map(getter, rows)), strict=True):
                        if skip[digest] > 0:
                            skip[digest] -= 1
                            to_skip -= 1
                            continue
                        kept.append(row)
                        emitted.append(digest)
                    rows = kept
                    if not rows:
                        continue
                else:
                    emitted.extend(map(hash, map(getter, rows)))
                yield names, rows
            return
        except OdbcError as exc:
            if not (_connection_lost(exc) or (isinstance(exc, DatabaseUnreachable) and failures > 0)):
                raise  # a query error, or a server never reached: nothing to resume
            failures += 1
            if failures > attempts:
                raise ConnectionLost(
                    f"{what}: the connection to the Spectrum database{f' at {where}' if where else ''} dropped"
                    f" and {attempts} reconnects did not get the read through: check the network path to that"
                    " server (VPN, firewall or load-balancer idle limits, a database failover or restart in its"
                    " log). No record was emitted twice or skipped; run the sync again once the connection is"
                    f" stable. Last error: {exc}"
                ) from None
            LOG.warning(
                "%s: the database connection dropped after %d records; reconnecting (attempt %d of %d) and"
                " reading again without the records already emitted. %s",
                what,
                len(emitted),
                failures,
                attempts,
                exc,
            )
            reconnect()
            sleep(waits[min(failures - 1, len(waits) - 1)] if waits else 0.0)
