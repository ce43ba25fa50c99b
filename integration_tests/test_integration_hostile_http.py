"""Hostile answers on the wire: the real executables behind `hostile_http.HostileFront`, a loopback front on
the sandbox's twin that answers the way proxies, login pages and cut connections do.

1. destination-spectrum: a post is confirmed only by Spectrum's own result rows for the document. An empty
   `{}`, an HTML login page, a body cut short or a redirect leaves the document unconfirmed: the write stops, no
   STATE is acknowledged, the ledger keeps its intent, nothing counts as posted, and the next run asks Spectrum.
2. Credentials never follow a redirect to another host (`Catcher`, 127.0.0.2, records what reaches it): the
   BuildOps token request, BuildOps reads, Data Exchange SOAP calls and Puts each stop naming the status and the
   Location's host, with the fix (set base_url to the final address).
3. TLS: a server whose certificate a private CA signed (trustme) is a config_error that says the certificate was
   not trusted and names `ca_bundle`; with `ca_bundle` pointing at that CA the sync works. Unknown settings are
   named in a warning.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
import trustme
from hostile_http import LOGIN_PAGE, Catcher, HostileFront, Reply
from tieout_it import (
    ROOT,
    Sandbox,
    add_fresh_invoices,
    configured_catalog,
    copy_data,
    executable,
    failure_text,
    run_cli,
    serve,
    write_json,
)

POSTING_STREAMS = ("jobs", "invoices", "invoice_items")
# What `discover` says, committed (drift tests keep them current): read here rather than run discover again.
DISCOVERED = {
    "source-buildops": ROOT / "catalog" / "source-buildops" / "discover.json",
    "source-spectrum.data_exchange": ROOT / "catalog" / "source-spectrum" / "discover_data_exchange.json",
}


def discovered(connector: str) -> dict[str, Any]:
    return json.loads(DISCOVERED[connector].read_text())


FRESH = 40  # the first clones land on progress-billed jobs (held): enough for several that post


# ---------------------------------------------------------------------------------------------------------
# One twin with fresh work, what the source emits for it, and which fresh invoices the destination posts
# ---------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def twin(generated, tmp_path_factory) -> Iterator[Sandbox]:
    data = copy_data(generated, tmp_path_factory.mktemp("hostile-twin") / "data")
    add_fresh_invoices(data, FRESH)
    with serve(data) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def source_read(twin, tmp_path_factory) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """(RECORD messages of the posting streams, the configured catalog) from `source-buildops read`."""
    folder = tmp_path_factory.mktemp("hostile-read")
    exe = executable("source-buildops")
    catalog = configured_catalog(discovered("source-buildops"), POSTING_STREAMS, incremental=False)
    run = run_cli(
        [
            exe,
            "read",
            "--config",
            str(twin.config_file("source-buildops")),
            "--catalog",
            str(write_json(folder / "catalog.json", catalog)),
        ],
        timeout=300,
    )
    assert run.returncode == 0, run.output()[-3000:]
    return [m for m in run.messages if m["type"] == "RECORD"], catalog


@pytest.fixture(scope="module")
def postable(twin, source_read, tmp_path_factory) -> list[str]:
    """Fresh invoices a dry run would post as AR documents (the others are held for their own reasons)."""
    records, catalog = source_read
    folder = tmp_path_factory.mktemp("hostile-dry-run")
    run = write(twin, folder, catalog, stdin_for(records, fresh_ids(records)), dry_run=True)
    assert run.returncode == 0, run.output()[-3000:]
    plans = [
        json.loads(m["log"]["message"].removeprefix("dry_run: "))
        for m in run.of_type("LOG")
        if m["log"]["message"].startswith("dry_run: ")
    ]
    keys = sorted({key for plan in plans if plan.get("kind") == "AR" for key in plan["source_keys"]})
    assert len(keys) >= len(UNCONFIRMED) + 4, f"only {len(keys)} fresh invoices would post: {plans}"
    return keys


def fresh_ids(records: list[dict[str, Any]]) -> list[str]:
    return [
        r["record"]["data"]["id"]
        for r in records
        if r["record"]["stream"] == "invoices"
        and r["record"]["data"]["invoiceNumber"].startswith("9")
        and len(r["record"]["data"]["invoiceNumber"]) == 6
    ]


def stdin_for(records: list[dict[str, Any]], invoice_ids: list[str]) -> str:
    """The jobs, the chosen invoices and their lines, then one STATE: one sync's worth of input."""
    wanted = set(invoice_ids)
    chosen = [
        m
        for m in records
        if m["record"]["stream"] == "jobs"
        or (m["record"]["stream"] == "invoices" and m["record"]["data"]["id"] in wanted)
        or (m["record"]["stream"] == "invoice_items" and m["record"]["data"]["invoiceId"] in wanted)
    ]
    state = {
        "type": "STATE",
        "state": {
            "type": "STREAM",
            "stream": {"stream_descriptor": {"name": "invoices"}, "stream_state": {"position": "end"}},
        },
    }
    return "".join(json.dumps(m) + "\n" for m in [*chosen, state])


def write(sandbox: Sandbox, folder: Path, catalog: dict, stdin: str, *, base_url: str | None = None, **overrides):
    config = {**sandbox.config("destination-spectrum"), "ledger_path": str(folder / "ledger.duckdb"), **overrides}
    if base_url:
        config["data_exchange"] = {**config["data_exchange"], "base_url": base_url}
    folder.mkdir(parents=True, exist_ok=True)
    config_file = write_json(folder / f"destination-{len(list(folder.glob('destination-*')))}.json", config)
    args = [
        executable("destination-spectrum"),
        "write",
        "--config",
        str(config_file),
        "--catalog",
        str(write_json(folder / "catalog.json", catalog)),
    ]
    return run_cli(args, stdin=stdin, timeout=300)


def ledger(folder: Path, query: str) -> list[tuple]:
    with duckdb.connect(str(folder / "ledger.duckdb"), read_only=True) as con:
        return con.execute(query).fetchall()


def verdict(folder: Path, invoice_id: str) -> tuple[str, str] | None:
    rows = ledger(
        folder, f"SELECT state, coalesce(reason, '') FROM tieout_ledger.postings WHERE source_key = '{invoice_id}'"
    )
    return rows[0] if rows else None


def ar_entries(sandbox: Sandbox) -> int:
    path = sandbox.data_dir / "spectrum" / "spectrum.sqlite"
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return con.execute("SELECT COUNT(*) FROM CR_INVOICE_ENTRY_HEADER_MC").fetchone()[0]
    finally:
        con.close()


@pytest.fixture
def catcher() -> Iterator[Catcher]:
    other = Catcher()
    yield other
    other.close()


# ---------------------------------------------------------------------------------------------------------
# 1. A post is confirmed only by Spectrum's own result rows
# ---------------------------------------------------------------------------------------------------------

UNCONFIRMED = {
    "an empty {}": (Reply(body=b"{}"), "HTTP 200 (application/json, 2 bytes) with no result rows"),
    "an HTML login page": (
        Reply(body=LOGIN_PAGE, content_type="text/html"),
        "(text/html, 205 bytes) with a body that is not JSON",
    ),
    "a body cut short": (
        Reply(body=b'{"arInvoices": [{"Error_Code": " ", "Error_Description": " "}]}', cut_after=17),
        "answer was cut short",
    ),
    "a 307 to another host": (None, "answered HTTP 307, a redirect to http://127.0.0.2:"),
}


@pytest.mark.parametrize("answer", sorted(UNCONFIRMED))
def test_given_a_put_answered_without_result_rows_when_written_then_it_stops_unconfirmed_and_a_rerun_posts_once(
    answer, twin, source_read, postable, catcher, tmp_path
):
    records, catalog = source_read
    invoice = postable[sorted(UNCONFIRMED).index(answer)]
    reply, said = UNCONFIRMED[answer]
    if reply is None:
        reply = Reply(status=307, headers={"Location": f"{catcher.url}/customer/invoice"})
    stdin = stdin_for(records, [invoice])
    before = ar_entries(twin)
    front = HostileFront(twin.config("destination-spectrum")["data_exchange"]["base_url"])
    front.on("POST", "/customer/invoice", reply)
    try:
        run = write(twin, tmp_path, catalog, stdin, base_url=front.url)
    finally:
        front.close()

    assert len(front.claimed) == 1, "the Put never reached the hostile front (or was sent twice)"
    assert run.returncode != 0, run.output()[-3000:]
    message = failure_text(run)
    assert "Spectrum did not confirm AR invoice" in message and said in message, message
    assert "the next run checks whether it landed before posting anything" in message
    assert [e["failure_type"] for e in run.trace_errors] == ["transient_error"], "an unconfirmed post is not a crash"
    assert run.states == [], "STATE acknowledged past a document Spectrum never confirmed"
    assert verdict(tmp_path, invoice) is None, "the ledger counts an unconfirmed post"
    assert len(ledger(tmp_path, "SELECT * FROM tieout_ledger.pending_documents")) == 1
    assert ar_entries(twin) == before
    assert catcher.seen == [], f"the redirect was followed (the Authorization ID with it): {catcher.received()[:500]}"

    if answer != "an HTML login page":
        return  # every case leaves the same ledger state; one rerun (the issue's own case) proves the recovery
    rerun = write(twin, tmp_path, catalog, stdin)
    assert rerun.returncode == 0, rerun.output()[-3000:]
    assert verdict(tmp_path, invoice)[0] == "posted"
    assert ar_entries(twin) == before + 1, "the rerun did not post it exactly once"
    assert rerun.states, "the rerun did not acknowledge STATE"
    assert ledger(tmp_path, "SELECT * FROM tieout_ledger.pending_documents") == []


def test_given_spectrum_takes_a_put_but_the_answer_is_empty_when_written_then_it_asks_spectrum_and_records_it_once(
    twin, source_read, postable, tmp_path
):
    records, catalog = source_read
    invoice = postable[len(UNCONFIRMED)]
    before = ar_entries(twin)
    front = HostileFront(twin.config("destination-spectrum")["data_exchange"]["base_url"])
    front.on("POST", "/customer/invoice", Reply(body=b"{}", forward_first=True))
    try:
        run = write(twin, tmp_path, catalog, stdin_for(records, [invoice]), base_url=front.url)
    finally:
        front.close()
    assert run.returncode == 0, run.output()[-3000:]
    assert verdict(tmp_path, invoice)[0] == "posted", "Spectrum holds it: the ledger must say so"
    assert ar_entries(twin) == before + 1, "posted twice (or not at all)"
    assert run.states, "STATE was not acknowledged after Spectrum confirmed the document"


def test_given_result_rows_with_an_error_on_a_later_row_when_written_then_the_invoice_is_rejected_not_posted(
    twin, source_read, postable, tmp_path
):
    records, catalog = source_read
    invoice = postable[len(UNCONFIRMED) + 1]
    rows = {
        "arInvoices": [
            {"Error_Code": " ", "Error_Description": " ", "Error_Column": " "},
            {"Error_Code": "E", "Error_Description": "Line 2: GL period is closed", "Error_Column": "GL_Date"},
        ]
    }
    before = ar_entries(twin)
    front = HostileFront(twin.config("destination-spectrum")["data_exchange"]["base_url"])
    front.on("POST", "/customer/invoice", Reply(body=json.dumps(rows).encode()))
    try:
        run = write(twin, tmp_path, catalog, stdin_for(records, [invoice]), base_url=front.url)
    finally:
        front.close()
    assert run.returncode == 0, run.output()[-3000:]
    state, reason = verdict(tmp_path, invoice)
    assert state == "rejected" and "Line 2: GL period is closed (GL_Date)" in reason, (state, reason)
    assert ar_entries(twin) == before


def test_given_a_soap_put_answered_by_an_html_login_page_when_written_then_it_stops_unconfirmed(
    twin, source_read, postable, tmp_path
):
    records, catalog = source_read
    invoice = postable[len(UNCONFIRMED) + 2]
    before = ar_entries(twin)
    front = HostileFront(twin.config("destination-spectrum")["data_exchange"]["base_url"])
    front.on("POST", "/ws/AddARInvoice", Reply(body=LOGIN_PAGE, content_type="text/html"))
    try:
        run = write(twin, tmp_path, catalog, stdin_for(records, [invoice]), base_url=front.url, ar_service="soap")
    finally:
        front.close()
    message = failure_text(run)
    assert run.returncode != 0 and "Spectrum did not confirm AR invoice" in message, run.output()[-3000:]
    assert (
        "AddARInvoice: Data Exchange answered HTTP 200 (text/html, 205 bytes) with a body that is not a SOAP" in message
    )
    assert run.states == [] and verdict(tmp_path, invoice) is None
    assert ar_entries(twin) == before


# ---------------------------------------------------------------------------------------------------------
# 2. Credentials never follow a redirect (the destination's Put is the 307 case above)
# ---------------------------------------------------------------------------------------------------------


def fronted_config(sandbox: Sandbox, connector: str, folder: Path, front: HostileFront) -> Path:
    config = sandbox.config(connector)
    if "data_exchange" in config:
        config["data_exchange"] = {**config["data_exchange"], "base_url": front.url}
    else:
        config["base_url"] = front.url
    folder.mkdir(parents=True, exist_ok=True)
    return write_json(folder / f"{connector}.json", config)


def test_given_the_buildops_token_request_redirected_307_to_another_host_when_checked_then_refused_and_no_secret_sent(
    clean_sandbox, catcher, tmp_path
):
    front = HostileFront(clean_sandbox.config("source-buildops")["base_url"])
    front.on("POST", "/v1/auth/token", Reply(status=307, headers={"Location": f"{catcher.url}/v1/auth/token"}))
    try:
        config_file = fronted_config(clean_sandbox, "source-buildops", tmp_path, front)
        run = run_cli([executable("source-buildops"), "check", "--config", str(config_file)], timeout=120)
    finally:
        front.close()
    status = run.connection_status
    assert status and status["status"] == "FAILED", run.output()[-3000:]
    assert "POST /v1/auth/token was answered with HTTP 307, a redirect to http://127.0.0.2:" in status["message"]
    assert "Set base_url to the final address" in status["message"]
    assert catcher.seen == [], f"the client secret followed the redirect: {catcher.received()[:500]}"


def test_given_a_buildops_read_redirected_to_another_host_when_read_then_config_error_and_no_token_sent(
    clean_sandbox, catcher, tmp_path
):
    exe = executable("source-buildops")
    front = HostileFront(clean_sandbox.config("source-buildops")["base_url"])
    front.on("GET", "/v1/jobs", Reply(status=302, headers={"Location": f"{catcher.url}/v1/jobs"}))
    try:
        config_file = fronted_config(clean_sandbox, "source-buildops", tmp_path, front)
        catalog = configured_catalog(discovered("source-buildops"), ["jobs"], incremental=False)
        run = run_cli(
            [exe, "read", "--config", str(config_file), "--catalog", str(write_json(tmp_path / "c.json", catalog))],
            timeout=300,
        )
    finally:
        front.close()
    errors = run.trace_errors
    assert errors and errors[0]["failure_type"] == "config_error", run.output()[-3000:]
    assert "GET /v1/jobs was answered with HTTP 302, a redirect to http://127.0.0.2:" in errors[0]["message"]
    assert "the Authorization header is never sent to another host" in errors[0]["message"]
    assert catcher.seen == [], f"the bearer token followed the redirect: {catcher.received()[:500]}"


def test_given_a_data_exchange_soap_call_redirected_307_when_source_spectrum_checks_then_refused_and_no_id_sent(
    clean_sandbox, catcher, tmp_path
):
    connector = "source-spectrum.data_exchange"
    front = HostileFront(clean_sandbox.config(connector)["data_exchange"]["base_url"])
    front.on("POST", "/ws/", Reply(status=307, headers={"Location": f"{catcher.url}/ws/GetJob"}))
    try:
        config_file = fronted_config(clean_sandbox, connector, tmp_path, front)
        run = run_cli([executable("source-spectrum"), "check", "--config", str(config_file)], timeout=120)
    finally:
        front.close()
    status = run.connection_status
    assert status and status["status"] == "FAILED", run.output()[-3000:]
    assert "GetJob: Spectrum Data Exchange answered HTTP 307, a redirect to http://127.0.0.2:" in status["message"]
    assert "Set `data_exchange.base_url` to the final address" in status["message"]
    assert front.claimed and catcher.seen == [], f"the Authorization ID followed: {catcher.received()[:500]}"


# ---------------------------------------------------------------------------------------------------------
# 3. TLS: a private CA is named in `ca_bundle`, never trusted silently; unknown settings are warned about
# ---------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def private_ca(tmp_path_factory) -> tuple[trustme.CA, Path]:
    """The contractor's in-house CA (which no system trust store holds) and its certificate as a PEM file."""
    ca = trustme.CA(organization_name="Contractor IT")
    pem = tmp_path_factory.mktemp("private-ca") / "contractor-ca.pem"
    ca.cert_pem.write_to_path(str(pem))
    return ca, pem


def read_one_stream(exe: str, config_file: Path, stream: str, folder: Path, connector: str):
    catalog = configured_catalog(discovered(connector), [stream], incremental=False)
    args = [exe, "read", "--config", str(config_file), "--catalog", str(write_json(folder / f"{stream}.json", catalog))]
    return run_cli(args, timeout=300)


@pytest.mark.parametrize(
    "connector, stream, setting",
    [
        ("source-buildops", "departments", "ca_bundle"),
        ("source-spectrum.data_exchange", "customers", "data_exchange.ca_bundle"),
    ],
)
def test_given_a_private_ca_certificate_when_read_then_config_error_naming_ca_bundle_and_with_it_the_read_works(
    connector, stream, setting, clean_sandbox, private_ca, tmp_path
):
    ca, pem = private_ca
    exe = executable(connector.split(".")[0])
    config = clean_sandbox.config(connector)
    upstream = config["data_exchange"]["base_url"] if "data_exchange" in config else config["base_url"]
    front = HostileFront(upstream, tls=ca)
    try:
        untrusted = fronted_config(clean_sandbox, connector, tmp_path / "untrusted", front)
        refused = read_one_stream(exe, untrusted, stream, tmp_path, connector)
        trusted_config = json.loads(untrusted.read_text())
        if "data_exchange" in trusted_config:
            trusted_config["data_exchange"]["ca_bundle"] = str(pem)
        else:
            trusted_config["ca_bundle"] = str(pem)
        trusted = read_one_stream(
            exe, write_json(tmp_path / "trusted.json", trusted_config), stream, tmp_path, connector
        )
    finally:
        front.close()
    errors = refused.trace_errors
    assert errors and errors[0]["failure_type"] == "config_error", refused.output()[-3000:]
    message = errors[0]["message"]
    assert "was not trusted (" in message and f"set {setting}" in message.replace("`", ""), message
    assert "a PEM file" in message and "reachable" not in message
    assert not refused.records
    assert trusted.returncode == 0 and not trusted.trace_errors, trusted.output()[-3000:]
    assert trusted.records, "nothing read through the trusted TLS front"


def test_given_a_private_ca_certificate_when_destination_writes_then_config_error_and_with_ca_bundle_it_posts_once(
    twin, source_read, postable, private_ca, tmp_path
):
    ca, pem = private_ca
    records, catalog = source_read
    invoice = postable[len(UNCONFIRMED) + 3]
    stdin = stdin_for(records, [invoice])
    before = ar_entries(twin)
    front = HostileFront(twin.config("destination-spectrum")["data_exchange"]["base_url"], tls=ca)
    try:
        refused = write(twin, tmp_path, catalog, stdin, base_url=front.url)
        dx = {**twin.config("destination-spectrum")["data_exchange"], "base_url": front.url, "ca_bundle": str(pem)}
        trusted = write(twin, tmp_path, catalog, stdin, data_exchange=dx)
    finally:
        front.close()
    errors = refused.trace_errors
    assert errors and errors[0]["failure_type"] == "config_error", refused.output()[-3000:]
    assert "was not sent: The TLS certificate of Spectrum Data Exchange at https://127.0.0.1:" in errors[0]["message"]
    assert "set `data_exchange.ca_bundle` to the path of that CA's certificate" in errors[0]["message"]
    assert refused.states == []
    assert trusted.returncode == 0, trusted.output()[-3000:]
    assert verdict(tmp_path, invoice)[0] == "posted"
    assert ar_entries(twin) == before + 1


@pytest.mark.parametrize(
    "connector, typo",
    [("source-buildops", "ca_bundel"), ("source-spectrum.data_exchange", "data_exchange.verfy_tls")],
)
def test_given_a_misspelt_setting_when_checked_then_a_warning_names_it(connector, typo, clean_sandbox, tmp_path):
    config = clean_sandbox.config(connector)
    parent, _, key = typo.rpartition(".")
    (config[parent] if parent else config)[key] = False
    run = run_cli(
        [executable(connector.split(".")[0]), "check", "--config", str(write_json(tmp_path / "c.json", config))],
        timeout=120,
    )
    assert run.connection_status and run.connection_status["status"] == "SUCCEEDED", run.output()[-3000:]
    warnings = [m["log"]["message"] for m in run.of_type("LOG") if m["log"]["level"] == "WARN"]
    assert any(f"Unknown setting(s) ignored: {typo}." in w for w in warnings), run.output()[-3000:]


def test_given_a_misspelt_setting_and_singer_stream_maps_when_tap_discovers_then_only_the_typo_is_warned(
    clean_sandbox, tmp_path
):
    config = {**clean_sandbox.config("source-buildops"), "ca_bundel": "/tmp/ca.pem", "stream_maps": {}}
    run = run_cli(
        [executable("tap-buildops"), "--config", str(write_json(tmp_path / "c.json", config)), "--discover"],
        timeout=120,
    )
    assert run.returncode == 0, run.output()[-3000:]
    assert "Unknown setting(s) ignored: ca_bundel." in run.stderr, run.stderr[-3000:]
    assert "stream_maps" not in run.stderr


def test_given_verify_tls_false_when_source_spectrum_checks_then_it_warns_and_names_ca_bundle(clean_sandbox, tmp_path):
    config = clean_sandbox.config("source-spectrum.data_exchange")
    config["data_exchange"]["verify_tls"] = False
    run = run_cli(
        [executable("source-spectrum"), "check", "--config", str(write_json(tmp_path / "c.json", config))],
        timeout=120,
    )
    warnings = " ".join(m["log"]["message"] for m in run.of_type("LOG") if m["log"]["level"] == "WARN")
    assert "data_exchange.verify_tls is false: the server's certificate is not checked" in warnings, run.output()[
        -3000:
    ]
    assert "Set data_exchange.ca_bundle" in warnings
