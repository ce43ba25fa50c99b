"""The cost code x cost type mapping (mapping/cost_code_mapping.csv), shared with transforms.

Columns: company_code, match_type, match_value, job_type, phase_code, cost_type, note. For each invoice line
the first matching rule wins, in the order product_code -> line_item_type -> job_type_default. A rule with a
job_type applies to that job type only; an empty job_type applies to every job type. The result must exist
in the target job's phase grid (Job + Phase_Code + Cost_Type) in Spectrum, or the line has no valid mapping
and its invoice is held whole.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from destination_spectrum.records import Line
from destination_spectrum.text_files import TextFileError, read_text

COLUMNS = ("company_code", "match_type", "match_value", "job_type", "phase_code", "cost_type", "note")
MATCH_ORDER = ("product_code", "line_item_type", "job_type_default")


class MappingFileError(ValueError):
    """The mapping CSV itself is unusable (a config error: the sync stops before posting anything)."""


@dataclass(frozen=True)
class MappingRule:
    row: int
    company_code: str
    match_type: str
    match_value: str
    job_type: str
    phase_code: str
    cost_type: str


@dataclass(frozen=True)
class Distribution:
    phase_code: str
    cost_type: str
    rule: str  # which rule matched, for the ledger and the exceptions report


@dataclass(frozen=True)
class LineProblem:
    line: Line
    problem: str

    def describe(self) -> str:
        label = self.line.product_code or self.line.line_item_type or "no product code"
        return f"line {self.line.line_no} ({label}, '{self.line.description[:40]}'): {self.problem}"


def _norm(value: str | None) -> str:
    return (value or "").strip()


def _key(value: str) -> str:
    return value.strip().upper()


class CostCodeMapping:
    def __init__(self, rules: Iterable[MappingRule]):
        self.rules = list(rules)
        self._index: dict[tuple[str, str, str], list[MappingRule]] = {}
        for rule in self.rules:
            key = (_key(rule.company_code), rule.match_type, _key(rule.match_value))
            self._index.setdefault(key, []).append(rule)

    @classmethod
    def load(cls, path: str | Path) -> CostCodeMapping:
        path = Path(path)
        if not path.is_file():
            raise MappingFileError(
                f"mapping file {path} does not exist; set mapping_path to the cost_code_mapping.csv you maintain"
            )
        try:
            text, _ = read_text(path)
        except TextFileError as exc:
            raise MappingFileError(f"mapping file {exc} (mapping_path)") from None
        with io.StringIO(text, newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in COLUMNS if c != "note" and c not in (reader.fieldnames or [])]
            if missing:
                raise MappingFileError(
                    f"mapping file {path} lacks column(s) {', '.join(missing)}; expected header {','.join(COLUMNS)}"
                )
            rules = [_validated(row_no, row, path) for row_no, row in enumerate(reader, start=2)]
        _refuse_conflicting_duplicates(rules, path)
        return cls(rules)

    def resolve(self, line: Line, company_code: str, job_type: str) -> Distribution | None:
        """The first matching rule in product_code -> line_item_type -> job_type_default order."""
        candidates = (
            ("product_code", line.product_code),
            ("line_item_type", line.line_item_type),
            ("job_type_default", ""),
        )
        for match_type, value in candidates:
            if match_type != "job_type_default" and not value:
                continue
            for company in (_key(company_code), ""):
                for rule in self._index.get((company, match_type, _key(value)), []):
                    if not rule.job_type or _key(rule.job_type) == _key(job_type):
                        shown = f"{match_type}={value}" if value else f"job_type_default for {job_type}"
                        return Distribution(rule.phase_code, rule.cost_type, f"row {rule.row} ({shown})")
        return None

    def distribute(
        self,
        lines: Iterable[Line],
        company_code: str,
        job_type: str,
        phase_grid: set[tuple[str, str]] | None,
        job_label: str,
        *,
        phase_code: str = "",
    ) -> tuple[list[tuple[Line, Distribution]], list[LineProblem]]:
        """Map every line; any problem means the invoice must be held whole (the caller decides). `phase_code`
        (job_crosswalk.csv's, when its row names one) replaces the mapped phase; the cost type stays the mapping's."""
        mapped: list[tuple[Line, Distribution]] = []
        problems: list[LineProblem] = []
        for line in lines:
            if line.phase_code and line.cost_type:
                dist: Distribution | None = Distribution(line.phase_code, line.cost_type, "set on the BuildOps line")
            else:
                dist = self.resolve(line, company_code, job_type)
            if dist is not None and phase_code:
                dist = Distribution(phase_code, dist.cost_type, f"{dist.rule}, phase from job_crosswalk.csv")
            if dist is None:
                wanted = (
                    f"product_code '{line.product_code}'"
                    if line.product_code
                    else f"line_item_type '{line.line_item_type}'"
                    if line.line_item_type
                    else "a product code"
                )
                problems.append(
                    LineProblem(
                        line,
                        (
                            f"no mapping for {wanted} in company {company_code} and no job_type_default for job type "
                            f"'{job_type or 'unknown'}'; add a row to cost_code_mapping.csv"
                        ),
                    )
                )
                continue
            if phase_grid is not None and (dist.phase_code, dist.cost_type) not in phase_grid:
                problems.append(
                    LineProblem(
                        line,
                        (
                            f"mapped by {dist.rule} to phase {dist.phase_code} x cost type {dist.cost_type}, "
                            f"which job {job_label} does not have in its Spectrum phase grid; add the phase to the "
                            f"job or fix the mapping"
                        ),
                    )
                )
                continue
            mapped.append((line, dist))
        return mapped, problems


def _validated(row_no: int, row: dict[str, str], path: Path) -> MappingRule:
    where = f"{path.name} row {row_no}"
    match_type = _norm(row.get("match_type")).lower()
    if match_type not in MATCH_ORDER:
        raise MappingFileError(
            f"{where}: match_type '{row.get('match_type')}' is not one of {', '.join(MATCH_ORDER)}; use one of "
            f"those (the first match wins, in that order)"
        )
    match_value = _norm(row.get("match_value"))
    if match_type != "job_type_default" and not match_value:
        raise MappingFileError(f"{where}: match_value is empty; a {match_type} rule needs the value it matches")
    job_type = _norm(row.get("job_type"))
    if match_type == "job_type_default" and not job_type:
        raise MappingFileError(f"{where}: job_type is empty; a job_type_default rule names the job type it covers")
    phase_code, cost_type = _norm(row.get("phase_code")), _norm(row.get("cost_type"))
    for name, value in (("phase_code", phase_code), ("cost_type", cost_type)):
        if not value:
            raise MappingFileError(
                f"{where}: {name} is empty; phase_code and cost_type are both required: fill in the Spectrum "
                f"{name} this rule maps to (as the job's phase grid holds it), or delete the row"
            )
    if len(phase_code) > 20 or "-" in phase_code:
        raise MappingFileError(
            f"{where}: phase_code '{phase_code}' must be at most 20 characters, stored without dashes as in Spectrum"
        )
    if len(cost_type) > 3:
        raise MappingFileError(f"{where}: cost_type '{cost_type}' is longer than Spectrum's 3 characters")
    return MappingRule(row_no, _norm(row.get("company_code")), match_type, match_value, job_type, phase_code, cost_type)


def _refuse_conflicting_duplicates(rules: list[MappingRule], path: Path) -> None:
    """Two rules for the same match that send it to different places: only the first would ever apply here,
    and transforms (which reads the same file) has no row order to go by, so the two would disagree. A rule
    repeated with the same distribution is harmless and passes."""
    first: dict[tuple[str, str, str, str], MappingRule] = {}
    for rule in rules:
        key = (_key(rule.company_code), rule.match_type, _key(rule.match_value), _key(rule.job_type))
        earlier = first.setdefault(key, rule)
        if earlier is not rule and (earlier.phase_code, earlier.cost_type) != (rule.phase_code, rule.cost_type):
            match = f"{rule.match_type} '{rule.match_value}'" if rule.match_value else rule.match_type
            raise MappingFileError(
                f"{path.name} row {rule.row}: duplicates the rule of row {earlier.row} (company "
                f"'{rule.company_code or 'any'}', {match}, job type '{rule.job_type or 'any'}') but maps to "
                f"{rule.phase_code} x {rule.cost_type} instead of {earlier.phase_code} x {earlier.cost_type}; keep "
                f"one of the two rows (or give them different job_type values)"
            )
