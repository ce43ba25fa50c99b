"""Notifications (issue 16 §2) through a real SMTP server on loopback (aiosmtpd, STARTTLS with a throwaway CA,
login required) and a loopback webhook: who hears what, once."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import http.server
import json
import logging
import socket
import ssl
import threading

import duckdb
import pytest
import trustme
import yaml
from tieout_desk import notify
from tieout_desk.channels import ChannelError, Email, Webhook
from tieout_desk.cli import main

PASSWORD = "smtp-pass-7f3a9c"  # a test server's password; asserted never to be printed


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's hook name
        # policy.default: headers unfolded, as a mail client shows them
        raw = envelope.original_content or envelope.content
        self.messages.append(email.message_from_bytes(raw, policy=email.policy.default))
        return "250 OK"


@pytest.fixture()
def smtp(tmp_path):
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    ca = trustme.CA()
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_ctx)
    client_ctx = ssl.create_default_context()
    ca.configure_trust(client_ctx)

    def authenticator(server, session, envelope, mechanism, auth_data):
        # handled=False: aiosmtpd answers 535 itself on a failure (True would leave the client waiting)
        ok = auth_data.login == b"desk" and auth_data.password == PASSWORD.encode()
        return AuthResult(success=ok, handled=False)

    # aiosmtpd logs each connection at INFO from its own thread, possibly after the test; with a handler an earlier
    # in-process connector run left on the root logger (bound to that test's closed capture) it prints "Logging
    # error" blocks into whichever test runs then. Its chatter is not what these tests read.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    inbox = Inbox()
    with socket.socket() as probe:  # aiosmtpd's readiness check needs the real port up front
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=server_ctx,
        require_starttls=True,
        authenticator=authenticator,
        auth_required=True,
    )
    controller.start()
    try:
        yield inbox, port, client_ctx
    finally:
        controller.stop()


@pytest.fixture()
def webhook_server():
    received: list[dict] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    finally:
        server.shutdown()


def _non_compliant_sub(warehouse_file) -> None:
    with duckdb.connect(str(warehouse_file)) as con:
        con.execute(
            "insert into main.sub_compliance_by_project (company_code, job_number, vendor_code, vendor_name, "
            "po_number, ordered_date, po_amount, coi_expiration, coi_lapsed, w9_lapsed, lien_waiver_lapsed, "
            "is_compliant, amount_at_risk) values ('MEC', '40119', 'ACMEMECH', 'Acme Mechanical Subs', 'PO-7731', "
            "date '2026-11-03', 18250.00, date '2026-10-15', true, false, true, false, 18250.00)"
        )


def _desk(port: int, contacts: dict) -> dict:
    return {
        "default_owner": "controller",
        "contacts": contacts,
        "step_owners": {"retainage_reconciliation": "controller"},
        "notify": {"ap": "ap", "email": {"host": "127.0.0.1", "port": port, "from": "close@example.com"}},
    }


def test_given_a_non_compliant_sub_and_new_exceptions_when_notifying_twice_then_each_is_told_once(
    warehouse, warehouse_file, smtp, monkeypatch
):
    inbox, port, client_ctx = smtp
    _non_compliant_sub(warehouse_file)
    monkeypatch.setenv("TIEOUT_SMTP_PASSWORD", PASSWORD)
    contacts = {
        "ap": "ap@example.com",
        "controller": "controller@example.com",
        "payroll": "payroll@example.com",
        "project-accounting": "pa@example.com",
        "fpr-controller": "fpr@example.com",
    }
    settings = {**_desk(port, contacts)["notify"]["email"], "username": "desk", "password_env": "TIEOUT_SMTP_PASSWORD"}
    mailer = Email.from_settings(settings, ssl_context=client_ctx)
    owners = {r["owner"] for r in warehouse.queue({}) if r["is_material"]}

    first = notify.run(warehouse, _desk(port, contacts), email=mailer, webhook=None, today=dt.date(2026, 11, 15))
    second = notify.run(warehouse, _desk(port, contacts), email=mailer, webhook=None, today=dt.date(2026, 11, 16))

    assert first.failed == []
    to_ap = [m for m in inbox.messages if m["To"] == "ap@example.com"]
    assert len(to_ap) == 1
    body = to_ap[0].get_content()
    assert "Acme Mechanical Subs (ACMEMECH) assigned to job 40119 (MEC)" in to_ap[0]["Subject"]
    assert "PO: PO-7731" in body and "certificate of insurance (expired 2026-10-15), lien waiver" in body
    # a subject folded onto its own line unfolds with a leading space (email's parser): compare it stripped
    digests = [m for m in inbox.messages if str(m["Subject"]).strip().startswith("Close desk digest 2026-11-15")]
    assert sorted(m["To"] for m in digests) == sorted(contacts[o] for o in owners), (
        [(m["To"], m["Subject"]) for m in inbox.messages],
        first.sent,
    )
    assert len(first.sent) == len(inbox.messages)
    # a rerun sends nothing twice: the compliance fact is found in the ledger, told exceptions leave the digest
    assert second.sent == [] and second.failed == [] and second.already_sent == 1


def test_given_a_step_with_one_blocker_left_when_notifying_then_its_owner_hears_which_one(
    warehouse, smtp, webhook_server, monkeypatch
):
    inbox, port, _ = smtp
    url, received = webhook_server
    monkeypatch.setenv("TIEOUT_WEBHOOK_URL", url)
    step = next(s for s in warehouse.checklist() if s["open_exception_count"] >= 2)
    blockers = warehouse.queue({"close_step": step["close_step"], "blocking": "yes"})
    for b in blockers[1:]:
        warehouse.decide_exception(b["exception_id"], "waived", "kim", "timing only")
    desk = {**_desk(port, {}), "step_owners": {step["close_step"]: "step-lead"}}
    desk["notify"] = {**desk["notify"], "webhook": {"url_env": "TIEOUT_WEBHOOK_URL"}}

    outcome = notify.run(warehouse, desk, email=None, webhook=Webhook.from_settings(desk["notify"]["webhook"]))

    last = [r["text"] for r in received if "(for step-lead)" in r["text"]]
    assert (
        len(last) == 1
        and "one exception left" in last[0]
        and blockers[0]["description"] in last[0]
        and step["step_name"] in last[0]
    )
    assert outcome.failed == [] and inbox.messages == []  # no contacts: webhook only


def test_given_a_wrong_smtp_password_when_notifying_then_the_failure_names_the_login_and_never_the_password(
    warehouse, smtp, monkeypatch
):
    _, port, client_ctx = smtp
    monkeypatch.setenv("TIEOUT_SMTP_PASSWORD", "not-" + PASSWORD)
    settings = {"host": "127.0.0.1", "port": port, "from": "c@example.com", "username": "desk"}
    mailer = Email.from_settings({**settings, "password_env": "TIEOUT_SMTP_PASSWORD"}, ssl_context=client_ctx)

    with pytest.raises(ChannelError) as refused:
        mailer.send("ap@example.com", "s", "b")
    outcome = notify.run(warehouse, _desk(port, {"controller": "c@example.com"}), email=mailer, webhook=None)

    assert str(refused.value) == (
        f"smtp 127.0.0.1:{port} refused the login of desk (password from $TIEOUT_SMTP_PASSWORD); check both"
    )
    assert outcome.sent == [] and outcome.failed
    assert all(PASSWORD not in f for f in outcome.failed)
    assert warehouse.rows("select count(*) as n from tieout_desk.notifications") == [{"n": 0}]  # retried next run


def test_given_a_policy_with_a_login_but_no_password_in_the_environment_when_notifying_then_the_cli_names_the_variable(
    warehouse_file, tmp_path, capsys, monkeypatch
):
    monkeypatch.delenv("TIEOUT_SMTP_PASSWORD", raising=False)
    policy = tmp_path / "policy.yml"
    email_settings = {"host": "smtp.example.com", "from": "c@example.com", "username": "desk"}
    policy.write_text(
        yaml.safe_dump({"desk": {"notify": {"email": {**email_settings, "password_env": "TIEOUT_SMTP_PASSWORD"}}}})
    )

    code = main(["notify", "--warehouse", str(warehouse_file), "--policy", str(policy)])

    assert code == 2
    assert "desk.notify.email.username is set but the environment variable named by password_env " in (
        capsys.readouterr().err
    )
