"""A database connection dropped mid-read: reconnect, read again, emit nothing twice and lose nothing."""

from __future__ import annotations

import pyodbc
import pytest
from source_spectrum.resume import resumable
from spectrum_client import ConnectionLost, DatabaseUnreachable, OdbcSettings, QueryFailed
from spectrum_client.odbc_child import ReaderDied
from spectrum_client.odbc_errors import translate_error

KEY = ("company_code", "job_number")
NAMES = ("company_code", "job_number", "seq")


def batched(read, size: int = 1):
    """A record-at-a-time read as the transports' batches of `size` (one record each: a drop may fall anywhere)."""

    def batches():
        batch = []
        for record in read():
            batch.append(tuple(record.get(name) for name in NAMES))
            if len(batch) == size:
                yield NAMES, batch
                batch = []
        if batch:
            yield NAMES, batch

    return batches


def resumed(read, key=KEY, size: int = 1, **kwargs):
    """The records `resumable` hands on, as dicts."""
    for names, rows in resumable(batched(read, size), key, **kwargs):
        yield from (dict(zip(names, row, strict=True)) for row in rows)


def rec(job: str, company: str = "MEC", **extra) -> dict:
    return {"company_code": company, "job_number": job, **extra}


class FlakyRead:
    """Each call is one attempt: yields its rows, then drops the connection after `drop_after` of them."""

    def __init__(self, attempts: list[tuple[list[dict], int | None]]):
        self.attempts = attempts
        self.calls = 0
        self.reconnects = 0

    def __call__(self):
        rows, drop_after = self.attempts[min(self.calls, len(self.attempts) - 1)]
        self.calls += 1
        for index, row in enumerate(rows):
            if drop_after is not None and index == drop_after:
                raise ConnectionLost("The connection to the Spectrum database at server 'db1' was lost")
            yield dict(row)

    def reconnect(self):
        self.reconnects += 1


def run(read: FlakyRead, key=KEY, **kwargs):
    waits: list[float] = []
    out = list(
        resumed(read, key, what="Stream jobs, company MEC", reconnect=read.reconnect, sleep=waits.append, **kwargs)
    )
    return out, waits


def test_given_a_drop_mid_read_when_the_rows_come_back_in_another_order_then_each_record_is_emitted_once():
    first = [rec("1"), rec("2"), rec("3"), rec("4"), rec("5")]
    again = [rec("4"), rec("2"), rec("5"), rec("1"), rec("3")]  # no ORDER BY: any order on the new connection
    read = FlakyRead([(first, 3), (again, None)])
    out, waits = run(read)
    assert [r["job_number"] for r in out] == ["1", "2", "3", "4", "5"]
    assert read.reconnects == 1 and waits == [1.0]


def test_given_a_reordered_retry_that_drops_again_when_read_once_more_then_rows_it_kept_are_not_repeated():
    # The first retry hands on rows the first attempt never reached (5 and 4) before it drops too: the third
    # attempt must skip those as well as the first attempt's, or 5 and 4 reach the destination twice.
    first = [rec("1"), rec("2"), rec("3"), rec("4"), rec("5"), rec("6")]
    second = [rec("2"), rec("5"), rec("1"), rec("4"), rec("6"), rec("3")]
    third = [rec("6"), rec("4"), rec("3"), rec("2"), rec("5"), rec("1")]
    read = FlakyRead([(first, 2), (second, 4), (third, None)])
    out, waits = run(read)
    assert [r["job_number"] for r in out] == ["1", "2", "5", "4", "6", "3"]
    assert read.reconnects == 2 and waits == [1.0, 2.0]


def test_given_batches_when_the_retry_returns_rows_in_another_order_then_only_unseen_rows_are_handed_on():
    first = [rec(str(n)) for n in range(9)]
    again = [rec(str(n)) for n in (8, 0, 7, 1, 6, 2, 5, 3, 4)]
    read = FlakyRead([(first, 6), (again, None)])  # batches of 3: two whole batches emitted, then the drop
    batches = [
        [row[1] for row in rows]
        for _, rows in resumable(batched(read, 3), KEY, what="x", reconnect=read.reconnect, sleep=lambda s: None)
    ]
    assert batches == [["0", "1", "2"], ["3", "4", "5"], ["8", "7"], ["6"]], "no empty batch, none repeated"


def test_given_rows_without_a_key_field_when_the_read_restarts_then_the_missing_field_counts_as_null():
    rows = [rec("1"), rec("2"), rec("3")]
    read = FlakyRead([(rows, 2), (rows, None)])
    out = [
        r["job_number"]
        for r in resumed(read, ("job_number", "not_a_column"), what="x", reconnect=read.reconnect, sleep=lambda s: None)
    ]
    assert out == ["1", "2", "3"]


def test_given_rows_sharing_a_key_when_the_read_restarts_then_both_copies_still_arrive_once_each():
    # Synthetic row keys number identical rows; the skip is a count per key, not a set.
    rows = [rec("1", seq=1), rec("1", seq=2), rec("2")]
    read = FlakyRead([(rows, 1), (rows, None)])
    out, _ = run(read)
    assert [(r["job_number"], r.get("seq")) for r in out] == [("1", 1), ("1", 2), ("2", None)]


def test_given_two_drops_when_read_then_the_second_restart_skips_everything_emitted_by_both_earlier_attempts():
    rows = [rec(str(n)) for n in range(10)]
    read = FlakyRead([(rows, 4), (rows, 7), (rows, None)])
    out, waits = run(read)
    assert [r["job_number"] for r in out] == [str(n) for n in range(10)]
    assert read.reconnects == 2 and waits == [1.0, 2.0]


def test_given_a_connection_that_keeps_dropping_when_read_then_a_clear_error_ends_it_after_the_bounded_retries():
    rows = [rec(str(n)) for n in range(5)]
    read = FlakyRead([(rows, 2)])
    emitted = []
    with pytest.raises(ConnectionLost) as raised:
        for record in resumed(
            read,
            KEY,
            what="Stream jobs, company MEC",
            where="server 'db1' database 'spectrum'",
            reconnect=read.reconnect,
            sleep=lambda s: None,
            attempts=3,
        ):
            emitted.append(record["job_number"])
    message = str(raised.value)
    assert "Stream jobs, company MEC" in message and "3 reconnects" in message
    assert "at server 'db1' database 'spectrum'" in message and "check the network path" in message
    assert "run the sync again" in message
    assert read.calls == 4 and read.reconnects == 3
    assert emitted == ["0", "1"], "nothing emitted twice while it kept failing"


def test_given_a_server_never_reached_when_read_then_it_fails_at_once_without_reconnecting():
    def unreachable():
        raise DatabaseUnreachable("Spectrum database unreachable at server 'nowhere'")
        yield  # pragma: no cover

    calls = []
    with pytest.raises(DatabaseUnreachable):
        list(resumed(unreachable, KEY, what="x", reconnect=lambda: calls.append(1), sleep=lambda s: None))
    assert calls == []


def test_given_a_reconnect_that_cannot_reach_the_server_when_read_then_it_counts_as_a_failed_attempt():
    rows = [rec("1"), rec("2")]
    state = {"calls": 0}

    def read():
        state["calls"] += 1
        if state["calls"] == 1:
            yield rows[0]
            raise ConnectionLost("lost")
        if state["calls"] == 2:
            raise DatabaseUnreachable("Spectrum database unreachable at server 'db1'")
        yield from rows

    out = list(resumed(read, KEY, what="x", reconnect=lambda: None, sleep=lambda s: None))
    assert [r["job_number"] for r in out] == ["1", "2"] and state["calls"] == 3


@pytest.mark.parametrize(
    ("sqlstate", "text", "expected"),
    [
        ("08S01", "server closed the connection unexpectedly", ConnectionLost),
        ("HY000", "could not receive data from server: Connection reset by peer", ConnectionLost),
        ("08S01", "[Microsoft][ODBC Driver 18 for SQL Server]Communication link failure", ConnectionLost),
        ("42P01", 'relation "cr_invoice_header_mc" does not exist', QueryFailed),
    ],
)
def test_given_a_driver_error_mid_query_when_translated_then_a_dropped_connection_is_told_apart(
    sqlstate, text, expected
):
    settings = OdbcSettings(connection_string="Driver={PostgreSQL Unicode};Server=db1;Database=spectrum;Pwd=s3cret")
    error = translate_error(pyodbc.Error(sqlstate, text), settings, during="query")
    assert type(error) is expected
    if expected is ConnectionLost:
        assert "server 'db1'" in str(error) and "network path" in str(error)


def test_given_the_forked_reader_crashed_on_a_dead_connection_when_read_then_the_read_is_restarted():
    # psqlODBC can SIGSEGV inside SQLFetch once the connection is gone; odbc_child reports the dead child.
    state = {"calls": 0}

    def read():
        state["calls"] += 1
        yield rec("1")
        if state["calls"] == 1:
            raise ReaderDied(
                "The ODBC reader process ended before the read finished (killed by signal 11); nothing after"
                " the last emitted record was read. Run the sync again."
            )
        yield rec("2")

    out = list(resumed(read, KEY, what="x", where="server 'db1'", reconnect=lambda: None, sleep=lambda s: None))
    assert [r["job_number"] for r in out] == ["1", "2"] and state["calls"] == 2


def test_given_a_query_error_when_read_then_it_is_not_retried():
    def read():
        raise QueryFailed("Spectrum query failed (42P01): relation does not exist")
        yield  # pragma: no cover

    with pytest.raises(QueryFailed):
        list(resumed(read, KEY, what="x", reconnect=lambda: pytest.fail("reconnected"), sleep=lambda s: None))


def test_given_the_default_policy_when_the_link_keeps_dropping_then_three_reconnects_then_a_clear_error():
    rows = [rec("1"), rec("2")]
    read = FlakyRead([(rows, 1)])  # every attempt drops after one row
    with pytest.raises(ConnectionLost, match="3 reconnects did not get the read through") as info:
        run(read)
    assert read.reconnects == 3 and read.calls == 4
    assert "No record was emitted twice or skipped" in str(info.value)


def test_given_more_attempts_than_waits_when_the_link_drops_again_then_the_last_wait_is_repeated():
    rows = [rec("1"), rec("2"), rec("3")]
    read = FlakyRead([(rows, 0), (rows, 0), (rows, 0), (rows, 0), (rows, None)])
    out, waits = run(read, attempts=4)
    assert [r["job_number"] for r in out] == ["1", "2", "3"]
    assert waits == [1.0, 2.0, 4.0, 4.0]


def test_given_no_waits_configured_when_the_link_drops_then_it_reconnects_at_once():
    read = FlakyRead([([rec("1"), rec("2")], 1), ([rec("2"), rec("1")], None)])
    out, waits = run(read, waits=())
    assert [r["job_number"] for r in out] == ["1", "2"] and waits == [0.0]
