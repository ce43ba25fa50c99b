"""batches_in_child: a bulk read computed in a forked child, handed back in order, errors and early stops included."""

import os
import signal
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from spectrum_client import ConnectionLost, OdbcError, OdbcSettings, QueryFailed, SpectrumOdbc, odbc_child
from spectrum_client.odbc_child import ReaderStalled, batches_in_child, child_reads_available

pytestmark = pytest.mark.skipif(
    not (hasattr(os, "fork") and odbc_child.usable_cpus() >= 2), reason="needs os.fork and two usable CPUs"
)


REAL_OTHER_THREADS_RUNNING = odbc_child._other_threads_running


@pytest.fixture(autouse=True)
def single_threaded(monkeypatch):
    """Earlier tests in the session leave idle daemon threads (loopback servers); a real source process has
    none. Treat this process as single-threaded so the child path is what runs, and say so if it is not."""
    monkeypatch.setattr(odbc_child, "_other_threads_running", lambda: False)
    assert child_reads_available()


NAMES = ("n", "pid")


def read_in_child(produce):
    """The records of `batches_in_child(produce)` as dicts, in order (how a caller flattens the batches)."""
    for names, rows in batches_in_child(produce):
        yield from (dict(zip(names, row, strict=True)) for row in rows)


def numbered(batches: int, size: int = 1000):
    """A producer of `batches` batches of (n, pid) rows."""

    def produce():
        for b in range(batches):
            yield NAMES, [(b * size + i, os.getpid()) for i in range(size)]

    return produce


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_given_batches_when_read_in_child_then_every_row_in_order_as_dicts_from_another_process():
    rows = list(read_in_child(numbered(7)))
    assert [r["n"] for r in rows] == list(range(7000))
    assert {r["pid"] for r in rows} != {os.getpid()} and len({r["pid"] for r in rows}) == 1
    assert rows[0] == {"n": 0, "pid": rows[0]["pid"]}


def test_given_error_in_child_when_read_then_rows_before_it_then_the_same_error_here():
    def produce():
        yield NAMES, [(1, 0), (2, 0)]
        raise QueryFailed("Spectrum query failed (42S02): no such table: JC_X. Grant it to the Info-Link user")

    got = []
    with pytest.raises(QueryFailed, match=r"no such table: JC_X\. Grant it"):
        for row in read_in_child(produce):
            got.append(row["n"])
    assert got == [1, 2]


def test_given_unpicklable_error_in_child_when_read_then_odbc_error_names_its_type_and_message():
    class Local(Exception):  # a local class cannot be pickled
        pass

    def produce():
        raise Local("driver exploded")
        yield  # pragma: no cover

    with pytest.raises(OdbcError, match="Local: driver exploded"):
        list(read_in_child(produce))


def test_given_child_killed_when_read_then_error_says_it_ended_early_and_how():
    test_process = os.getpid()

    def produce():
        yield NAMES, [(1, 0)]
        assert os.getpid() != test_process, "produce ran in the test process: it must never kill pytest itself"
        os.kill(os.getpid(), signal.SIGKILL)
        yield NAMES, [(2, 0)]  # pragma: no cover

    got = []
    with pytest.raises(
        ConnectionLost, match=r"ended before the read finished \(killed by signal 9\).*Run the sync again"
    ):
        for row in read_in_child(produce):
            got.append(row["n"])
    assert got == [1]  # a lost read, like a reset: source-spectrum reconnects and reads again


def test_given_consumer_stops_early_when_generator_closed_then_child_is_stopped_and_reaped():
    pids = []

    def produce():
        while True:  # an endless table: only the consumer stopping ends it
            yield NAMES, [(0, os.getpid())] * 1000

    reader = read_in_child(produce)
    pids.append(next(reader)["pid"])
    assert alive(pids[0])
    reader.close()
    assert not alive(pids[0])  # killed and reaped: no zombie left behind either
    with pytest.raises(ChildProcessError):
        os.waitpid(pids[0], os.WNOHANG)


def test_given_a_child_that_goes_silent_when_read_then_it_is_killed_and_the_read_counts_as_lost_not_hung():
    # A link dropped without a reset: the driver blocks in a read for ever and no error ever comes.
    def produce():
        yield NAMES, [(1, os.getpid())]
        time.sleep(600)
        yield NAMES, [(2, 0)]  # pragma: no cover

    got = []
    started = time.monotonic()
    with pytest.raises(ReaderStalled) as raised:
        for row in batches_in_child(produce, stall_timeout=0.5):
            got.append(row)
    assert time.monotonic() - started < 30, "it waited for the silent child instead of giving up"
    assert isinstance(raised.value, ConnectionLost), "a stall is retried like a reset"
    message = str(raised.value)
    assert "sent nothing for 0.5 s (odbc.stall_timeout_seconds)" in message and "treated as lost" in message
    assert "raise odbc.stall_timeout_seconds" in message
    [(names, rows)] = got
    assert names == NAMES and rows[0][0] == 1
    child = rows[0][1]
    assert not alive(child)  # killed and reaped
    with pytest.raises(ChildProcessError):
        os.waitpid(child, os.WNOHANG)


def test_given_a_slow_but_steady_child_when_read_then_the_stall_timeout_does_not_cut_it():
    def produce():
        for n in range(4):
            time.sleep(0.2)  # each gap under the timeout; all of them together over it
            yield NAMES, [(n, 0)] * 50_000  # several pipe-fulls per message: a message may arrive in pieces

    batches = list(batches_in_child(produce, stall_timeout=0.5))
    assert [rows[0][0] for _, rows in batches] == [0, 1, 2, 3] and all(len(rows) == 50_000 for _, rows in batches)


def test_given_child_prints_when_read_then_nothing_reaches_our_stdout(capfd):
    def produce():
        print("LEAKED-FROM-CHILD", flush=True)
        os.write(1, b"LEAKED-RAW\n")
        yield NAMES, [(1, 0)]

    assert [r["n"] for r in read_in_child(produce)] == [1]
    out, err = capfd.readouterr()
    assert "LEAKED" not in out and "LEAKED" not in err


def test_given_other_threads_running_when_read_then_it_runs_here_without_forking(monkeypatch):
    monkeypatch.setattr(odbc_child, "_other_threads_running", REAL_OTHER_THREADS_RUNNING)
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, daemon=True)
    thread.start()
    try:
        rows = list(read_in_child(numbered(2)))
    finally:
        stop.set()
        thread.join()
    assert len(rows) == 2000 and {r["pid"] for r in rows} == {os.getpid()}


def test_given_slow_consumer_when_read_then_child_stays_at_most_a_batch_or_two_ahead(tmp_path):
    progress = tmp_path / "produced"

    def produce():
        for b in range(1000):
            progress.write_text(str(b))
            yield NAMES, [(b, f"row {i:06}") for i in range(5000)]  # ~80 kB pickled, more than the pipe holds

    reader = read_in_child(produce)
    next(reader)
    time.sleep(0.5)  # plenty of time for an unbounded child to run far ahead
    ahead = int(progress.read_text())
    reader.close()
    # One batch taken, one in the pipe and our read buffer, one being written: the table's size plays no part.
    assert ahead <= 3, f"the child produced {ahead} batches while the consumer held the first"


def test_given_sqlite_table_when_read_in_child_then_the_child_opens_its_own_connection(tmp_path):
    path = tmp_path / "spectrum.sqlite"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE T (Company_Code VARCHAR(3), Amount DECIMAL(14,2))")
    con.executemany("INSERT INTO T VALUES (?, ?)", [("MEC", f"{i}.25") for i in range(3000)])
    con.commit()
    con.close()
    settings = OdbcSettings(driver="SQLite3", database=str(path), fetch_size=700)

    def produce():
        with SpectrumOdbc(settings) as db:
            for rows in db.batches("SELECT Company_Code, Amount FROM T WHERE Company_Code = ?", ["MEC"]):
                yield ("company_code", "amount"), [tuple(r) for r in rows]

    rows = list(read_in_child(produce))
    assert len(rows) == 3000 and rows[2999] == {"company_code": "MEC", "amount": "2999.25"}


@pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="Linux parent-death signal")
def test_given_parent_killed_when_child_mid_read_then_child_dies_too(tmp_path):
    # A host cancelling a sync kills the connector: its reader must not run on in a long query.
    import subprocess
    import sys

    pid_file = tmp_path / "child.pid"
    script = (
        "import os, time\n"
        "from spectrum_client.odbc_child import batches_in_child\n"
        "def produce():\n"
        f"    open({str(pid_file)!r}, 'w').write(str(os.getpid()))\n"
        "    time.sleep(60)\n"
        "    yield ('n',), [(1,)]\n"
        "for _ in batches_in_child(produce): pass\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script])
    deadline = time.monotonic() + 20
    while not (pid_file.exists() and pid_file.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    child = int(pid_file.read_text())
    parent.kill()
    parent.wait()

    def running(pid: int) -> bool:  # a zombie waiting for init to reap it has stopped running
        try:
            return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
        except OSError:
            return False

    while running(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not running(child)
