"""Regenerate schemas/<stream>.json from a sandbox data directory (`tieout-sandbox generate --out DIR`).

    .venv/bin/python source-buildops/scripts/infer_schemas.py DIR

Reads DIR/buildops/<resource>.jsonl (records as the API returns them), applies the connector's own
normalisation and fan-out, and writes one JSON schema per stream: every field nullable except the keys,
timestamps as `format: date-time`, money and quantities as numbers. Review the diff before committing:
the schemas are the contract, this script only saves the typing.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from source_buildops.normalize import (
    DATE_FIELDS,
    DATE_SUFFIXES,
    MONEY_FIELDS,
    QUANTITY_FIELDS,
    cursor_millis,
    iso_from_epoch,
    normalize,
)
from source_buildops.streams import SCHEMAS, STREAM_NAMES

KEYS = {"id", "tenantId", "invoiceId"}
TYPE_NAMES = {str: "string", bool: "boolean", int: "integer", float: "number", type(None): "null"}


def infer(values: list, key: str = "") -> dict:
    types: set[str] = set()
    dicts, lists = [], []
    for value in values:
        if isinstance(value, dict):
            dicts.append(value)
            types.add("object")
        elif isinstance(value, list):
            lists.append(value)
            types.add("array")
        else:
            types.add(TYPE_NAMES[type(value)])
    if key in MONEY_FIELDS or key in QUANTITY_FIELDS or {"integer", "number"} <= types:
        types.discard("integer")
        types.add("number")
    if key not in KEYS:
        types.add("null")
    schema: dict = {"type": sorted(types, key=lambda t: (t == "null", t))}
    if "string" in types and (key.endswith(DATE_SUFFIXES) or key in DATE_FIELDS):
        schema["format"] = "date-time"
    if dicts:
        fields: dict[str, list] = {}
        for d in dicts:
            for k, v in d.items():
                fields.setdefault(k, []).append(v)
        schema["properties"] = {k: infer(v, k) for k, v in fields.items()}
    if lists:
        items = [item for lst in lists for item in lst]
        schema["items"] = infer(items, key) if items else {}
    if schema["type"] == ["null"]:
        schema["type"] = ["string", "null"]
    return schema


def stream_records(data: Path, stream: str) -> list[dict]:
    def rows(resource):
        with open(data / "buildops" / f"{resource}.jsonl") as handle:
            return [json.loads(line) for line in handle]

    tenant = {"tenantId": "00000000-0000-0000-0000-000000000000"}
    if stream in ("invoices", "invoice_items", "invoice_payments"):
        out = []
        for inv in rows("invoices"):
            changed = iso_from_epoch(cursor_millis(inv))
            if stream == "invoices":
                header = {k: v for k, v in inv.items() if k not in ("invoiceItems", "payments")}
                out.append({**normalize(header), **tenant})
            else:
                key = "invoiceItems" if stream == "invoice_items" else "payments"
                for child in inv.get(key) or []:
                    out.append(
                        {**normalize(child), "invoiceId": inv["id"], "invoiceLastUpdatedDateTime": changed, **tenant}
                    )
        return out
    if stream == "customer_contacts":  # the same contacts by the other path (twin)
        return [{**normalize(r), **tenant} for r in rows("customer_representatives")]
    if stream == "jobs":  # the list leaves out what the detail embeds
        return [
            {**normalize({k: v for k, v in r.items() if k not in ("visits", "notes")}), **tenant} for r in rows("jobs")
        ]
    return [{**normalize(r), **tenant} for r in rows(stream)]


def main() -> None:
    data = Path(sys.argv[1])
    for stream in STREAM_NAMES:
        records = stream_records(data, stream)
        schema = {"$schema": "http://json-schema.org/draft-07/schema#", **infer(records)}
        schema["type"] = ["object"]
        schema["additionalProperties"] = True
        (SCHEMAS / f"{stream}.json").write_text(json.dumps(schema, indent=2) + "\n")
        print(f"{stream}: {len(records)} records, {len(schema['properties'])} fields")


if __name__ == "__main__":
    main()
