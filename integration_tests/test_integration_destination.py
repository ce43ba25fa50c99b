"""destination-spectrum under real hosts and bad input, posting into the Spectrum twin's unposted batches.

Everything goes through the CLIs a host runs (`source-buildops read | destination-spectrum write`) or through
PyAirbyte; nothing imports the sandbox or the destination. Fresh work is made the way a contractor makes it:
invoices added to the generated BuildOps data (cloned from ones the twin already holds, so customer, job and
mapping are real; renumbered and dated on the as-of day, in Spectrum's open period) before the twin serves them.

What landed is read from the twin's database file in read-only mode (`CR_INVOICE_ENTRY_HEADER_MC` /
`_DETAIL_MC`, the AR Invoice Entry batch a Spectrum user would look at), and every verdict from the
destination's ledger file (`tieout_ledger.postings`).
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import signal
import sqlite3
import subprocess
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from tieout_it import (
    Run,
    Sandbox,
    add_fresh_invoices,
    configured_catalog,
    copy_data,
    discover,
    executable,
    failure_text,
    run_cli,
    serve,
    write_json,
)

# What source-buildops emits that the destination posts from: headers, their lines, and the jobs (job type).
POSTING_STREAMS = ("jobs", "invoices", "invoice_items")
FRESH_INVOICES = 40
SQL_INJECTION = "O'Brien'; DROP TABLE CR_INVOICE_HEADER_MC;--"
XML_INJECTION = "<x>]]></Company_Code>&"
# Spectrum free-text widths (sandbox/SPECTRUM.md: free text is truncated silently) and the destination's own.
DETAIL_DESCRIPTION_WIDTH = 30
CUSTOMER_PO_WIDTH = 20


# ---------------------------------------------------------------------------------------------------------
# Reading the twin and the ledger
# ---------------------------------------------------------------------------------------------------------


def spectrum_rows(sandbox: Sandbox, query: str, params: tuple = ()) -> list[tuple]:
    path = sandbox.data_dir / "spectrum" / "spectrum.sqlite"
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return [tuple(row) for row in con.execute(query, params).fetchall()]
    finally:
        con.close()


def ar_entry_headers(sandbox: Sandbox) -> list[tuple[str, str, str, str]]:
    """(Company_Code, Invoice_Or_Transaction, Customer_Code, Job_Number) of every AR entry invoice."""
    return spectrum_rows(
        sandbox,
        "SELECT TRIM(Company_Code), TRIM(Invoice_Or_Transaction), TRIM(Customer_Code), TRIM(Job_Number)"
        " FROM CR_INVOICE_ENTRY_HEADER_MC",
    )


def ar_entry_lines(sandbox: Sandbox) -> Counter:
    """Every AR entry line as (company, invoice, phase, cost type, amount), counted (a doubled line shows)."""
    return Counter(
        spectrum_rows(
            sandbox,
            "SELECT TRIM(Company_Code), TRIM(Invoice_Or_Transaction), TRIM(Phase_Code), TRIM(Cost_Type),"
            " CAST(Line_Extension AS TEXT) FROM CR_INVOICE_ENTRY_DETAIL_MC",
        )
    )


def tables_and_counts(sandbox: Sandbox) -> dict[str, int]:
    names = [name for (name,) in spectrum_rows(sandbox, "SELECT name FROM sqlite_master WHERE type = 'table'")]
    return {name: spectrum_rows(sandbox, f'SELECT COUNT(*) FROM "{name}"')[0][0] for name in names}


def ledger_rows(ledger: Path, query: str, params: tuple = ()) -> list[tuple]:
    with duckdb.connect(str(ledger), read_only=True) as con:
        return con.execute(query, list(params)).fetchall()


def verdicts(ledger: Path) -> dict[str, tuple[str, str, str]]:
    """source_key -> (state, reason, spectrum_document) for every invoice the ledger holds."""
    rows = ledger_rows(
        ledger,
        "SELECT source_key, state, coalesce(reason, ''), coalesce(spectrum_document, '')"
        " FROM tieout_ledger.postings WHERE source_stream = 'invoices'",
    )
    return {key: (state, reason, document) for key, state, reason, document in rows}


# ---------------------------------------------------------------------------------------------------------
# Fresh work and the source read
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Workload:
    """What `source-buildops read` emitted for the posting streams: the destination's stdin and catalog."""

    messages: list[dict[str, Any]]
    catalog: dict[str, Any]
    fresh: list[str]  # ids of the invoices Spectrum has not seen

    def records(self, stream: str) -> list[dict[str, Any]]:
        return [m["record"]["data"] for m in self.messages if m["type"] == "RECORD" and m["record"]["stream"] == stream]

    def invoice(self, invoice_id: str) -> dict[str, Any]:
        return next(r for r in self.records("invoices") if r["id"] == invoice_id)

    def items(self, invoice_id: str) -> list[dict[str, Any]]:
        return [r for r in self.records("invoice_items") if r["invoiceId"] == invoice_id]

    def stdin(self) -> str:
        return lines(self.messages)


def lines(messages: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(m) + "\n" for m in messages)


def record(stream: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"type": "RECORD", "record": {"stream": stream, "data": data, "emitted_at": 0}}


def final_state(position: str) -> dict[str, Any]:
    return {
        "type": "STATE",
        "state": {
            "type": "STREAM",
            "stream": {"stream_descriptor": {"name": "invoices"}, "stream_state": {"position": position}},
        },
    }


def renumbered(workload: Workload, invoice_id: str, number: str, **changes: Any) -> tuple[dict, list[dict]]:
    """A copy of a fresh invoice under a new id and number, with its lines: more new work for the same twin."""
    header = copy.deepcopy(workload.invoice(invoice_id))
    header.update(id=str(uuid.uuid4()), invoiceNumber=number, **changes)
    items = []
    for item in workload.items(invoice_id):
        item = copy.deepcopy(item)
        item.update(id=str(uuid.uuid4()), invoiceId=header["id"])
        items.append(item)
    return header, items


def messages_for(workload: Workload, invoices: list[tuple[dict, list[dict]]], state: str = "end") -> list[dict]:
    """The jobs, then each invoice header and its lines, then one STATE: one sync's worth of input."""
    messages = [record("jobs", job) for job in workload.records("jobs")]
    for header, items in invoices:
        messages.append(record("invoices", header))
        messages.extend(record("invoice_items", item) for item in items)
    messages.append(final_state(state))
    return messages


# ---------------------------------------------------------------------------------------------------------
# Running the destination
# ---------------------------------------------------------------------------------------------------------


def destination_config(sandbox: Sandbox, folder: Path, **overrides: Any) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    config = {**sandbox.config("destination-spectrum"), "ledger_path": str(folder / "ledger.duckdb"), **overrides}
    return write_json(folder / f"destination-{time.monotonic_ns()}.json", config)


def write_args(config_file: Path, catalog_file: Path) -> list[str]:
    return [executable("destination-spectrum"), "write", "--config", str(config_file), "--catalog", str(catalog_file)]


def post(sandbox: Sandbox, folder: Path, workload: Workload, stdin: str, **overrides: Any) -> Run:
    config_file = destination_config(sandbox, folder, **overrides)
    catalog_file = write_json(folder / "catalog.json", workload.catalog)
    return run_cli(write_args(config_file, catalog_file), stdin=stdin, timeout=300)


def run_summary(run: Run) -> str:
    """The one LOG line a write ends with (`destination-spectrum run ...: posted N, ...`)."""
    found = [
        m["log"]["message"] for m in run.of_type("LOG") if m["log"]["message"].startswith("destination-spectrum run")
    ]
    assert found, f"no summary line:\n{run.output()[-3000:]}"
    return found[-1]


# ---------------------------------------------------------------------------------------------------------
# Fixtures: one twin with fresh work, one source read, one clean posting run (the reference)
# ---------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fresh_data(generated, tmp_path_factory) -> tuple[Path, list[str]]:
    """The session's generated contractor plus fresh invoices; never served (copy it to serve it)."""
    data = copy_data(generated, tmp_path_factory.mktemp("destination-fresh") / "data")
    return data, add_fresh_invoices(data, FRESH_INVOICES)


@pytest.fixture(scope="module")
def twin(fresh_data, tmp_path_factory):
    """A server over a copy of the fresh data: the source reads it and the reference run posts into it."""
    data = copy_data(fresh_data[0], tmp_path_factory.mktemp("destination-twin") / "data")
    with serve(data) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def workload(twin, fresh_data, tmp_path_factory) -> Workload:
    folder = tmp_path_factory.mktemp("destination-read")
    exe = executable("source-buildops")
    config_file = twin.config_file("source-buildops")
    catalog = configured_catalog(discover(exe, config_file), POSTING_STREAMS, incremental=False)
    catalog_file = write_json(folder / "catalog.json", catalog)
    run = run_cli([exe, "read", "--config", str(config_file), "--catalog", str(catalog_file)], timeout=300)
    assert run.returncode == 0, run.output()[-3000:]
    messages = [m for m in run.messages if m["type"] in ("RECORD", "STATE")]
    read = Workload(messages, catalog, fresh_data[1])
    assert {r["id"] for r in read.records("invoices")} >= set(read.fresh), "the source did not read the fresh work"
    return read


@dataclass(frozen=True)
class Reference:
    headers: list[tuple[str, str, str, str]]
    lines: Counter
    verdicts: dict[str, tuple[str, str, str]]


@pytest.fixture(scope="module")
def reference(twin, workload, tmp_path_factory) -> Reference:
    """One clean, uninterrupted `source-buildops read | destination-spectrum write` into the module's twin."""
    folder = tmp_path_factory.mktemp("destination-reference")
    run = post(twin, folder, workload, workload.stdin())
    assert run.returncode == 0, run.output()[-3000:]
    every = verdicts(folder / "ledger.duckdb")
    found = Reference(ar_entry_headers(twin), ar_entry_lines(twin), {k: every[k] for k in workload.fresh})
    # What landed is exactly the fresh work the ledger says was posted (detail invoices and daily summaries);
    # the invoices Spectrum already held were recognised, not sent again.
    documents = {document for state, _, document in found.verdicts.values() if state == "posted"}
    assert sorted(number for _, number, _, _ in found.headers) == sorted(documents)
    return found


# ---------------------------------------------------------------------------------------------------------
# 1. Killed mid-write, rerun twice: exactly once
# ---------------------------------------------------------------------------------------------------------


def _feed(process: subprocess.Popen, text: str) -> threading.Thread:
    def write() -> None:
        try:
            process.stdin.write(text)
            process.stdin.close()
        except (BrokenPipeError, OSError, ValueError):
            pass  # the process was killed while reading its input

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


def _landed(sandbox: Sandbox) -> int:
    """AR entry invoices so far, read while the twin writes (a locked moment counts as none yet)."""
    try:
        return len(ar_entry_headers(sandbox))
    except sqlite3.OperationalError:
        return 0


def test_given_a_destination_killed_mid_write_when_rerun_twice_then_every_invoice_is_posted_exactly_once(
    fresh_data, workload, reference, tmp_path
):
    data = copy_data(fresh_data[0], tmp_path / "data")
    stdin = workload.stdin()
    # Each Spectrum call takes a while (the twin's --latency-ms), so the write is still posting when it is killed.
    with serve(data, latency_ms=150) as sandbox:
        config_file = destination_config(sandbox, tmp_path / "run")
        args = write_args(config_file, write_json(tmp_path / "catalog.json", workload.catalog))
        process = subprocess.Popen(
            args,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
        )
        feeder = _feed(process, stdin)
        try:
            while process.poll() is None and _landed(sandbox) < 3:
                time.sleep(0.02)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=60)
            feeder.join(timeout=10)
        assert process.returncode == -signal.SIGKILL, "the write finished before it could be killed"
        after_kill = ar_entry_headers(sandbox)
        assert 3 <= len(after_kill) < len(reference.headers), "the kill did not land in the middle of posting"
        # Killed between Spectrum calls and their ledger write: intents are left for the next run to settle.
        pending = ledger_rows(
            tmp_path / "run" / "ledger.duckdb", "SELECT count(*) FROM tieout_ledger.pending_documents"
        )[0][0]
        assert pending > 0

        rerun = run_cli(args, stdin=stdin, timeout=300)
        assert rerun.returncode == 0, rerun.output()[-3000:]
        once_more = run_cli(args, stdin=stdin, timeout=300)
        assert once_more.returncode == 0, once_more.output()[-3000:]
        headers, entry_lines = ar_entry_headers(sandbox), ar_entry_lines(sandbox)
        final = verdicts(tmp_path / "run" / "ledger.duckdb")

    doubled = sorted(key for key, n in Counter(headers).items() if n > 1)
    assert doubled == [], f"invoices posted more than once: {doubled[:10]}"
    assert set(after_kill) <= set(headers)
    assert sorted(headers) == sorted(reference.headers), "killed + rerun posted a different set than a clean run"
    assert entry_lines == reference.lines, "killed + rerun posted different lines than a clean run"
    assert {k: final[k][0] for k in workload.fresh} == {k: v[0] for k, v in reference.verdicts.items()}
    # The documents that landed before the kill were settled from their intents (asked of Spectrum), not re-sent.
    landed_before = {number for _, number, _, _ in after_kill}
    recovered = [reason for state, reason, document in final.values() if document in landed_before]
    assert recovered and all("recovered after an interrupted run" in reason for reason in recovered), recovered
    assert "documents posted: none" in run_summary(once_more), run_summary(once_more)


# ---------------------------------------------------------------------------------------------------------
# 2. Malformed records
# ---------------------------------------------------------------------------------------------------------


def detail_templates(workload: Workload, reference: Reference) -> list[str]:
    """Fresh invoices the clean run posted as detail invoices (one Spectrum invoice under their own number)."""
    found = [
        key
        for key, (state, _, document) in reference.verdicts.items()
        if state == "posted" and document == workload.invoice(key)["invoiceNumber"]
    ]
    assert len(found) >= 4, f"the clean run posted only {len(found)} detail invoices to build new work from"
    return found


def entry_numbers(sandbox: Sandbox, numbers: list[str]) -> Counter:
    marks = ", ".join("?" for _ in numbers)
    return Counter(
        number
        for (number,) in spectrum_rows(
            sandbox,
            f"SELECT TRIM(Invoice_Or_Transaction) FROM CR_INVOICE_ENTRY_HEADER_MC"
            f" WHERE TRIM(Invoice_Or_Transaction) IN ({marks})",
            tuple(numbers),
        )
    )


def test_given_malformed_records_when_written_then_each_is_rejected_naming_the_field_and_the_good_ones_post(
    twin, workload, reference, tmp_path
):
    templates = detail_templates(workload, reference)
    good = [renumbered(workload, templates[0], "810001"), renumbered(workload, templates[1], "810002")]
    no_number = renumbered(workload, templates[2], "810003")
    del no_number[0]["invoiceNumber"]
    text_total = renumbered(workload, templates[3], "810004", totalAmount="twelve hundred")
    no_line_amount = renumbered(workload, templates[0], "810005")
    del no_line_amount[1][0]["amount"]
    before = tables_and_counts(twin)

    invoices = [good[0], no_number, text_total, no_line_amount, good[1]]
    run = post(twin, tmp_path, workload, lines(messages_for(workload, invoices)))

    assert run.returncode == 0, run.output()[-3000:]
    assert "rejected 3" in run_summary(run), run_summary(run)
    reasons = {key: (state, reason) for key, (state, reason, _) in verdicts(tmp_path / "ledger.duckdb").items()}
    missing_state, missing = reasons[no_number[0]["id"]]
    assert missing_state == "rejected"
    assert "field 'invoiceNumber' is missing" in missing and "selected" in missing, missing
    text_state, text = reasons[text_total[0]["id"]]
    assert text_state == "rejected"
    assert "field 'totalAmount' is 'twelve hundred'; expected an amount such as 125.50" in text, text
    line_state, line = reasons[no_line_amount[0]["id"]]
    assert line_state == "rejected"
    assert "field 'invoiceItems[0].amount' is missing; expected an amount such as 125.50" in line, line
    # The good invoices around them posted once each; nothing of the bad ones reached Spectrum.
    assert entry_numbers(twin, ["810001", "810002", "810003", "810004", "810005"]) == {"810001": 1, "810002": 1}
    after = tables_and_counts(twin)
    assert after["CR_INVOICE_ENTRY_HEADER_MC"] == before["CR_INVOICE_ENTRY_HEADER_MC"] + 2


def test_given_a_record_of_a_stream_not_in_the_catalog_when_written_then_the_write_stops_naming_it(
    twin, workload, reference, tmp_path
):
    templates = detail_templates(workload, reference)
    good = renumbered(workload, templates[0], "820001")
    misnamed = renumbered(workload, templates[1], "820002")
    messages = messages_for(workload, [good])
    # A connection with a stream prefix, or a typo: the invoice arrives under a name the catalog does not hold.
    messages.insert(-1, record("buildops_invoices", misnamed[0]))
    before = tables_and_counts(twin)

    run = post(twin, tmp_path, workload, lines(messages))

    assert run.returncode != 0, run.output()[-3000:]
    text = failure_text(run)
    assert "'buildops_invoices'" in text and "configured catalog" in text, text
    assert "invoices" in text.split("'buildops_invoices'", 1)[1], (
        f"the error should list the catalog's streams:\n{text}"
    )
    assert not run.states, "a STATE was acknowledged for a write that stopped"
    assert tables_and_counts(twin) == before, "something was posted by a write that was refused"


# ---------------------------------------------------------------------------------------------------------
# 3. SQL and XML in free text: data, never code
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("ar_service", ["rest", "soap"])
def test_given_sql_and_xml_in_names_and_descriptions_when_posted_then_they_land_verbatim_and_tables_are_intact(
    ar_service, twin, workload, reference, tmp_path
):
    templates = detail_templates(workload, reference)
    number, stranger_number = {"rest": ("830001", "830011"), "soap": ("830002", "830012")}[ar_service]
    header, items = renumbered(
        workload, templates[0], number, customerName=SQL_INJECTION, customerProvidedPONumber=SQL_INJECTION
    )
    items[0]["description"] = XML_INJECTION
    if len(items) > 1:
        items[1]["description"] = SQL_INJECTION
    # A customer no crosswalk row knows, named with the same payload: held, the name quoted as data.
    stranger, stranger_items = renumbered(
        workload,
        templates[1],
        stranger_number,
        customerId=str(uuid.uuid4()),
        billingCustomerId=str(uuid.uuid4()),
        customerName=SQL_INJECTION,
    )
    tables_before = tables_and_counts(twin)

    run = post(
        twin,
        tmp_path,
        workload,
        lines(messages_for(workload, [(header, items), (stranger, stranger_items)])),
        ar_service=ar_service,
    )

    assert run.returncode == 0, run.output()[-3000:]
    tables_after = tables_and_counts(twin)
    assert set(tables_after) == set(tables_before), "a table appeared or disappeared"
    changed = {t for t in tables_after if tables_after[t] != tables_before[t]}
    assert changed <= {"CR_INVOICE_ENTRY_HEADER_MC", "CR_INVOICE_ENTRY_DETAIL_MC"}, changed
    assert tables_after["CR_INVOICE_ENTRY_HEADER_MC"] == tables_before["CR_INVOICE_ENTRY_HEADER_MC"] + 1
    ((customer_po,),) = spectrum_rows(
        twin, "SELECT Customer_PO FROM CR_INVOICE_ENTRY_HEADER_MC WHERE TRIM(Invoice_Or_Transaction) = ?", (number,)
    )
    assert customer_po == SQL_INJECTION[:CUSTOMER_PO_WIDTH]
    descriptions = [
        d
        for (d,) in spectrum_rows(
            twin,
            "SELECT Detail_Description FROM CR_INVOICE_ENTRY_DETAIL_MC WHERE TRIM(Invoice_Or_Transaction) = ?",
            (number,),
        )
    ]
    assert XML_INJECTION[:DETAIL_DESCRIPTION_WIDTH] in descriptions, descriptions
    if len(items) > 1:
        assert SQL_INJECTION[:DETAIL_DESCRIPTION_WIDTH] in descriptions, descriptions
    state, reason, _ = verdicts(tmp_path / "ledger.duckdb")[stranger["id"]]
    assert state == "held"
    assert f"('{SQL_INJECTION}') has no row in customer_crosswalk.csv" in reason, reason


# ---------------------------------------------------------------------------------------------------------
# 4. A mapping file with a bad row: refused before anything is posted
# ---------------------------------------------------------------------------------------------------------


def _bad_mapping(source: Path, kind: str) -> tuple[str, int, list[str]]:
    """The maintained mapping with one bad row inserted in the middle: (text, that row's number, phrases the
    error must carry: what is wrong and the fix)."""
    rows = source.read_text().splitlines()
    header, body = rows[0], rows[1:]
    at = len(body) // 2
    if kind == "unknown match_type":
        bad = "MEC,sku,LAB-PLB-REG,,100,L,typed by hand"
        phrases = ["match_type 'sku' is not one of product_code, line_item_type, job_type_default", "use one of"]
    elif kind == "blank phase_code":
        bad = "MEC,product_code,LAB-PLB-REG,,,L,"
        phrases = ["phase_code is empty", "fill in the Spectrum phase_code this rule maps to"]
    else:  # a duplicate rule that sends the same match somewhere else
        original = next(i for i, line in enumerate(body) if ",product_code," in line)
        company, match_type, value, job_type, phase, cost_type, *_ = body[original].split(",")
        other_phase = "999" if phase != "999" else "998"
        bad = ",".join([company, match_type, value.lower(), job_type, other_phase, cost_type, "copied and edited"])
        at = max(at, original + 1)
        phrases = [
            f"duplicates the rule of row {original + 2}",
            f"maps to {other_phase} x {cost_type} instead of {phase} x {cost_type}",
            "keep one of the two rows",
        ]
    body.insert(at, bad)
    return "\n".join([header, *body]) + "\n", at + 2, phrases


@pytest.mark.parametrize("kind", ["unknown match_type", "blank phase_code", "duplicate rule"])
def test_given_a_mapping_file_with_a_bad_row_when_checked_and_written_then_refused_naming_file_row_and_fix(
    kind, twin, workload, reference, tmp_path
):
    text, row, phrases = _bad_mapping(Path(twin.config("destination-spectrum")["mapping_path"]), kind)
    mapping = tmp_path / "cost_code_mapping.csv"
    mapping.write_text(text)
    templates = detail_templates(workload, reference)
    before = tables_and_counts(twin)

    write = post(
        twin,
        tmp_path,
        workload,
        lines(messages_for(workload, [renumbered(workload, templates[0], "840001")])),
        mapping_path=str(mapping),
    )
    runs = [write]
    if kind == "duplicate rule":  # `check` reads the files the same way (each kind is unit-tested through check)
        config_file = destination_config(twin, tmp_path, mapping_path=str(mapping))
        check = run_cli([executable("destination-spectrum"), "check", "--config", str(config_file)], timeout=120)
        assert check.connection_status is not None and check.connection_status["status"] == "FAILED", check.output()
        runs.append(check)

    assert write.returncode != 0, write.output()[-3000:]
    for run in runs:
        message = failure_text(run)
        assert f"cost_code_mapping.csv row {row}:" in message, message
        for phrase in phrases:
            assert phrase in message, f"missing {phrase!r} in:\n{message}"
    assert not write.states, "a STATE was acknowledged by a write that was refused"
    assert tables_and_counts(twin) == before, "something was posted with a broken mapping file"
    assert not (tmp_path / "ledger.duckdb").exists(), "the ledger was written by a write that was refused"


# ---------------------------------------------------------------------------------------------------------
# 5. PyAirbyte as the host: source-buildops -> destination-spectrum, both local executables
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("through", ["cache", "stream"])
def test_given_pyairbyte_when_it_writes_a_source_read_into_destination_spectrum_then_the_same_invoices_post(
    through, twin, fresh_data, reference, tmp_path
):
    """`cache`: `destination.write(source.read(cache))`, records handed back from PyAirbyte's DuckDB cache
    (lower-cased names, typed columns); `stream`: `destination.write(source, cache=False)`, straight through."""
    import airbyte as ab
    from airbyte.caches import DuckDBCache

    # The source reads the module's twin (BuildOps is only read); the destination posts into a twin of its own.
    source = ab.get_source(
        "source-buildops",
        config=twin.config("source-buildops"),
        local_executable=executable("source-buildops"),
        streams=list(POSTING_STREAMS),
    )
    with serve(copy_data(fresh_data[0], tmp_path / "data")) as sandbox:
        ledger = tmp_path / "ledger.duckdb"
        destination = ab.get_destination(
            "destination-spectrum",
            config={**sandbox.config("destination-spectrum"), "ledger_path": str(ledger)},
            local_executable=executable("destination-spectrum"),
        )
        if through == "cache":
            cache = DuckDBCache(db_path=tmp_path / "pyairbyte.duckdb", schema_name="buildops_raw")
            destination.write(source.read(cache=cache, force_full_refresh=True))
        else:
            destination.write(source, cache=False, state_cache=False)
        headers, entry_lines = ar_entry_headers(sandbox), ar_entry_lines(sandbox)

    assert sorted(headers) == sorted(reference.headers), "PyAirbyte posted a different set than the CLI run"
    assert entry_lines == reference.lines
    landed = verdicts(ledger)
    assert {key: landed[key][0] for key in reference.verdicts} == {k: v[0] for k, v in reference.verdicts.items()}
    # Every invoice was read as an invoice, none turned away as malformed by the way the host handed it over.
    assert not [r for state, r, _ in landed.values() if state == "rejected" and "malformed" in r]


# ---------------------------------------------------------------------------------------------------------
# 6. Out-of-range values, settings `check` must refuse, a full disk under the ledger
# ---------------------------------------------------------------------------------------------------------


def test_given_out_of_range_amounts_and_dates_when_written_twice_then_only_those_records_are_rejected(
    twin, workload, reference, tmp_path
):
    templates = detail_templates(workload, reference)
    good = [renumbered(workload, templates[0], "850001"), renumbered(workload, templates[1], "850002")]
    huge = renumbered(workload, templates[2], "850003", totalAmount=1e17)
    epoch = renumbered(workload, templates[3], "850004", issuedDate=10**20)
    due = renumbered(workload, templates[0], "850005", dueDate=1e300)
    stdin = lines(messages_for(workload, [good[0], huge, epoch, due, good[1]]))

    first = post(twin, tmp_path, workload, stdin)
    # It used to stop with `ConversionException ... DECIMAL(18,2)` (a system_error), and again on every rerun.
    again = post(twin, tmp_path, workload, stdin)

    for run in (first, again):
        assert run.returncode == 0, run.output()[-3000:]
        assert "rejected 3" in run_summary(run), run_summary(run)
        assert run.states, "the STATE after the batch was not acknowledged"
    assert "documents posted: none" in run_summary(again), run_summary(again)
    reasons = {key: (state, reason) for key, (state, reason, _) in verdicts(tmp_path / "ledger.duckdb").items()}
    assert reasons[huge[0]["id"]][0] == "rejected"
    assert "field 'totalAmount' is 1e+17: out of range" in reasons[huge[0]["id"]][1]
    assert "correct the amount in BuildOps" in reasons[huge[0]["id"]][1]
    # 10**20 does not fit a 64-bit integer, so it reaches the destination as the float 1e+20.
    assert "field 'issuedDate' is 1e+20: out of range as an epoch timestamp" in reasons[epoch[0]["id"]][1]
    assert "field 'dueDate' is 1e+300: out of range" in reasons[due[0]["id"]][1]
    assert entry_numbers(twin, ["850001", "850002", "850003", "850004", "850005"]) == {"850001": 1, "850002": 1}


def _check(sandbox: Sandbox, folder: Path, **overrides: Any) -> Run:
    config_file = destination_config(sandbox, folder, **overrides)
    return run_cli([executable("destination-spectrum"), "check", "--config", str(config_file)], timeout=120)


def test_given_company_codes_in_lower_case_or_with_spaces_when_checked_then_failed_naming_them_and_the_fix(
    twin, tmp_path
):
    run = _check(twin, tmp_path, companies=["mec", " FPR "])
    assert run.connection_status is not None and run.connection_status["status"] == "FAILED", run.output()
    message = run.connection_status["message"]
    assert "companies: 'mec', ' FPR ' is not a Spectrum company code" in message, message
    assert 'upper case, without spaces (here: ["MEC", "FPR"])' in message, message


def test_given_an_unwritable_ledger_path_when_checked_then_failed_naming_the_path_and_the_fix(
    twin, workload, reference, tmp_path
):
    blocker = tmp_path / "ledgers"
    blocker.write_text("a file where the ledger's folder should be")
    ledger = blocker / "ledger.duckdb"
    run = _check(twin, tmp_path, ledger_path=str(ledger))
    assert run.connection_status is not None and run.connection_status["status"] == "FAILED", run.output()
    message = run.connection_status["message"]
    assert f"ledger_path {ledger} cannot be created: {blocker} is a file, not a folder" in message, message
    assert "set ledger_path to a file in a folder this user can write" in message, message
    # `write` refuses the same way, before any Spectrum call.
    before = tables_and_counts(twin)
    templates = detail_templates(workload, reference)
    stdin = lines(messages_for(workload, [renumbered(workload, templates[0], "860001")]))
    write = post(twin, tmp_path, workload, stdin, ledger_path=str(ledger))
    assert write.returncode != 0 and f"ledger_path {ledger} cannot be created" in failure_text(write)
    assert tables_and_counts(twin) == before


def test_given_a_full_disk_under_the_ledger_when_written_then_the_real_io_error_is_shown(
    twin, workload, reference, tmp_path
):
    """A real tmpfs (2 MiB, mounted here: needs root, else skipped; the package's injected-error test
    `test_destination_spectrum_bad_values.py::..._io_error_inside_a_ledger_write_...` covers the code path),
    holding a ledger a first write created, then filled to the last byte before the second write."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if (
        os.geteuid() != 0
        or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(disk)], capture_output=True).returncode
        != 0
    ):
        pytest.skip("mounting a tmpfs needs root")
    try:
        templates = detail_templates(workload, reference)
        ledger = disk / "ledger.duckdb"
        created = post(twin, tmp_path, workload, lines([final_state("start")]), ledger_path=str(ledger))
        assert created.returncode == 0 and ledger.exists(), created.output()[-3000:]
        filler = (disk / "filler").open("wb", buffering=0)
        with contextlib.suppress(OSError):
            while True:
                filler.write(b"\0" * 65536)
        with contextlib.suppress(OSError):
            filler.close()
        before = tables_and_counts(twin)
        run = post(
            twin,
            tmp_path,
            workload,
            lines(messages_for(workload, [renumbered(workload, templates[0], "870001")])),
            ledger_path=str(ledger),
        )
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)

    assert run.returncode != 0, run.output()[-3000:]
    text = failure_text(run)
    assert f"the ledger {ledger} could not be written" in text and "No space left on device" in text, text
    assert "cannot rollback" not in run.output(), run.output()[-3000:]
    assert "Free space on that disk (or point ledger_path at another), then sync again" in text, text
    assert not run.states, "a STATE was acknowledged by a write whose ledger could not be written"
    assert tables_and_counts(twin) == before, "an invoice was posted that the ledger could not record"


# ---------------------------------------------------------------------------------------------------------
# 7. Mapping and crosswalk files as Excel saves them
# ---------------------------------------------------------------------------------------------------------


def _resaved(source: Path, target: Path, encoding: str, extra: str = "") -> Path:
    """The maintained file saved again in another encoding, every line ending in CRLF as Excel writes it."""
    text = (source.read_text(encoding="utf-8") + extra).replace("\r\n", "\n").replace("\n", "\r\n")
    target.write_bytes(text.encode(encoding))
    return target


def test_given_mapping_and_crosswalks_saved_as_cp1252_and_utf16_when_written_then_posted_as_with_utf8_and_logged(
    twin, workload, reference, tmp_path
):
    config = twin.config("destination-spectrum")
    mapping = _resaved(Path(config["mapping_path"]), tmp_path / "cost_code_mapping.csv", "utf-16")
    # A row with accents (cp1252 bytes that are not UTF-8), for a customer no invoice here has.
    crosswalk = _resaved(
        Path(config["customer_crosswalk_path"]), tmp_path / "customer_crosswalk.csv", "cp1252", "c-josé-peña,MEC,PENA\n"
    )
    templates = detail_templates(workload, reference)
    stdin = lines(messages_for(workload, [renumbered(workload, templates[0], "880001")]))

    check = _check(twin, tmp_path, mapping_path=str(mapping), customer_crosswalk_path=str(crosswalk))
    run = post(twin, tmp_path, workload, stdin, mapping_path=str(mapping), customer_crosswalk_path=str(crosswalk))

    assert check.connection_status is not None and check.connection_status["status"] == "SUCCEEDED", check.output()
    assert run.returncode == 0, run.output()[-3000:]
    assert entry_numbers(twin, ["880001"]) == {"880001": 1}
    logged = "\n".join(m["log"]["message"] for m in run.of_type("LOG"))
    assert f"{mapping} read as UTF-16" in logged, logged[-3000:]
    assert f"{crosswalk} read as Windows-1252 (cp1252)" in logged, logged[-3000:]


def test_given_a_crosswalk_with_bytes_no_encoding_reads_when_checked_and_written_then_refused_naming_offset_and_fix(
    twin, workload, reference, tmp_path
):
    source = Path(twin.config("destination-spectrum")["customer_crosswalk_path"]).read_bytes()
    crosswalk = tmp_path / "customer_crosswalk.csv"
    crosswalk.write_bytes(source + b"c-\x81,MEC,X\n")  # 0x81: neither UTF-8 nor Windows-1252
    offset = len(source) + 2
    templates = detail_templates(workload, reference)
    before = tables_and_counts(twin)

    check = _check(twin, tmp_path, customer_crosswalk_path=str(crosswalk))
    stdin = lines(messages_for(workload, [renumbered(workload, templates[0], "880002")]))
    write = post(twin, tmp_path, workload, stdin, customer_crosswalk_path=str(crosswalk))

    assert check.connection_status is not None and check.connection_status["status"] == "FAILED", check.output()
    assert write.returncode != 0, write.output()[-3000:]
    for message in (check.connection_status["message"], failure_text(write)):
        assert f"crosswalk file {crosswalk} cannot be read as text: byte {offset} (0x81)" in message, message
        assert 'save it from Excel as "CSV UTF-8 (Comma delimited)"' in message, message
        assert "customer_crosswalk_path" in message, message
    assert "UnicodeDecodeError" not in write.output()
    assert tables_and_counts(twin) == before


# ---------------------------------------------------------------------------------------------------------
# 8. Invoices edited or voided in BuildOps after they were posted
# ---------------------------------------------------------------------------------------------------------


def _raised(header: dict, items: list[dict], by: float) -> tuple[dict, list[dict]]:
    """The same invoice (same id and number) after an edit in BuildOps: its first line and its total raised."""
    header, items = copy.deepcopy(header), copy.deepcopy(items)
    items[0]["amount"] = round(items[0]["amount"] + by, 2)
    header["totalAmount"] = round(header["totalAmount"] + by, 2)
    return header, items


def _entry_documents(sandbox: Sandbox, numbers: list[str]) -> dict[str, tuple[str, str]]:
    """Invoice_Or_Transaction -> (Transaction_Type, the sum of its lines' Line_Extension) in the AR entry batch."""
    rows = spectrum_rows(
        sandbox,
        "SELECT TRIM(h.Invoice_Or_Transaction), h.Transaction_Type, CAST(SUM(d.Line_Extension) AS TEXT)"
        " FROM CR_INVOICE_ENTRY_HEADER_MC AS h JOIN CR_INVOICE_ENTRY_DETAIL_MC AS d"
        " ON d.Company_Code = h.Company_Code AND d.Invoice_Or_Transaction = h.Invoice_Or_Transaction"
        f" WHERE TRIM(h.Invoice_Or_Transaction) IN ({', '.join('?' for _ in numbers)})"
        " GROUP BY 1, 2",
        tuple(numbers),
    )
    return {number: (kind, total) for number, kind, total in rows}


def test_given_a_posted_invoice_edited_in_buildops_when_written_again_then_held_and_corrected_once_when_policy_says(
    twin, workload, reference, tmp_path
):
    templates = detail_templates(workload, reference)
    header, items = renumbered(workload, templates[0], "890001")
    voided, voided_items = renumbered(workload, templates[1], "890002")
    first = post(twin, tmp_path, workload, lines(messages_for(workload, [(header, items), (voided, voided_items)])))
    assert first.returncode == 0 and "posted 2" in run_summary(first), run_summary(first)
    posted_total = f"{header['totalAmount']:.2f}"
    edit = _raised(header, items, 125.0)
    stdin = lines(messages_for(workload, [edit]))
    void_stdin = lines(messages_for(workload, [({**voided, "status": "Void"}, voided_items)]))

    held = post(twin, tmp_path, workload, stdin)
    held_again = post(twin, tmp_path, workload, stdin)
    held_void = post(twin, tmp_path, workload, void_stdin)

    for run in (held, held_again, held_void):
        assert run.returncode == 0, run.output()[-3000:]
        assert "changed_after_posting 1" in run_summary(run) and "documents posted: none" in run_summary(run)
    void_state, void_reason, _ = verdicts(tmp_path / "ledger.duckdb")[voided["id"]]
    assert void_state == "changed_after_posting" and "and is now 'Void' in BuildOps" in void_reason, void_reason
    state, reason, document = verdicts(tmp_path / "ledger.duckdb")[header["id"]]
    assert (state, document) == ("changed_after_posting", "890001"), reason
    assert (
        "BuildOps invoice 890001 was posted to Spectrum as 890001 in" in reason
        and f"for {posted_total} and now totals {edit[0]['totalAmount']:.2f}" in reason
    ), reason
    assert "held for a person" in reason and "changed_after_posting: correct in policy.yml" in reason
    assert entry_numbers(twin, ["890001"]) == {"890001": 1}

    # The controller lets Tieout post the correction: a credit memo for 890001, the edited invoice renumbered.
    policy = tmp_path / "policy.yml"
    policy.write_text(
        Path(twin.config("destination-spectrum")["policy_path"]).read_text() + "\nchanged_after_posting: correct\n"
    )
    corrected = post(twin, tmp_path, workload, stdin, policy_path=str(policy))
    once_more = post(twin, tmp_path, workload, stdin, policy_path=str(policy))

    assert corrected.returncode == 0, corrected.output()[-3000:]
    assert "AR credit memo 1" in run_summary(corrected) and "AR detail 1" in run_summary(corrected)
    assert once_more.returncode == 0 and "documents posted: none" in run_summary(once_more), run_summary(once_more)
    state, reason, new_number = verdicts(tmp_path / "ledger.duckdb")[header["id"]]
    credit_number = reason.split("credit memo ", 1)[1].split(" ", 1)[0]
    assert state == "posted" and new_number.startswith("R") and credit_number.startswith("C"), reason
    landed = {
        n: (kind, Decimal(total))
        for n, (kind, total) in _entry_documents(twin, ["890001", credit_number, new_number]).items()
    }
    # Line_Extension excludes the sales tax (it travels on the first line's Sales_Tax_Amount).
    tax = Decimal(str(header.get("taxAmount") or 0))
    extension = Decimal(posted_total) - tax
    assert landed == {
        "890001": ("I", extension),
        credit_number: ("C", -extension),
        new_number: ("I", extension + Decimal("125")),
    }, landed
    assert Counter(n for _, n, _, _ in ar_entry_headers(twin))[credit_number] == 1


def test_given_a_header_total_that_differs_from_its_lines_plus_tax_when_written_then_held_naming_both_figures(
    twin, workload, reference, tmp_path
):
    templates = detail_templates(workload, reference)
    header, items = renumbered(workload, templates[0], "890101")
    stated = round(header["totalAmount"] + 10, 2)
    lines_sum = sum(Decimal(str(item["amount"])) for item in items)
    tax = Decimal(str(header.get("taxAmount") or 0)).quantize(Decimal("0.01"))
    header["totalAmount"] = stated

    run = post(twin, tmp_path, workload, lines(messages_for(workload, [(header, items)])))

    assert run.returncode == 0, run.output()[-3000:]
    state, reason, _ = verdicts(tmp_path / "ledger.duckdb")[header["id"]]
    assert state == "held", reason
    assert (
        f"total: invoice 890101 states totalAmount {stated:.2f} but its lines sum to "
        f"{lines_sum.quantize(Decimal('0.01'))} plus taxAmount {tax} = {(lines_sum + tax).quantize(Decimal('0.01'))}"
        in reason
    ), reason
    assert entry_numbers(twin, ["890101"]) == {}
