"""`tieout-map apply FILE --by NAME`: merge the rows a person accepted or changed into the mapping files.

All or nothing: every decided row is checked first (decision, value, conflicts with the files and with each
other), then the merged files are validated by destination-spectrum's own loaders (CostCodeMapping.load,
CustomerCrosswalk.load: its public API, so apply refuses exactly what posting would refuse), and only then
are the rows appended, each with an audit line (who, when, which suggestion, its evidence) in
mapping_audit.csv. A row with no decision is never applied.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

# destination-spectrum ships no py.typed marker; these two loaders are its public file-validation API.
from destination_spectrum.crosswalk import (  # type: ignore[import-untyped]
    CrosswalkFileError,
    CustomerCrosswalk,
    VendorCrosswalk,
)
from destination_spectrum.mapping import CostCodeMapping, MappingFileError  # type: ignore[import-untyped]

from .files import CROSSWALKS, MAPPING_COLUMNS, MAPPING_FILE, InputError, append_csv, read_csv
from .review import DECISIONS, REVIEW_COLUMNS

AUDIT_FILE = "mapping_audit.csv"
LINK_KINDS = ("customer", "vendor")  # the crosswalks apply merges (employee_crosswalk.csv: no reader uses it yet)
LOADERS = {"customer": CustomerCrosswalk, "vendor": VendorCrosswalk}
AUDIT_COLUMNS = (
    "applied_at",
    "applied_by",
    "review_file",
    "review_row",
    "suggestion_id",
    "kind",
    "company_code",
    "buildops_key",
    "decision",
    "applied",
    "suggested",
    "band",
    "source",
    "evidence",
)
_CELL = re.compile(r"^\s*([^\sx]+)\s*x\s*(\S+)\s*$", re.IGNORECASE)


class ApplyError(InputError):
    """One or more rows refused; nothing was written."""


@dataclass(frozen=True)
class Decided:
    row: int  # the review file's line number, as Excel shows it
    source: dict[str, str]
    value: str  # what is applied: 'PHASE x TYPE' or a Customer_Code


@dataclass
class Summary:
    applied: int = 0
    already: int = 0
    rejected: int = 0
    undecided: int = 0


def apply_review(review: Path, by: str, mapping_dir: Path, now: dt.datetime | None = None) -> Summary:
    if not by.strip():
        raise InputError("--by is empty; name the person who made the decisions (it goes into the audit file)")
    if not mapping_dir.is_dir():
        raise InputError(
            f"mapping directory {mapping_dir} does not exist; pass --mapping-dir with your mapping/ folder"
        )
    rows = _read_review(review)
    summary = Summary()
    decided: list[Decided] = []
    errors: list[str] = []
    for line, row in rows:
        decision = row.get("decision", "").strip().lower()
        if not decision:
            summary.undecided += 1
        elif decision not in DECISIONS:
            errors.append(
                f"{review.name} row {line}: decision '{row['decision']}' is not one of {', '.join(DECISIONS)}; "
                f"write one of those or leave it blank"
            )
        elif decision == "reject":
            summary.rejected += 1
        else:
            value = row.get("suggested", "") if decision == "accept" else row.get("change_to", "")
            if not value.strip():
                errors.append(
                    f"{review.name} row {line}: "
                    + (
                        "accept on a row with nothing suggested; write change and fill change_to, or reject it"
                        if decision == "accept"
                        else "change with an empty change_to; fill change_to with the value to apply"
                    )
                )
                continue
            decided.append(Decided(line, row, value.strip()))
    mapping_rows, crosswalk_rows = _plan(decided, mapping_dir, review.name, errors, summary)
    if errors:
        raise ApplyError("nothing applied:\n  " + "\n  ".join(errors))
    _validate_with_destination(mapping_dir, mapping_rows, crosswalk_rows, review.name)
    stamp = (now or dt.datetime.now(dt.timezone.utc)).isoformat(timespec="seconds")
    if mapping_rows:
        append_csv(mapping_dir / MAPPING_FILE, MAPPING_COLUMNS, [r for r, _ in mapping_rows])
    for kind, rows in crosswalk_rows.items():
        file, id_column, code_column = CROSSWALKS[kind]
        append_csv(mapping_dir / file, (id_column, "company_code", code_column), [r for r, _ in rows])
    applied = [*mapping_rows, *(row for rows in crosswalk_rows.values() for row in rows)]
    audit = [_audit(d, by, stamp, review.name) for _, d in applied]
    if audit:
        append_csv(mapping_dir / AUDIT_FILE, AUDIT_COLUMNS, audit)
    summary.applied = len(audit)
    return summary


def _read_review(review: Path) -> list[tuple[int, dict[str, str]]]:
    if not review.is_file():
        raise InputError(f"review file {review} does not exist; write one with `tieout-map review`")
    with review.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [
            c
            for c in ("kind", "company_code", "buildops_key", "suggested", "decision", "change_to")
            if c not in (reader.fieldnames or [])
        ]
        if missing:
            raise InputError(
                f"review file {review} lacks column(s) {', '.join(missing)}; keep the header `tieout-map review` "
                f"writes ({','.join(REVIEW_COLUMNS)})"
            )
        return [(line, {k: (v or "").strip() for k, v in row.items() if k}) for line, row in enumerate(reader, start=2)]


def _plan(decided: list[Decided], mapping_dir: Path, review: str, errors: list[str], summary: Summary):
    existing_map = read_csv(mapping_dir / MAPPING_FILE)
    cells: dict[tuple[str, str], tuple[str, str, str]] = {}
    for number, r in enumerate(existing_map, start=2):
        if r.get("match_type", "").lower() == "product_code" and not r.get("job_type"):
            cells.setdefault(
                (r.get("company_code", "").upper(), r.get("match_value", "").upper()),
                (r["phase_code"], r["cost_type"], f"{MAPPING_FILE} row {number}"),
            )
    # (kind, company, BuildOps id) -> (the Spectrum code it is linked to, where)
    links: dict[tuple[str, str, str], tuple[str, str]] = {}
    for kind in LINK_KINDS:
        file, id_column, code_column = CROSSWALKS[kind]
        for number, r in enumerate(read_csv(mapping_dir / file), start=2):
            links.setdefault(
                (kind, r.get("company_code", ""), r.get(id_column, "")),
                (r.get(code_column, ""), f"{file} row {number}"),
            )
    mapping_rows: list[tuple[dict[str, str], Decided]] = []
    crosswalk_rows: dict[str, list[tuple[dict[str, str], Decided]]] = {}
    for d in decided:
        kind, company, key = (
            d.source.get("kind", ""),
            d.source.get("company_code", ""),
            d.source.get("buildops_key", ""),
        )
        where = f"{review} row {d.row}"
        if not company:
            errors.append(f"{where}: company_code is empty; fill in the Spectrum company the row is for")
            continue
        if not key:
            errors.append(
                f"{where}: buildops_key is empty; fill in the BuildOps product code or customer id, or reject the row"
            )
            continue
        if kind == "cost_code":
            match = _CELL.match(d.value)
            if not match:
                errors.append(
                    f"{where}: '{d.value}' is not 'PHASE x COST_TYPE' (e.g. '200 x M'); write the cell that way"
                )
                continue
            phase, cost_type = match.group(1), match.group(2)
            earlier = cells.get((company.upper(), key.upper()))
            if earlier and (earlier[0], earlier[1]) == (phase, cost_type):
                summary.already += 1
                continue
            if earlier:
                errors.append(
                    f"{where}: {company} {key} is already mapped to {earlier[0]} x {earlier[1]} by {earlier[2]}; "
                    f"reject this row, or change that row in the mapping file first"
                )
                continue
            cells[(company.upper(), key.upper())] = (phase, cost_type, where)
            note = f"tieout-map {d.source.get('source', '')} {d.source.get('suggestion_id', '')}".strip()
            mapping_rows.append(
                (
                    {
                        "company_code": company,
                        "match_type": "product_code",
                        "match_value": key,
                        "job_type": "",
                        "phase_code": phase,
                        "cost_type": cost_type,
                        "note": note,
                    },
                    d,
                )
            )
        elif kind in LINK_KINDS:
            earlier_link = links.get((kind, company, key))
            if earlier_link and earlier_link[0] == d.value:
                summary.already += 1
                continue
            if earlier_link:
                errors.append(
                    f"{where}: BuildOps {kind} {key} is already linked to {earlier_link[0]} in {company} by "
                    f"{earlier_link[1]}; reject this row, or change that row in the crosswalk first"
                )
                continue
            links[(kind, company, key)] = (d.value, where)
            _, id_column, code_column = CROSSWALKS[kind]
            row = {id_column: key, "company_code": company, code_column: d.value}
            crosswalk_rows.setdefault(kind, []).append((row, d))
        else:
            errors.append(
                f"{where}: kind '{kind}' is not cost_code, {' or '.join(LINK_KINDS)}; keep the kind review wrote"
            )
    return mapping_rows, crosswalk_rows


def _validate_with_destination(mapping_dir: Path, mapping_rows, crosswalk_rows, review: str) -> None:
    """Load the merged files with destination-spectrum's loaders, on a scratch copy."""
    with tempfile.TemporaryDirectory() as scratch:
        scratch_dir = Path(scratch)
        if mapping_rows:
            target = scratch_dir / MAPPING_FILE
            if (mapping_dir / MAPPING_FILE).is_file():
                shutil.copyfile(mapping_dir / MAPPING_FILE, target)
            first_new = len(read_csv(target)) + 2
            append_csv(target, MAPPING_COLUMNS, [r for r, _ in mapping_rows])
            try:
                CostCodeMapping.load(target)
            except MappingFileError as exc:
                raise ApplyError(
                    f"nothing applied: {_to_review_row(str(exc), first_new, mapping_rows, review)}"
                ) from None
        for kind, rows in crosswalk_rows.items():
            file, id_column, code_column = CROSSWALKS[kind]
            target = scratch_dir / file
            if (mapping_dir / file).is_file():
                shutil.copyfile(mapping_dir / file, target)
            append_csv(target, (id_column, "company_code", code_column), [r for r, _ in rows])
            try:
                LOADERS[kind].load(target)
            except CrosswalkFileError as exc:
                raise ApplyError(f"nothing applied: destination-spectrum refuses the merged {file}: {exc}") from None


def _to_review_row(message: str, first_new: int, rows, review: str) -> str:
    """destination-spectrum names the merged file's row; a person needs the review file's row."""
    found = re.search(rf"{re.escape(MAPPING_FILE)} row (\d+)", message)
    if found and int(found.group(1)) >= first_new:
        index = int(found.group(1)) - first_new
        if index < len(rows):
            return f"{review} row {rows[index][1].row}: destination-spectrum refuses it: {message}"
    return f"destination-spectrum refuses the merged {MAPPING_FILE}: {message}"


def _audit(d: Decided, by: str, stamp: str, review: str) -> dict[str, str]:
    s = d.source
    return {
        "applied_at": stamp,
        "applied_by": by.strip(),
        "review_file": review,
        "review_row": str(d.row),
        "suggestion_id": s.get("suggestion_id", ""),
        "kind": s.get("kind", ""),
        "company_code": s.get("company_code", ""),
        "buildops_key": s.get("buildops_key", ""),
        "decision": s.get("decision", "").lower(),
        "applied": d.value,
        "suggested": s.get("suggested", ""),
        "band": s.get("band", ""),
        "source": s.get("source", ""),
        "evidence": s.get("evidence", ""),
    }
