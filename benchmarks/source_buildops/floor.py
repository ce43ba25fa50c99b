"""The floor: a bare requests + orjson loop fetching the same pages at the same concurrency, no framework.

    python floor.py CONFIG.json CONCURRENCY   -> one JSON line per record on stdout

jobs pages; invoice list pages; each invoice's detail once (emitted as the invoice and its items). No
retries, no normalisation, no state: the least work that produces the same records.
"""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor

import orjson
import requests


def main() -> None:
    with open(sys.argv[1], "rb") as handle:
        config = orjson.loads(handle.read())
    concurrency = int(sys.argv[2])
    base = config["base_url"].rstrip("/")
    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter(pool_connections=concurrency + 2, pool_maxsize=concurrency + 2)
    session.mount("http://", adapter)
    token = session.post(
        f"{base}/v1/auth/token",
        json={"clientId": config["client_id"], "clientSecret": config["client_secret"]},
        timeout=60,
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}", "tenantId": config["tenant_ids"][0]}
    out = sys.stdout.buffer

    def pages(path):
        page = 0
        while True:
            body = orjson.loads(
                session.get(
                    f"{base}{path}", params={"page": page, "page_size": 100}, headers=headers, timeout=60
                ).content
            )
            yield body["items"]
            if len(body["items"]) < 100:
                return
            page += 1

    for items in pages("/v1/jobs"):
        for job in items:
            out.write(orjson.dumps(job) + b"\n")

    def detail(invoice_id):
        return orjson.loads(session.get(f"{base}/v1/invoices/{invoice_id}", headers=headers, timeout=60).content)

    with ThreadPoolExecutor(concurrency) as pool:
        for items in pages("/v1/invoices"):
            for invoice in pool.map(detail, [h["id"] for h in items]):
                out.write(orjson.dumps(invoice) + b"\n")
                for item in invoice.get("invoiceItems") or []:
                    out.write(orjson.dumps({**item, "invoiceId": invoice["id"]}) + b"\n")
    out.flush()


if __name__ == "__main__":
    main()
