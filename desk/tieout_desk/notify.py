"""Agents that notify (issue 16 §2): what to tell whom, each thing once.

- Compliance gate: every sub bill destination-spectrum posted on hold for compliance (the posting ledger), and
  every sub assignment while the sub is non-compliant (sub_compliance_by_project), reaches AP (`desk.notify.ap`)
  naming the vendor, the job, the missing documents and the bill held.
- Daily digest: each owner gets one message listing the new exceptions above materiality they own.
- Last blocker: when a close step has exactly one exception left blocking it, the step's owner hears which.

Each fact has a key; the ledger `<desk_schema>.notifications` records (key, channel, recipient) once sent, so a
rerun sends nothing twice and a failed send is tried again next run. Recipients are owner names; policy.yml
`desk.contacts` maps a name to an email address (a name without one gets the webhook only)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import duckdb

from tieout_desk.channels import ChannelError, Email, Webhook
from tieout_desk.warehouse import Warehouse

LEDGER_COLUMNS = (
    ("notification_key", "varchar not null"),
    ("channel", "varchar not null"),
    ("recipient", "varchar not null"),
    ("sent_at", "timestamp not null"),
    ("subject", "varchar"),
)


@dataclass(frozen=True)
class Notice:
    kind: str
    recipient: str  # an owner / contact name
    subject: str
    body: str
    keys: tuple[str, ...]  # the facts it tells; recorded in the ledger once sent


@dataclass
class Outcome:
    sent: list[tuple[str, str, str]] = field(default_factory=list)  # (channel, recipient, subject)
    failed: list[str] = field(default_factory=list)
    already_sent: int = 0


def ensure_ledger(con: duckdb.DuckDBPyConnection, schema: str) -> None:
    con.execute(f"create schema if not exists {schema}")
    columns = ", ".join(f"{n} {t}" for n, t in LEDGER_COLUMNS)
    con.execute(
        f"create table if not exists {schema}.notifications ({columns}, "
        "primary key (notification_key, channel, recipient))"
    )


def _missing_documents(row: dict[str, Any]) -> list[str]:
    missing = []
    if row.get("coi_lapsed"):
        missing.append(f"certificate of insurance (expired {row.get('coi_expiration') or 'or missing'})")
    if row.get("w9_lapsed"):
        missing.append("W-9")
    if row.get("lien_waiver_lapsed"):
        missing.append("lien waiver")
    return missing


def compliance_notices(warehouse: Warehouse, ap: str) -> list[Notice]:
    schema, notices = warehouse.schema, []
    if warehouse.table_exists("sub_compliance_by_project"):
        for row in warehouse.rows(
            f"select * from {schema}.sub_compliance_by_project where not is_compliant "
            "order by company_code, job_number, vendor_code, po_number"
        ):
            missing = ", ".join(_missing_documents(row)) or "compliance documents"
            vendor = f"{row['vendor_name'] or row['vendor_code']} ({row['vendor_code']})"
            notices.append(
                Notice(
                    "compliance_hold",
                    ap,
                    f"Compliance: {vendor} assigned to job {row['job_number']} ({row['company_code']}) while missing "
                    f"{missing}",
                    f"Vendor: {vendor}\nJob: {row['job_number']} ({row['company_code']})\n"
                    f"PO: {row['po_number'] or row['buildops_purchase_order_id']} dated {row['ordered_date']}, "
                    f"{row['po_amount']}\nMissing: {missing}\nAt risk: {row['amount_at_risk']}\n"
                    "Hold the sub's bills until the documents are on file.",
                    (f"assignment|{row['company_code']}|{row['job_number']}|{row['vendor_code']}|{row['po_number']}",),
                )
            )
    if warehouse.table_exists("stg_ledger__postings"):
        for row in warehouse.rows(
            f"select * from {schema}.stg_ledger__postings where reason like '%compliance:%' "
            "order by company_code, source_key"
        ):
            notices.append(
                Notice(
                    "compliance_hold",
                    ap,
                    f"Bill held for compliance: {row['source_key']} ({row['company_code']}), {row['amount']}",
                    f"Bill {row['source_key']} ({row['source_stream']}) for {row['amount']} in {row['company_code']} "
                    f"was {row['posting_state']} with the reason:\n{row['reason']}\n"
                    f"Spectrum batch {row['spectrum_batch'] or '-'}, document {row['spectrum_document'] or '-'}.",
                    (f"held|{row['source_stream']}|{row['source_key']}",),
                )
            )
    return notices


def digest_notices(warehouse: Warehouse, sent: set[str], today: dt.date) -> list[Notice]:
    """One message per owner with the material exceptions not yet told to them."""
    by_owner: dict[str, list[dict[str, Any]]] = {}
    for row in warehouse.queue({}):
        told = f"exception|{row['exception_id']}" in sent
        if row["is_material"] and row["status"] in ("open", "acknowledged") and not told:
            by_owner.setdefault(row["owner"], []).append(row)
    notices = []
    for owner, rows in sorted(by_owner.items()):
        lines = [
            f"- {r['exception_type']} ({r['company_code'] or '-'}), {r['amount_at_stake']} at stake: {r['description']}"
            for r in rows
        ]
        notices.append(
            Notice(
                "digest",
                owner,
                f"Close desk digest {today.isoformat()}: {len(rows)} new exception(s) for {owner}",
                "New exceptions above materiality that you own:\n" + "\n".join(lines),
                tuple(f"exception|{r['exception_id']}" for r in rows),
            )
        )
    return notices


def last_blocker_notices(warehouse: Warehouse, step_owners: dict[str, str], default_owner: str) -> list[Notice]:
    notices = []
    for step in warehouse.checklist():
        if step["open_exception_count"] != 1:
            continue
        blocker = warehouse.queue({"close_step": step["close_step"], "blocking": "yes"})[0]
        owner = step_owners.get(step["close_step"], default_owner)
        notices.append(
            Notice(
                "last_blocker",
                owner,
                f"{step['step_name']} ({step['close_period']}): one exception left",
                f"The last exception blocking {step['step_name']} is {blocker['exception_type']} owned by "
                f"{blocker['owner']}, {blocker['amount_at_stake']} at stake:\n{blocker['description']}",
                (f"last_blocker|{step['close_period']}|{step['close_step']}|{blocker['exception_id']}",),
            )
        )
    return notices


def run(
    warehouse: Warehouse,
    desk: dict[str, Any],
    *,
    email: Email | None,
    webhook: Webhook | None,
    today: dt.date | None = None,
) -> Outcome:
    """Compose every notice and send what the ledger has not recorded, on every configured channel."""
    contacts = {str(k): str(v) for k, v in (desk.get("contacts") or {}).items()}
    notify = desk.get("notify") or {}
    default_owner = str(desk.get("default_owner") or "controller")
    with warehouse.connect(write=True) as con:
        ensure_ledger(con, warehouse.desk_schema)
        recorded = {
            (k, c, r)
            for k, c, r in con.execute(
                f"select notification_key, channel, recipient from {warehouse.desk_schema}.notifications"
            ).fetchall()
        }
    sent_keys = {k for k, _, _ in recorded}
    notices = [
        *compliance_notices(warehouse, str(notify.get("ap") or "ap")),
        *digest_notices(warehouse, sent_keys, today or dt.date.today()),
        *last_blocker_notices(warehouse, dict(desk.get("step_owners") or {}), default_owner),
    ]
    outcome = Outcome()
    for notice in notices:
        channels = []
        if email is not None and notice.recipient in contacts:
            channels.append(("email", contacts[notice.recipient]))
        if webhook is not None:
            channels.append(("webhook", notice.recipient))
        for channel, address in channels:
            if all((key, channel, address) in recorded for key in notice.keys):
                outcome.already_sent += 1
                continue
            try:
                if channel == "email":
                    email.send(address, notice.subject, notice.body)
                else:
                    webhook.send(f"*{notice.subject}* (for {notice.recipient})\n{notice.body}")
            except ChannelError as exc:
                outcome.failed.append(f"{channel} to {address}: {exc}")
                continue
            with warehouse.connect(write=True) as con:
                for key in notice.keys:
                    con.execute(
                        f"insert or ignore into {warehouse.desk_schema}.notifications values (?, ?, ?, ?, ?)",
                        [key, channel, address, dt.datetime.now(dt.timezone.utc).replace(tzinfo=None), notice.subject],
                    )
                    recorded.add((key, channel, address))
            outcome.sent.append((channel, address, notice.subject))
    return outcome
