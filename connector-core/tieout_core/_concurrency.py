"""Bounded concurrency for I/O: an order-keeping map over a thread pool (detail requests) and a one-ahead prefetch
(list pages). Threads, not asyncio: requests is blocking, and the pools stay small (a handful of connections)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def ordered_map(fn: Callable[[T], R], items: Iterable[T], max_workers: int) -> Iterator[R]:
    """`map(fn, items)` with at most `max_workers` calls in flight; results come back in input order.

    Used for detail requests (one per list item). At most 2 x max_workers results are buffered, so memory
    stays bounded whatever the number of items.
    """
    if max_workers <= 1:
        yield from map(fn, items)
        return
    with ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="detail") as pool:
        pending = []
        for item in items:
            pending.append(pool.submit(fn, item))
            if len(pending) >= 2 * max_workers:
                yield pending.pop(0).result()
        for future in pending:
            yield future.result()


_DONE = object()


def prefetch(items: Iterable[T], depth: int = 1) -> Iterator[T]:
    """Iterate `items` in a background thread, staying up to `depth` items ahead of the consumer.

    Used for list pages: page N+1 is requested while page N's records (and detail requests) are being
    processed, instead of after. Order is unchanged; an exception in the producer is re-raised in the
    consumer at the point it would have happened; if the consumer stops early the producer stops too.
    """
    import queue

    buffer: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                buffer.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put((True, item)):
                    return
        except BaseException as error:  # handed to the consumer, which raises it
            put((False, error))
            return
        put((True, _DONE))

    thread = threading.Thread(target=produce, name="prefetch", daemon=True)
    thread.start()
    try:
        while True:
            ok, item = buffer.get()
            if not ok:
                raise item
            if item is _DONE:
                return
            yield item
    finally:
        stop.set()
