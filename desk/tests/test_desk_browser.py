"""The desk in a real browser, used as a controller would: Debian's Chromium (/usr/bin/chromium) driven by
Playwright through `executable_path` (Playwright's own browser download is never used). Screenshots of each
stage are kept under the test's tmp dir (screenshots/), the path printed."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# As the machine notes say: without the background-networking flags Chromium keeps dialling out of a closed network.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture()
def browser_page(tmp_path):
    if not CHROMIUM.is_file() or shutil.which("chromium") is None:
        pytest.skip("Debian's chromium is not installed: `make install` installs it (scripts/install.sh)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.set_default_timeout(30_000)
        try:
            yield page
        finally:
            browser.close()


def test_given_a_blocked_step_when_a_controller_waives_its_exceptions_then_it_turns_ready_and_is_signed_off(
    desk_server, warehouse, browser_page, tmp_path
):
    page = browser_page
    shots = tmp_path / "screenshots"
    shots.mkdir()
    # The blocked step with the fewest blockers: the one a controller clears first.
    step = min(
        (s for s in warehouse.checklist() if s["status"] == "blocked"),
        key=lambda s: (s["open_exception_count"], s["step_order"]),
    )
    row = f"#step-{step['close_step']}"

    page.goto(desk_server + "/")
    assert page.locator(row).get_attribute("data-status") == "blocked"
    page.screenshot(path=shots / "1-checklist-blocked.png", full_page=True)

    page.locator(row).get_by_role("link", name=re.compile(r"exception\(s\)")).click()
    links = page.locator("table.queue tbody tr a")
    assert links.count() == step["open_exception_count"]
    page.screenshot(path=shots / "2-queue-filtered.png", full_page=True)
    queue_url = page.url

    for n in range(step["open_exception_count"]):
        page.goto(queue_url)
        page.locator("table.queue tbody tr a").first.click()
        page.get_by_label("Your name").fill("Kim Controller")
        page.get_by_label("Status").select_option("waived")
        if n == 0:  # a waiver without a reason is refused, and the page says why
            page.get_by_role("button", name="Record decision").click()
            assert "reason: say why the exception is waived" in page.get_by_role("alert").inner_text()
            page.get_by_label("Your name").fill("Kim Controller")
            page.get_by_label("Status").select_option("waived")
        page.get_by_label("Reason").fill("below the customer's dispute threshold; agreed with the CFO")
        page.get_by_role("button", name="Record decision").click()
        assert "Kim Controller marked this exception waived" in page.get_by_role("status").inner_text()
        assert page.locator("#exception-status").inner_text() == "waived"
        if n == 0:
            page.screenshot(path=shots / "3-exception-waived.png", full_page=True)

    page.get_by_role("link", name="Close checklist").click()
    assert page.locator(row).get_attribute("data-status") == "ready"
    assert re.search(r"day \d+", page.locator(row).inner_text())
    page.screenshot(path=shots / "4-checklist-ready.png", full_page=True)

    page.locator(row).get_by_label("Your name").fill("Ann Preparer")
    page.locator(row).get_by_role("button", name="Sign off as preparer").click()
    assert "Ann Preparer" in page.locator(f"{row} .prepared").inner_text()
    page.locator(row).get_by_label("Your name").fill("Ann Preparer")
    page.locator(row).get_by_role("button", name="Sign off as reviewer").click()
    assert "a different person reviews it" in page.get_by_role("alert").inner_text()
    page.locator(row).get_by_label("Your name").fill("Bob Reviewer")
    page.locator(row).get_by_role("button", name="Sign off as reviewer").click()
    assert "Bob Reviewer" in page.locator(f"{row} .reviewed").inner_text()
    assert "signed off" in page.locator(row).inner_text()
    page.screenshot(path=shots / "5-checklist-signed-off.png", full_page=True)

    signed = warehouse.step(step["close_step"])
    assert (signed["status"], signed["prepared_by"], signed["reviewed_by"]) == ("ready", "Ann Preparer", "Bob Reviewer")
    assert sorted(p.name for p in shots.iterdir()) == [
        "1-checklist-blocked.png",
        "2-queue-filtered.png",
        "3-exception-waived.png",
        "4-checklist-ready.png",
        "5-checklist-signed-off.png",
    ]
    print(f"screenshots: {shots}")


def test_given_field_staff_when_they_look_up_a_job_then_they_see_spectrum_status_beside_the_work(
    desk_server, warehouse, browser_page, tmp_path
):
    page = browser_page
    paid = warehouse.rows(
        "select company_code, job_number, canonical_invoice_number from main.fct_invoices "
        "where spectrum_status = 'paid' and job_number is not null order by 1, 2, 3 limit 1"
    )[0]

    page.goto(desk_server + "/jobs")
    page.get_by_label("Job number or name").fill(paid["job_number"])
    page.get_by_role("button", name="Find").click()
    page.locator(f'a[href="/job?company={paid["company_code"]}&job={paid["job_number"]}"]').click()
    invoice = page.locator(f'tr[data-invoice="{paid["canonical_invoice_number"]}"]')

    assert "paid in Spectrum: do not chase" in invoice.inner_text()
    page.screenshot(path=tmp_path / "job-view.png", full_page=True)
