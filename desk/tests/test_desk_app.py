"""The desk through Starlette's test client: what each page shows, what every refusal says, and that a
decision is one appended row the dbt views read at once."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient
from tieout_desk import store
from tieout_desk.app import create_app
from tieout_desk.cli import main

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _client(warehouse, token=None) -> TestClient:
    return TestClient(create_app(warehouse, token=token))


def _csrf(client: TestClient, path: str = "/") -> str:
    return CSRF.search(client.get(path).text).group(1)


def _decide(client, exception_id, status, who="kim", reason="agreed with the customer", **extra):
    data = {"csrf_token": _csrf(client), "exception_id": exception_id, "status": status, "who": who, "reason": reason}
    return client.post("/exception/decide", data={**data, **extra}, follow_redirects=True)


def test_given_the_desk_policy_when_reading_the_queue_then_owners_follow_type_then_company_then_the_default(warehouse):
    rows = warehouse.queue({})
    owners = {(r["exception_type"], r["company_code"]): r["owner"] for r in rows}

    assert all(o == "payroll" for (t, _), o in owners.items() if t == "payroll_timing_gap")
    assert all(o == "project-accounting" for (t, _), o in owners.items() if t == "retainage_mismatch")
    others = [(t, c, o) for (t, c), o in owners.items() if t not in ("payroll_timing_gap", "retainage_mismatch")]
    assert {o for t, c, o in others if c == "FPR"} == {"fpr-controller"}
    assert {o for t, c, o in others if c != "FPR"} == {"controller"}
    assert all(
        r["blocks_close"] is False
        for r in rows
        if r["exception_type"] == "unbilled_work" and r["amount_at_stake"] < 150
    )


def test_given_the_queue_when_filtered_by_type_and_owner_then_only_those_rows_show(warehouse):
    client = _client(warehouse)
    page = client.get("/exceptions", params={"exception_type": "payroll_timing_gap", "owner": "payroll"}).text
    shown = re.findall(r'data-exception-id="([^"]+)"', page)
    expected = [r["exception_id"] for r in warehouse.queue({"exception_type": "payroll_timing_gap"})]

    others = {r["exception_id"] for r in warehouse.queue({})} - set(expected)

    assert shown and sorted(shown) == sorted(expected)
    assert others and not others & set(shown)


def test_given_a_waiver_when_decided_then_one_row_is_appended_and_the_queue_shows_it_without_a_rebuild(warehouse):
    client = _client(warehouse)
    exception = next(r for r in warehouse.queue({}) if r["blocks_close"])
    before = warehouse.rows("select count(*) as n from tieout_desk.decisions")[0]["n"]

    page = _decide(client, exception["exception_id"], "waived", who="Kim Lee", reason="credit memo issued")

    assert "Kim Lee marked this exception waived" in page.text
    rows = warehouse.rows(
        "select decided_by, status, reason from tieout_desk.decisions where subject_id = ?", [exception["exception_id"]]
    )
    assert rows == [{"decided_by": "Kim Lee", "status": "waived", "reason": "credit memo issued"}]
    assert warehouse.rows("select count(*) as n from tieout_desk.decisions")[0]["n"] == before + 1
    after = warehouse.exception(exception["exception_id"])
    assert after["status"] == "waived" and after["blocks_close"] is False


@pytest.mark.parametrize(
    ("status", "who", "reason", "message"),
    [
        ("waived", "kim", "", "reason: say why the exception is waived; the auditor reads it"),
        ("resolved", "kim", " ", "reason: say why the exception is resolved; the auditor reads it"),
        ("acknowledged", "", "", "name: say who decides (your name), so the decision can be traced to a person"),
        ("waived", "Tieout Build", "x", "name: &#39;tieout build&#39; is the name builds decide under"),
        (
            "closed",
            "kim",
            "x",
            "status &#39;closed&#39;: a decision on an exception is one of open, acknowledged, resolved, waived",
        ),
    ],
)
def test_given_an_incomplete_decision_when_posted_then_the_page_says_which_field_and_nothing_is_written(
    warehouse, status, who, reason, message
):
    client = _client(warehouse)
    exception = warehouse.queue({})[0]

    page = _decide(client, exception["exception_id"], status, who=who, reason=reason)

    assert message in page.text
    assert warehouse.rows("select count(*) as n from tieout_desk.decisions where decided_by <> 'tieout build'") == [
        {"n": 0}
    ]


def test_given_a_form_without_its_csrf_token_when_posted_then_it_is_refused_and_says_to_reload(warehouse):
    client = _client(warehouse)
    exception = warehouse.queue({})[0]
    client.get("/")  # the browser has its cookie; the forged form does not know the secret

    response = client.post(
        "/exception/decide",
        data={"exception_id": exception["exception_id"], "status": "waived", "who": "x", "reason": "y"},
    )
    forged = client.post(
        "/exception/decide",
        data={"csrf_token": "guessed", "exception_id": exception["exception_id"], "status": "waived", "who": "x"},
    )

    assert response.status_code == forged.status_code == 403
    assert "security token is missing or stale (CSRF check). Reload the page and decide again." in response.text
    assert warehouse.exception(exception["exception_id"])["status"] == "open"


def test_given_a_post_from_another_site_when_it_carries_the_token_then_the_origin_check_refuses_it(warehouse):
    client = _client(warehouse)
    token = _csrf(client)

    response = client.post(
        "/steps/ar_reconciliation/sign",
        data={"csrf_token": token, "role": "prepared", "who": "x"},
        headers={"origin": "https://evil.example"},
    )

    assert response.status_code == 403
    assert "this form was sent from https://evil.example, not from the desk" in response.text


def test_given_a_blocked_step_when_signed_off_then_the_desk_refuses_and_names_what_blocks_it(warehouse):
    client = _client(warehouse)
    blocked = next(s for s in warehouse.checklist() if s["status"] == "blocked")

    page = client.post(
        f"/steps/{blocked['close_step']}/sign",
        data={"csrf_token": _csrf(client), "role": "prepared", "who": "ann"},
        follow_redirects=True,
    )

    assert f"{blocked['step_name']} is blocked by {blocked['open_exception_count']} exception(s)" in page.text
    assert warehouse.step(blocked["close_step"])["sign_off"] == "unsigned"


def test_given_a_prepared_step_when_the_preparer_reviews_it_then_refused_and_another_person_may(warehouse):
    client = _client(warehouse)
    ready = next(s for s in warehouse.checklist() if s["status"] == "ready")
    path = f"/steps/{ready['close_step']}/sign"

    client.post(path, data={"csrf_token": _csrf(client), "role": "prepared", "who": "Ann"})
    same = client.post(
        path, data={"csrf_token": _csrf(client), "role": "reviewed", "who": " ann "}, follow_redirects=True
    )
    other = client.post(
        path, data={"csrf_token": _csrf(client), "role": "reviewed", "who": "Bob"}, follow_redirects=True
    )

    assert f"name: Ann prepared {ready['step_name']}; a different person reviews it" in same.text
    assert "Bob signed" in other.text
    step = warehouse.step(ready["close_step"])
    assert (step["prepared_by"], step["reviewed_by"], step["sign_off"]) == ("Ann", "Bob", "reviewed")


def test_given_an_exception_on_an_invoice_when_drilling_down_then_both_systems_rows_are_shown(warehouse):
    client = _client(warehouse)
    drift = warehouse.queue({"exception_type": "payment_status_drift"})[0]

    page = client.get("/exception", params={"id": drift["exception_id"]}).text
    buildops, spectrum = page.split('id="system-buildops"')[1].split('id="system-spectrum"')

    assert "stg_buildops__invoices" in buildops and drift["buildops_invoice_id"] in buildops
    assert "stg_spectrum__ar_invoices" in spectrum and "stg_spectrum__ar_open_items" in spectrum
    assert drift["invoice_or_transaction"] in spectrum


def test_given_a_job_with_a_paid_invoice_when_field_staff_open_it_then_spectrum_says_do_not_chase(warehouse):
    paid = warehouse.rows(
        "select company_code, job_number, canonical_invoice_number from main.fct_invoices "
        "where spectrum_status = 'paid' and job_number is not null order by 1, 2, 3 limit 1"
    )[0]
    client = _client(warehouse)

    page = client.get("/job", params={"company": paid["company_code"], "job": paid["job_number"]}).text
    row = page.split(f'data-invoice="{paid["canonical_invoice_number"]}"')[1].split("</tr>")[0]

    assert "paid in Spectrum: do not chase" in row
    assert "Visits" in page and "cash applied" in page


def test_given_a_token_when_a_request_lacks_it_then_401_and_the_token_once_opens_the_desk(warehouse):
    secret = "s3cret-token-for-the-desk"
    client = _client(warehouse, token=secret)

    denied = client.get("/")
    wrong = client.get("/", params={"token": "not-the-token-at-all"})
    opened = client.get("/", params={"token": secret}, follow_redirects=False)
    after = client.get(opened.headers["location"])
    bearer = TestClient(create_app(warehouse, token=secret)).get("/", headers={"authorization": f"Bearer {secret}"})

    assert denied.status_code == wrong.status_code == 401
    assert "needs its access token: open it as /?token=<the token>" in denied.text
    assert secret not in denied.text
    assert opened.status_code == 303 and "token" not in opened.headers["location"]
    assert after.status_code == 200 and "Close " in after.text
    assert bearer.status_code == 200


def test_given_a_public_bind_without_a_token_when_starting_then_the_desk_refuses_and_names_the_fix(
    warehouse_file, capsys, monkeypatch
):
    monkeypatch.delenv("TIEOUT_DESK_TOKEN", raising=False)

    code = main(["desk", "--warehouse", str(warehouse_file), "--host", "0.0.0.0"])  # noqa: S104
    short = main(["desk", "--warehouse", str(warehouse_file), "--host", "0.0.0.0", "--token", "short"])  # noqa: S104

    err = capsys.readouterr().err
    assert code == short == 2
    assert "tieout desk: --host 0.0.0.0 is not a loopback address" in err
    assert "Set --token (or TIEOUT_DESK_TOKEN) to a secret of 16+ characters" in err
    assert "--token (TIEOUT_DESK_TOKEN) is 5 characters; use at least 16" in err
    assert "short" not in err.replace("5 characters", "")


def test_given_a_warehouse_never_built_when_starting_then_the_desk_says_to_build_it(tmp_path, capsys):
    code = main(["desk", "--warehouse", str(tmp_path / "missing.duckdb")])

    assert code == 2
    assert "does not exist: run `make demo` (or dbt build) first" in capsys.readouterr().err


def test_given_the_dbt_hook_and_the_desk_when_both_create_the_decisions_table_then_they_agree_on_its_columns(
    warehouse, tmp_path
):
    import duckdb

    built = warehouse.rows(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = 'tieout_desk' and table_name in ('decisions', 'exception_sightings') "
        "order by table_name, ordinal_position"
    )
    with duckdb.connect(str(tmp_path / "fresh.duckdb")) as con:
        store.ensure_tables(con, "tieout_desk")
        cursor = con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'tieout_desk' order by table_name, ordinal_position"
        )
        fresh = [{"column_name": n, "data_type": t} for n, t in cursor.fetchall()]

    assert built == fresh
