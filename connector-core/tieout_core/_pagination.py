"""Pagination: one `Page` shape for every way an API pages (page numbers, offsets, opaque cursors, Link headers),
each walk resumable from the `next_page` it last yielded."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from tieout_core._concurrency import ordered_map
from tieout_core._errors import ConfigError, TransientError
from tieout_core._http import HttpClient, describe_request, origin


@dataclass(frozen=True)
class Page:
    """One page of a walk. `next_page` is what fetches the page after it (a page number, an offset, a cursor or a
    URL, by paginator), None on the last page: checkpoint it, and pass it back as the `start_...` argument to
    resume a walk where a killed sync stopped. `number` counts pages from the walk's first page; `total_count`
    is the server's count of all items, when it reports one."""

    number: int
    items: list[Any]
    total_count: int | None
    next_page: Any


def page_number_pages(
    fetch: Callable[[int], tuple[list[Any], int | None]],
    *,
    page_base: int,
    page_size: int,
    start_page: int | None = None,
    concurrency: int = 1,
) -> Iterator[Page]:
    """Walk `page=page_base, page_base+1, ...` until a short page or the running count reaches totalCount.

    `fetch(page)` returns the page's items and the server's totalCount (None when not reported).
    `start_page` resumes a walk that was checkpointed earlier. With `concurrency` above 1 and a totalCount on
    the first page, the pages it implies are requested `concurrency` at a time (in order, through
    `ordered_map`) instead of one after another; a page that comes back short still ends the walk.
    """
    page = page_base if start_page is None else start_page
    while True:
        items, total = fetch(page)
        seen_through_page = (page - page_base) * page_size + len(items)
        done = len(items) < page_size or (total is not None and seen_through_page >= total)
        next_page = None if done else page + 1
        yield Page(page, items, total, next_page)
        if next_page is None:
            return
        if concurrency > 1 and total is not None:
            yield from _known_pages(fetch, page_base, page_size, next_page, total, concurrency)
            return
        page = next_page


def _known_pages(fetch, page_base, page_size, first, total, concurrency) -> Iterator[Page]:
    last = page_base + (total - 1) // page_size  # the page holding item number `total`
    for page, (items, reported) in zip(
        range(first, last + 1), ordered_map(fetch, range(first, last + 1), concurrency), strict=True
    ):
        done = page == last or len(items) < page_size
        yield Page(page, items, reported, None if done else page + 1)
        if done:
            return


def offset_pages(
    fetch: Callable[[int], tuple[list[Any], int | None]],
    *,
    page_size: int,
    start_offset: int = 0,
) -> Iterator[Page]:
    """Walk `offset=0, page_size, 2 x page_size, ...` until a short page or the offset reaches the total count.

    `fetch(offset)` returns the page's items and the server's total count of items (None when not reported);
    with a total count, a full last page ends the walk without asking for an empty one. `next_page` is the next
    offset.
    """
    offset, number = start_offset, 0
    while True:
        items, total = fetch(offset)
        following = offset + len(items)
        done = len(items) < page_size or not items or (total is not None and following >= total)
        yield Page(number, items, total, None if done else following)
        if done:
            return
        offset, number = following, number + 1


def cursor_pages(
    fetch: Callable[[Any], tuple[list[Any], Any]],
    *,
    start_cursor: Any = None,
) -> Iterator[Page]:
    """Walk an opaque cursor: `fetch(cursor)` returns the page's items and the next cursor (None, or "", at the
    end); the first call gets `start_cursor` (None: the first page). A cursor the server hands back twice in a row
    would loop forever: that is a TransientError naming it."""
    cursor, number = start_cursor, 0
    while True:
        items, following = fetch(cursor)
        following = following or None
        if following is not None and following == cursor:
            raise TransientError(f"the server returned the same next-page cursor twice ({str(cursor)[:40]!r})")
        yield Page(number, items, None, following)
        if following is None:
            return
        cursor, number = following, number + 1


def link_header_pages(
    client: HttpClient,
    path: str,
    *,
    params: Mapping[str, Any] | None = None,
    items: Callable[[Any], list[Any]] = lambda body: body,
    total_header: str | None = None,
    start_url: str | None = None,
) -> Iterator[Page]:
    """Walk pages linked by the `Link: <...>; rel="next"` header (RFC 8288; GitHub, Shopify and many others).

    The first request is `GET path?params`; each next one is the `next` URL exactly as given (it carries its own
    query). `items(body)` picks the records out of a body (default: the body is the list). `total_header` names a
    header with the total count (`X-Total-Count`). A next link to another host is refused with a ConfigError:
    the Authorization header goes only to the configured host. `next_page` is the next URL; pass it back as
    `start_url` to resume.
    """
    url, query, number = start_url or path, None if start_url else params, 0
    while True:
        response = client.request("GET", url, params=query)
        following = (response.links.get("next") or {}).get("url")
        if following and not client.same_origin(following):
            raise ConfigError(
                f"{describe_request('GET', client.url(url))} links its next page to {origin(following)}, another"
                f" host; it was not followed (credentials go only to {client.url_setting}). Set"
                f" {client.url_setting} to that host if it is the real API."
            )
        total = response.headers.get(total_header) if total_header else None
        yield Page(number, items(response.body), int(total) if total else None, following or None)
        if not following:
            return
        url, query, number = following, None, number + 1
