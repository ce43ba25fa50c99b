"""Run a bulk ODBC read in a forked child process, so the driver's fetch overlaps the caller's work.

Why a process and not a thread: pyodbc releases the GIL around every `SQLFetch` and around every
`SQLGetData`, that is once per column of every row. A reader thread therefore gives the GIL away dozens of
times per row and each time waits for the busy consumer thread to hand it back (up to the 5 ms switch
interval): measured, a prefetch thread made a read slower, not faster. A child process has its own
interpreter, so fetching (and normalising) the next rows runs on the second core while the parent
serialises the previous ones.

The child opens its own connection (a connection must never be shared across `fork`), sends its items in
pickled batches through a pipe and exits with `os._exit` (no inherited buffers flushed, no atexit hooks, no
inherited connection closed). Memory stays bounded: the child blocks on the pipe once a batch is in flight,
so at most about two batches exist at any time. An error raised in the child is raised again in the parent
(the message unchanged); the parent stopping early (generator closed) kills the child and reaps it.

A link that vanishes without a reset (a VPN or firewall dropping the session silently) leaves a driver
blocked in a read for ever: no error ever comes. The parent therefore waits at most `stall_timeout` seconds
for the child's next batch; past that it kills the child and raises `ReaderStalled`, a `ConnectionLost`, so
the read is retried on a new connection like after a reset. Batches cross the pipe length-prefixed, so the
parent can wait on the pipe with a timeout instead of blocking inside `pickle.load`.

Where `fork` is unavailable, other threads are running (forking a threaded process can deadlock the
child on a lock some other thread held, unixODBC's included), or this process may use only one CPU (the
child would only add the pickling), the read simply runs in this process. On a machine whose cores are
all busy the child's pickling is extra work on the same cores: a little slower than one process, not faster
(benchmarks/source_spectrum measures both).
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import select
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from .errors import ConnectionLost, OdbcError

_BATCH, _ERROR, _END = 0, 1, 2


def usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))  # what this process may run on (containers, taskset)
    except AttributeError:  # pragma: no cover - macOS
        return os.cpu_count() or 1


def _other_threads_running() -> bool:
    return threading.active_count() > 1


def child_reads_available() -> bool:
    """fork exists, no other thread runs, and a second CPU exists for the child (else it only adds work)."""
    return hasattr(os, "fork") and not _other_threads_running() and usable_cpus() >= 2


Batch = tuple[Sequence[str], list[tuple]]  # (names, value tuples): cheaper to pickle than dicts


def batches_in_child(produce: Callable[[], Iterable[Batch]], stall_timeout: float | None = None) -> Iterator[Batch]:
    """Yield the batches `produce()` yields, in order, computed in a forked child.

    Each batch crosses the pipe as one pickled message (value tuples pickle in a third of the time dicts
    do; the names travel once per batch), so a batch is the unit of look-ahead and of memory (one
    `fetch_size`). `produce` runs in the child (or here, when no child can be used) and must open its own
    connection. Values must be picklable; an exception `produce` raises is raised here. With `stall_timeout`,
    a child that sends nothing for that many seconds is killed and `ReaderStalled` raised (in-process reads
    cannot be interrupted: a driver blocked in a read holds this thread).
    """
    if not child_reads_available():
        yield from produce()
        return
    read_fd, write_fd = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child, which leaves through os._exit
        _child(produce, read_fd, write_fd, parent)
    os.close(write_fd)
    child = _Child(pid)
    try:
        while True:
            try:
                message = _receive(read_fd, stall_timeout)
            except _Stalled:  # the finally below kills and reaps the child
                raise ReaderStalled(
                    f"The Spectrum database sent nothing for {stall_timeout:g} s (odbc.stall_timeout_seconds) in the"
                    " middle of a read: the connection is treated as lost. A link dropped without a reset (a VPN or"
                    " firewall ending an idle session) looks like this; if the server is only slow to start"
                    " answering, raise odbc.stall_timeout_seconds."
                ) from None
            if message is None:
                # A lost read like a reset: psqlODBC can crash inside SQLFetch once its connection is gone.
                raise ReaderDied(
                    f"The ODBC reader process ended before the read finished ({child.wait()}); nothing"
                    " after the last emitted record was read. Run the sync again."
                )
            kind, payload = pickle.loads(message)  # noqa: S301 - our own child, over a private pipe
            if kind == _BATCH:
                yield payload
            elif kind == _ERROR:
                raise payload
            else:
                child.wait()
                return
    finally:
        os.close(read_fd)
        child.stop()


class _Stalled(Exception):
    pass


_HEADER = 8  # bytes of the length prefix in front of every message


def _receive(fd: int, timeout: float | None) -> bytes | None:
    """The next length-prefixed message from the pipe; None when the child closed it (exited or died)."""
    header = _read_exactly(fd, _HEADER, timeout)
    if header is None:
        return None
    return _read_exactly(fd, int.from_bytes(header, "little"), timeout)


def _read_exactly(fd: int, size: int, timeout: float | None) -> bytes | None:
    chunks = []
    while size:
        if timeout is not None and not select.select([fd], [], [], timeout)[0]:
            raise _Stalled
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


class ReaderDied(ConnectionLost):
    """The reader child ended without finishing (killed, or crashed in the driver): the read is lost."""


class ReaderStalled(ConnectionLost):
    """The reader child sent nothing for `stall_timeout` seconds (a silently dropped link): the read is lost."""


class _Child:
    """The forked reader's pid, reaped exactly once (a reaped pid may be reused: never signal it then)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.status: str | None = None

    def wait(self) -> str:
        if self.status is None:
            _, status = os.waitpid(self.pid, 0)
            if os.WIFSIGNALED(status):
                self.status = f"killed by signal {os.WTERMSIG(status)}"
            else:
                self.status = f"exit status {os.WEXITSTATUS(status)}"
        return self.status

    def stop(self) -> None:
        if self.status is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            self.wait()


def _child(produce: Callable[[], Iterable[Batch]], read_fd: int, write_fd: int, parent: int) -> None:
    code = 0
    try:
        os.close(read_fd)
        _die_with(parent)
        # Nothing the child does may reach the parent's stdout (it carries the protocol): the parent's
        # unflushed output buffers were copied by fork, so they must never be flushed from here.
        # Hence both the descriptors and the Python objects (a host may have swapped sys.stdout for a
        # buffer of its own, as airbyte-cdk's PRINT_BUFFER does) point at /dev/null, and logging is off.
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        sys.stdout = sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - lives until os._exit
        logging.disable(logging.CRITICAL)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the parent, which then stops us
        out = os.fdopen(write_fd, "wb", buffering=1 << 16)
        items: Iterator[Batch] | None = None
        try:
            items = iter(produce())
            for batch in items:
                if batch[1]:
                    _send(out, (_BATCH, batch))
            _send(out, (_END, None))
        except BrokenPipeError:
            pass  # the parent stopped reading: nothing more to do
        except BaseException as exc:  # every failure goes back to the parent
            try:
                _send(out, (_ERROR, _portable(exc)))
            except BaseException:
                code = 1
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                with contextlib.suppress(BaseException):
                    close()  # run the producer's cleanup (closes its connection)
    except BaseException:
        code = 1
    finally:
        os._exit(code)


def _die_with(parent: int) -> None:
    """Linux: be killed when the parent dies (a host cancelling a sync kills the connector, and a child deep
    in a long query would otherwise run on until its next write). Elsewhere the next write ends it (EPIPE)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        return
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _send(out: Any, message: tuple[int, Any]) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    out.write(len(data).to_bytes(_HEADER, "little"))
    out.write(data)
    out.flush()


def _portable(exc: BaseException) -> BaseException:
    """The exception itself when it survives pickling, else one carrying its type name and message."""
    try:
        pickle.loads(pickle.dumps(exc, protocol=pickle.HIGHEST_PROTOCOL))  # noqa: S301 - our own object
        return exc
    except Exception:
        return OdbcError(f"{type(exc).__name__}: {exc}")
