"""mapping/job_crosswalk.csv: the Spectrum job (and optionally phase) each BuildOps job posts to, shared with
transforms (int_job_crosswalk resolves the same way). Never equal numbers: projects carry different numbers
in each system, and service tickets post to a few umbrella jobs.

Columns: match_type, match_value, year, company_code, spectrum_job_number, phase_code, note.
- match_type job_number: one BuildOps job, by its jobNumber (one-to-one);
- match_type job_type: every job of that job type whose department posts to company_code (a pattern);
- match_type department: every job of that BuildOps department, by its name (a pattern).
`year` (optional) limits a pattern row to jobs created that year. A one-to-one row wins, then job type rules,
then department rules; within a kind a row for the job's year wins over an every-year row. A job no row
covers resolves to nothing: its invoices are held, naming the job.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from destination_spectrum.text_files import TextFileError, read_text

COLUMNS = ("match_type", "match_value", "year", "company_code", "spectrum_job_number", "phase_code", "note")
REQUIRED = ("match_type", "match_value", "company_code", "spectrum_job_number")
MATCH_ORDER = ("job_number", "job_type", "department")
SETTING = "job_crosswalk_path"


class JobCrosswalkFileError(ValueError):
    """job_crosswalk.csv is unusable (a config error: the sync stops before posting anything)."""


@dataclass(frozen=True)
class JobRow:
    row: int
    match_type: str
    match_value: str
    year: str
    company_code: str
    spectrum_job_number: str
    phase_code: str

    def describe(self) -> str:
        scope = f" ({self.year})" if self.year else ""
        return f"row {self.row} ({self.match_type} '{self.match_value}'{scope})"


@dataclass(frozen=True)
class ResolvedJob:
    company_code: str
    job_number: str
    phase_code: str
    rule: str  # which row matched, for the held reason and the ledger
    is_pattern: bool  # a job_type or department rule: an umbrella job many BuildOps jobs share


def _key(value: str | None) -> str:
    return (value or "").strip().upper()


class JobCrosswalk:
    def __init__(self, rows: list[JobRow]):
        self.rows = rows
        self._index: dict[tuple[str, str], list[JobRow]] = {}
        for row in rows:
            self._index.setdefault((row.match_type, _key(row.match_value)), []).append(row)

    @classmethod
    def load(cls, path: str | Path) -> JobCrosswalk:
        path = Path(path)
        if not path.is_file():
            raise JobCrosswalkFileError(
                f"job crosswalk file {path} does not exist; set {SETTING} to the job_crosswalk.csv you maintain "
                f"(header {','.join(COLUMNS)})"
            )
        try:
            text, _ = read_text(path)
        except TextFileError as exc:
            raise JobCrosswalkFileError(f"job crosswalk file {exc} ({SETTING})") from None
        with io.StringIO(text, newline="") as handle:
            reader = csv.DictReader(handle)
            found = [name.strip().lower() for name in reader.fieldnames or []]
            missing = [c for c in REQUIRED if c not in found]
            if missing:
                raise JobCrosswalkFileError(
                    f"job crosswalk file {path} lacks column(s) {', '.join(missing)}; expected header "
                    f"{','.join(COLUMNS)} (year, phase_code and note may be blank)"
                )
            rows = [
                _validated(row_no, {k.strip().lower(): v for k, v in row.items() if k}, path)
                for row_no, row in enumerate(reader, start=2)
            ]
        _refuse_conflicts(rows, path)
        return cls(rows)

    def resolve(
        self, job_number: str, job_type: str, department: str, department_company: str, created_year: int | None
    ) -> ResolvedJob | None:
        """The Spectrum job a BuildOps job posts to, or None when no row covers it."""
        one_to_one = self._index.get(("job_number", _key(job_number)), []) if job_number else []
        if one_to_one:
            return _resolved(one_to_one[0])
        year = str(created_year) if created_year else ""
        for match_type, value in (("job_type", job_type), ("department", department)):
            if not value:
                continue
            rows = self._index.get((match_type, _key(value)), [])
            if match_type == "job_type":  # a job type rule covers the jobs of its own company
                rows = [r for r in rows if _key(r.company_code) == _key(department_company)]
            for wanted in dict.fromkeys((year, "")):  # the job's year first, then every year
                for row in rows:
                    if row.year == wanted:
                        return _resolved(row)
        return None


def _resolved(row: JobRow) -> ResolvedJob:
    return ResolvedJob(
        row.company_code, row.spectrum_job_number, row.phase_code, row.describe(), row.match_type != "job_number"
    )


def _validated(row_no: int, row: dict[str, str | None], path: Path) -> JobRow:
    where = f"{path.name} row {row_no}"

    def value(name: str) -> str:
        return (row.get(name) or "").strip()

    match_type = value("match_type").lower()
    if match_type not in MATCH_ORDER:
        raise JobCrosswalkFileError(
            f"{where}: match_type '{value('match_type')}' is not one of {', '.join(MATCH_ORDER)}; use job_number for "
            f"one BuildOps job, job_type or department for a pattern that sends many jobs to one umbrella job"
        )
    for name in ("match_value", "company_code", "spectrum_job_number"):
        if not value(name):
            raise JobCrosswalkFileError(
                f"{where}: {name} is empty; a {match_type} row needs the BuildOps "
                f"{'jobNumber, job type or department' if name == 'match_value' else 'Spectrum ' + name} it names"
            )
    year = value("year")
    if year and not (len(year) == 4 and year.isdigit()):
        raise JobCrosswalkFileError(
            f"{where}: year '{year}' is not a four-digit year; write the year the BuildOps jobs were created "
            f"(e.g. 2026), or leave it blank for every year"
        )
    if year and match_type == "job_number":
        raise JobCrosswalkFileError(
            f"{where}: year '{year}' on a job_number row; a one-to-one row names one job, so leave year blank"
        )
    job_number = value("spectrum_job_number")
    if len(job_number) > 10:
        raise JobCrosswalkFileError(
            f"{where}: spectrum_job_number '{job_number}' is longer than Spectrum's 10-character Job_Number"
        )
    phase_code = value("phase_code")
    if len(phase_code) > 20 or "-" in phase_code:
        raise JobCrosswalkFileError(
            f"{where}: phase_code '{phase_code}' must be at most 20 characters, stored without dashes as in Spectrum"
        )
    return JobRow(row_no, match_type, value("match_value"), year, value("company_code").upper(), job_number, phase_code)


def _refuse_conflicts(rows: list[JobRow], path: Path) -> None:
    """Two rows for the same match that send it to different jobs or phases: transforms, which reads the same
    file, has no row order to go by, so the two would disagree. A repeated identical row passes."""
    first: dict[tuple[str, str, str, str], JobRow] = {}
    for row in rows:
        company = row.company_code if row.match_type == "job_type" else ""  # job type rules are per company
        earlier = first.setdefault((row.match_type, _key(row.match_value), row.year, company), row)
        target = (row.company_code, row.spectrum_job_number, row.phase_code)
        if earlier is not row and (earlier.company_code, earlier.spectrum_job_number, earlier.phase_code) != target:
            raise JobCrosswalkFileError(
                f"{path.name} row {row.row}: duplicates row {earlier.row} ({row.match_type} '{row.match_value}'"
                f"{', year ' + row.year if row.year else ''}) but sends it to {row.company_code} job "
                f"{row.spectrum_job_number}{' phase ' + row.phase_code if row.phase_code else ''} instead of "
                f"{earlier.company_code} job {earlier.spectrum_job_number}"
                f"{' phase ' + earlier.phase_code if earlier.phase_code else ''}; keep one of the two rows"
            )
