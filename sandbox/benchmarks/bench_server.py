"""Requests/s of a running `tieout-sandbox serve`: invoice list pages + invoice details at a concurrency.

    .venv/bin/python sandbox/benchmarks/bench_server.py --data DIR [--concurrency 16] [--details 20000]

Reads DIR/sandbox.json for the URL and credentials. A bare requests loop, to size the twin, not the client.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--details", type=int, default=20000)
    args = parser.parse_args()
    info = json.loads((args.data / "sandbox.json").read_text())["buildops"]
    base = info["base_url"]
    token = requests.post(
        f"{base}/v1/auth/token", json={"clientId": info["client_id"], "clientSecret": info["client_secret"]}, timeout=30
    )
    headers = {"Authorization": f"Bearer {token.json()['access_token']}", "tenantId": info["main_tenant_id"]}
    local = threading.local()

    def get(path: str) -> dict:
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
            session.headers.update(headers)
        response = session.get(base + path, timeout=60)
        response.raise_for_status()
        return response.json()

    total = get("/v1/invoices?page_size=1")["totalCount"]
    pages = (total + 99) // 100
    started = time.perf_counter()
    with ThreadPoolExecutor(args.concurrency) as pool:
        ids = [
            i["id"]
            for page in pool.map(lambda p: get(f"/v1/invoices?page={p}&page_size=100"), range(pages))
            for i in page["items"]
        ]
    list_s = time.perf_counter() - started
    wanted = (ids * (args.details // max(1, len(ids)) + 1))[: args.details]
    started = time.perf_counter()
    with ThreadPoolExecutor(args.concurrency) as pool:
        items = sum(len(d["invoiceItems"]) for d in pool.map(lambda i: get(f"/v1/invoices/{i}"), wanted))
    detail_s = time.perf_counter() - started
    print(f"list pages: {pages} in {list_s:.2f} s = {pages / list_s:,.0f} pages/s ({total / list_s:,.0f} records/s)")
    print(
        f"details:    {len(wanted)} in {detail_s:.2f} s = {len(wanted) / detail_s:,.0f} requests/s "
        f"({items:,} invoice items) at concurrency {args.concurrency}"
    )


if __name__ == "__main__":
    main()
