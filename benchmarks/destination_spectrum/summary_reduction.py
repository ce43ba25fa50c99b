"""How far daily-summary posting cuts the documents a year of service tickets lands in Spectrum, measured on the
twin's data (the demo's contractor: `tieout-sandbox generate --scale 1 --seed 42`, a year of a $20M contractor).

    .venv/bin/python benchmarks/destination_spectrum/summary_reduction.py [--data DIR | --scale 1 --seed 42]

For the job types policy.yml posts as `daily_summary` (Fire Inspection, Preventive Maintenance), every live
BuildOps invoice (not deleted, not Draft/Void) is one ticket. A summary document is one per company x customer x
job x day (destination_spectrum.documents.ReadyInvoice.summary_key), so the documents a mode lands are the
distinct keys of its tickets:
- before: the job is the ticket's own (a Spectrum job per BuildOps job, as when both systems shared numbers);
- after: the job is the one job_crosswalk.csv resolves the ticket's job to, with destination-spectrum's own
  resolver (destination_spectrum.job_crosswalk.JobCrosswalk): umbrella service jobs such as 26-INSP and PM-SVC.
Printed: tickets, documents before and after, and the reduction, per job type and in all; detail mode (one
document per ticket) beside them as the peer, and the floor: one document per company x customer x day (a
Spectrum AR invoice has one Customer_Code, so no grouping by job can go below it). Counts only: no posting, so
nothing here is timing-sensitive.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import tempfile
from collections import defaultdict
from pathlib import Path

from destination_spectrum.job_crosswalk import JobCrosswalk
from destination_spectrum.lookups import department_company
from destination_spectrum.records import VOID_STATUSES, parse_job

ROOT = Path(__file__).resolve().parents[2]
SANDBOX = str(ROOT / ".venv" / "bin" / "tieout-sandbox")
SUMMARY_TYPES = ("Fire Inspection", "Preventive Maintenance")


def records(data: Path, name: str) -> list[dict]:
    with (data / "buildops" / f"{name}.jsonl").open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def ticket_day(invoice: dict) -> str:
    """The invoice's issue day (UTC): BuildOps stamps epoch seconds or milliseconds, as numbers or digit strings."""
    issued = invoice.get("issuedDate")
    text = str(issued).strip()
    if isinstance(issued, (int, float)) or text.isdigit():
        number = int(float(text))
        seconds = number / 1000 if number > 10**11 else number
        return dt.datetime.fromtimestamp(seconds, dt.timezone.utc).date().isoformat()
    return text[:10]


def measure(data: Path) -> dict:
    crosswalk = JobCrosswalk.load(data / "mapping" / "job_crosswalk.csv")
    jobs = {
        raw["id"]: parse_job(raw)
        for raw in records(data, "jobs")
        if not (raw.get("audit") or {}).get("deletedDateTime")
    }
    tickets: dict[str, int] = defaultdict(int)
    before: dict[str, set] = defaultdict(set)
    after: dict[str, set] = defaultdict(set)
    floor: dict[str, set] = defaultdict(set)
    unresolved: dict[str, int] = defaultdict(int)
    days: set[str] = set()
    for invoice in records(data, "invoices"):
        job = jobs.get(invoice.get("jobId") or "")
        if job is None or job.job_type not in SUMMARY_TYPES:
            continue
        if (invoice.get("audit") or {}).get("deletedDateTime"):
            continue
        if str(invoice.get("status", "")).strip().lower() in VOID_STATUSES:
            continue
        customer = invoice.get("billingCustomerId") or invoice.get("customerId") or ""
        day = ticket_day(invoice)
        days.add(day)
        company = department_company(job.department)
        tickets[job.job_type] += 1
        before[job.job_type].add((company, customer, job.job_number, day))
        target = crosswalk.resolve(job.job_number, job.job_type, job.department, company, job.created_year)
        if target is None:
            unresolved[job.job_type] += 1  # held by the destination (job_unmatched): lands no document
            continue
        after[job.job_type].add((target.company_code, customer, target.job_number, day))
        floor[job.job_type].add((target.company_code, customer, day))
    rows = {}
    for job_type in SUMMARY_TYPES:
        rows[job_type] = {
            "tickets": tickets[job_type],
            "documents_before": len(before[job_type]),
            "documents_after": len(after[job_type]),
            "floor_customer_days": len(floor[job_type]),
            "unresolved_tickets": unresolved[job_type],
        }
    rows["all"] = {key: sum(r[key] for r in rows.values()) for key in next(iter(rows.values()))}
    for row in rows.values():
        row["reduction_x"] = (
            round(row["documents_before"] / row["documents_after"], 2) if row["documents_after"] else None
        )
        row["documents_saved"] = row["documents_before"] - row["documents_after"]
    return {"data": str(data), "first_day": min(days, default=""), "last_day": max(days, default=""), "rows": rows}


def report(result: dict) -> str:
    lines = [
        f"daily_summary documents per company x customer x job x day, twin data {result['data']} "
        f"(tickets {result['first_day']} .. {result['last_day']})",
        "| job type | tickets (peer: detail, one document each) | summary, ticket's own job | summary, crosswalk "
        "job (umbrella) | floor: company x customer x day | reduction |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for job_type, r in result["rows"].items():
        lines.append(
            f"| {job_type} | {r['tickets']:,} | {r['documents_before']:,} | {r['documents_after']:,} | "
            f"{r['floor_customer_days']:,} | {r['reduction_x']}x ({r['documents_saved']:,} fewer) |"
        )
    unresolved = result["rows"]["all"]["unresolved_tickets"]
    if unresolved:
        lines.append(f"{unresolved} ticket(s) resolve to no Spectrum job (held, job_unmatched): not counted after")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, help="a generated sandbox directory (default: generate one)")
    parser.add_argument("--scale", type=float, default=1.0, help="scale when generating (the demo's: 1)")
    parser.add_argument("--seed", type=int, default=42, help="seed when generating (the demo's: 42)")
    parser.add_argument("--results", type=Path, help="also write the figures here as JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tieout-summary-") as scratch:
        data = args.data
        if data is None:
            data = Path(scratch) / "data"
            subprocess.run(
                [SANDBOX, "generate", "--out", str(data), "--scale", str(args.scale), "--seed", str(args.seed)],
                check=True,
                capture_output=True,
            )
        result = measure(data)
    print(report(result))
    if args.results:
        args.results.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
