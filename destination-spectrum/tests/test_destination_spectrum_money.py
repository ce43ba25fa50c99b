"""Money parsing and splitting on amounts that are not round: half cents, splits that do not divide evenly.

Round test data lets a wrong rounding mode or a lost remainder cent pass unnoticed (issue 19), so every example
here sits on a half cent or leaves a remainder."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from destination_spectrum.documents import positive_lines
from destination_spectrum.mapping import Distribution
from destination_spectrum.money import MAX_AMOUNT, FieldError, spread, to_date, to_money
from destination_spectrum.records import Line


@pytest.mark.parametrize(
    ("raw", "cents"),
    [
        ("0.125", "0.13"),  # half-even would give 0.12
        ("2.345", "2.35"),  # half-even would give 2.34
        ("-0.125", "-0.13"),  # half up is away from zero, for credits too
        (2.675, "2.68"),  # the float's decimal text; Decimal(2.675) is 2.67499999... in binary and would give 2.67
        (1.005, "1.01"),  # likewise 1.00499999... in binary
        ("  19.994 ", "19.99"),
    ],
)
def test_given_an_amount_on_a_half_cent_when_parsed_then_it_rounds_half_up_from_its_decimal_text(raw, cents):
    assert to_money(raw, "amount") == Decimal(cents)


def test_given_no_amount_when_parsed_then_the_error_names_the_field_and_an_example():
    with pytest.raises(FieldError, match=r"field 'invoiceItems\[0\].amount' is missing; expected an amount such as"):
        to_money("", "invoiceItems[0].amount")
    assert to_money(None, "retainageAmount", required=False) is None


@pytest.mark.parametrize(
    ("total", "weights", "expected"),
    [
        ("10.00", ["1", "1", "1"], ["3.33", "3.33", "3.34"]),  # the remainder cent goes to the last line
        ("100.00", ["3", "3", "3"], ["33.33", "33.33", "33.34"]),
        ("0.05", ["1", "1"], ["0.03", "0.02"]),
        ("1.00", ["1", "2"], ["0.33", "0.67"]),  # each share half up, the last one absorbs the difference
        ("-10.00", ["300.00", "200.00", "100.00"], ["-5.00", "-3.33", "-1.67"]),  # a credit spread pro rata
    ],
)
def test_given_a_total_that_does_not_divide_evenly_when_spread_then_the_shares_sum_exactly_to_it(
    total, weights, expected
):
    shares = spread(Decimal(total), [Decimal(w) for w in weights])
    assert shares == [Decimal(x) for x in expected]
    assert sum(shares) == Decimal(total)


def test_given_amounts_either_side_of_the_limit_when_parsed_then_only_the_one_below_is_money():
    below = MAX_AMOUNT - Decimal("0.01")
    assert to_money(str(below), "amount") == below
    with pytest.raises(FieldError, match=r"field 'amount' is .*out of range \(amounts must be below 10\^16"):
        to_money(str(MAX_AMOUNT), "amount")
    with pytest.raises(FieldError, match="out of range"):
        to_money(str(-MAX_AMOUNT), "amount")


def test_given_date_times_with_and_without_an_offset_when_read_as_dates_then_the_utc_day_is_taken():
    evening_in_new_york = dt.datetime(2026, 11, 20, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    assert to_date(evening_in_new_york, "invoiceDate") == dt.date(2026, 11, 21)
    assert to_date(dt.datetime(2026, 11, 20, 23, 30), "invoiceDate") == dt.date(2026, 11, 20)  # naive = UTC
    assert to_date("2026-11-20T23:30:00-05:00", "invoiceDate") == dt.date(2026, 11, 21)


def test_given_a_discount_and_a_line_under_one_dollar_when_made_positive_then_only_the_negative_line_is_spread():
    where = Distribution("100", "L", "test")
    mapped = [
        (Line(1, "Filter", Decimal("0.50")), where),
        (Line(2, "Labor", Decimal("100.00")), where),
        (Line(3, "Discount", Decimal("-10.00")), where),
    ]
    kept = [line.amount for line, _ in positive_lines(mapped)]
    assert kept == [Decimal("0.45"), Decimal("90.05")]
    assert sum(kept) == Decimal("90.50")  # the document total is unchanged


def test_given_a_discount_of_exactly_one_dollar_when_made_positive_then_it_is_spread_too():
    where = Distribution("100", "L", "test")
    mapped = [
        (Line(1, "Labor", Decimal("30.00")), where),
        (Line(2, "Parts", Decimal("70.00")), where),
        (Line(3, "Discount", Decimal("-1.00")), where),
    ]
    assert [line.amount for line, _ in positive_lines(mapped)] == [Decimal("29.70"), Decimal("69.30")]


# --- documents built from non-round invoices (make mutate dest-money) ------------------------------------------


def ready(number: str, lines: list, *, tax: str = "0.00", retention: str = "0.00", percent: str = "0", day=None):
    from destination_spectrum.documents import ReadyInvoice
    from destination_spectrum.records import Invoice

    total = sum((line.amount for line, _ in lines), Decimal("0.00")) + Decimal(tax)
    invoice = Invoice(
        "invoices",
        f"key-{number}",
        "tenant-1",
        number,
        "job-1",
        "J100",
        "cust-1",
        "cust-1",
        day or dt.date(2026, 11, 25),
        None,
        "PO-7",
        total,
        Decimal(tax),
        Decimal(percent),
        Decimal(retention),
        tuple(line for line, _ in lines),
    )
    return ReadyInvoice(invoice, "MEC", "ACME", "J100", "SVC", "detail", tuple(lines))


def test_given_an_invoice_with_long_descriptions_tax_and_uneven_retention_when_built_then_spectrum_gets_exact_lines():
    from destination_spectrum.documents import detail_document

    parts, labor = Distribution("100", "M", "test"), Distribution("200", "L", "test")
    item = ready(
        "BO-1001",
        [
            (Line(1, "Condenser fan motor 1/3 HP 1075 RPM", Decimal("33.33")), parts),  # 35 characters
            (Line(2, "", Decimal("66.67"), product_code="LAB-STD"), labor),
            (Line(3, "", Decimal("0.01"), line_item_type="Fee"), labor),
        ],
        tax="7.01",
        retention="10.01",
        percent="10",
    )
    document = detail_document(item, "BO1001")
    assert [line.description for line in document.lines] == ["Condenser fan motor 1/3 HP 107", "LAB-STD", "Fee"]
    assert [line.retention_amount for line in document.lines] == [Decimal("3.34"), Decimal("6.67"), Decimal("0.00")]
    assert sum(line.retention_amount for line in document.lines) == Decimal("10.01")
    assert [line.sales_tax_amount for line in document.lines] == [Decimal("7.01"), Decimal("0.00"), Decimal("0.00")]
    assert [(line.phase_code, line.cost_type) for line in document.lines] == [("100", "M"), ("200", "L"), ("200", "L")]
    assert (document.number, document.remarks, document.customer_po) == ("BO1001", "BuildOps invoice BO-1001", "PO-7")
    assert (document.company_code, document.customer_code, document.job_number) == ("MEC", "ACME", "J100")
    assert document.retention_percent == Decimal("10") and document.invoice_date == dt.date(2026, 11, 25)


def test_given_service_tickets_of_one_day_when_summarised_then_lines_sum_per_phase_and_cost_type_to_the_cent():
    from destination_spectrum.documents import summary_document

    labor = Distribution("01-100-2000-HVAC", "LAB", "test")  # a long phase: the line text is cut to 30
    parts = Distribution("100", "M", "test")
    first = ready(
        "T-1",
        [(Line(1, "Labor", Decimal("100.01")), labor), (Line(2, "Part", Decimal("0.99")), parts)],
        tax="1.11",
        retention="5.55",
    )
    second = ready("T-2", [(Line(1, "Labor", Decimal("49.99")), labor)], tax="2.22", retention="2.50")
    document = summary_document([first, second], "S1125A")
    by_key = {(line.phase_code, line.cost_type): line for line in document.lines}
    assert by_key[("01-100-2000-HVAC", "LAB")].amount == Decimal("150.00")
    assert by_key[("100", "M")].amount == Decimal("0.99")
    assert sum(line.retention_amount for line in document.lines) == Decimal("8.05")
    # T-1's 5.55 splits 5.50 / 0.05 over 100.01 and 0.99; T-2's 2.50 is all labour
    assert [line.retention_amount for line in document.lines] == [Decimal("8.00"), Decimal("0.05")]
    assert [line.sales_tax_amount for line in document.lines] == [Decimal("3.33"), Decimal("0.00")]
    assert [line.description for line in document.lines] == [
        "Svc tickets 11/25 01-100-2000-",
        "Svc tickets 11/25 100 M",
    ]
    assert document.retention_percent == Decimal("5.33")  # 8.05 of 150.99, to the cent
    assert document.remarks == "BuildOps daily summary 2026-11-25: 2 service tickets"
    assert document.invoice_date == dt.date(2026, 11, 25) and document.number == "S1125A"


@pytest.mark.parametrize(
    "raw",
    [
        1795600000,
        1795600000000,
        "1795600000",
        " 1795600000000 ",
        1795600000.75,
        "2026-11-25",
        " 2026-11-25 ",
        "2026-11-25T09:46:40Z",
        "20261125T09",  # ISO 8601's basic form, 11 characters
        "2026-11-25T23:59:59.999-00:00",
        dt.date(2026, 11, 25),
        dt.datetime(2026, 11, 25, 23, 59),
    ],
)
def test_given_a_date_in_any_shape_buildops_sends_when_read_then_it_is_the_utc_day(raw):
    assert to_date(raw, "issuedDate") == dt.date(2026, 11, 25)


@pytest.mark.parametrize(
    ("raw", "said"),
    [
        (True, "is True; expected an amount such as 125.50"),
        ("12,50", "is '12,50'; expected an amount such as 125.50"),
        ("NaN", "is 'NaN'; expected a finite amount"),
        ("-Infinity", "is '-Infinity'; expected a finite amount"),
        (None, "is missing; expected an amount such as 125.50"),
    ],
)
def test_given_a_value_that_is_not_an_amount_when_parsed_then_the_error_names_the_field_and_what_was_sent(raw, said):
    with pytest.raises(FieldError) as caught:
        to_money(raw, "totalAmount")
    assert str(caught.value) == f"field 'totalAmount' {said}"
    assert caught.value.field == "totalAmount"


@pytest.mark.parametrize(
    ("raw", "said"),
    [
        (None, "is missing"),
        ("", "is missing"),
        ("25/11/2026", "is '25/11/2026'; expected an ISO 8601 date"),
        (False, "is False; expected an ISO 8601 date"),
        ([2026, 11, 25], "is [2026, 11, 25]; expected an ISO 8601 date"),
    ],
)
def test_given_a_value_that_is_not_a_date_when_read_then_the_error_names_the_field(raw, said):
    with pytest.raises(FieldError, match=rf"^field 'dueDate' {re.escape(said)}"):
        to_date(raw, "dueDate")


def test_given_nothing_to_spread_when_spread_then_zero_shares_one_per_weight():
    assert spread(Decimal("0.00"), [Decimal("1.10"), Decimal("2.20")]) == [Decimal("0.00"), Decimal("0.00")]
    assert spread(Decimal("5.00"), []) == []
    assert spread(Decimal("0.01"), [Decimal("1"), Decimal("1"), Decimal("1")]) == [
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("0.01"),
    ]


def test_given_a_posted_detail_document_when_recorded_then_the_ledger_keeps_number_amounts_and_what_was_posted():
    import json

    from destination_spectrum.documents import ar_outcomes, detail_document

    where = Distribution("100", "M", "test")
    long_text = "Replace condenser fan motor, 1/3 HP, 1075 RPM, 208-230 V, CW rotation"  # 70 characters
    item = ready("BO-1001", [(Line(1, long_text, Decimal("33.33")), where), (Line(2, "Labor", Decimal("0.67")), where)])
    document = detail_document(item, "BO1001")
    (outcome,), lines = ar_outcomes(document, [item], "posted", "", "TIEOUT01")
    assert (outcome.state, outcome.spectrum_document, outcome.spectrum_batch, outcome.company_code) == (
        "posted",
        "BO1001",
        "TIEOUT01",
        "MEC",
    )
    assert (outcome.posting_mode, outcome.summary_key, outcome.amount, outcome.posted_amount) == (
        "detail",
        "",
        Decimal("34.00"),
        Decimal("34.00"),
    )
    assert outcome.content_fingerprint and json.loads(outcome.posted_document)["number"] == "BO1001"
    assert [(line.line_no, line.description, line.amount) for line in lines] == [
        (1, long_text[:60], Decimal("33.33")),
        (2, "Labor", Decimal("0.67")),
    ]
    assert {(line.spectrum_document, line.phase_code, line.cost_type) for line in lines} == {("BO1001", "100", "M")}


def test_given_a_held_document_when_recorded_then_no_number_no_lines_and_nothing_counted_as_posted():
    from destination_spectrum.documents import ar_outcomes, detail_document

    item = ready("BO-1002", [(Line(1, "Labor", Decimal("10.01")), Distribution("100", "L", "test"))])
    (outcome,), lines = ar_outcomes(detail_document(item, "BO1002"), [item], "held", "job closed", "")
    assert (outcome.state, outcome.reason, outcome.spectrum_document, lines) == ("held", "job closed", "", [])
    assert (outcome.content_fingerprint, outcome.posted_amount, outcome.posted_document) == ("", None, "")
    assert outcome.amount == Decimal("10.01")


def test_given_a_posted_daily_summary_when_recorded_then_each_ticket_carries_the_summary_key_not_a_document():
    from destination_spectrum.documents import ar_outcomes, summary_document

    where = Distribution("100", "L", "test")
    tickets = [ready(n, [(Line(1, "Labor", Decimal(a)), where)]) for n, a in (("T-1", "10.01"), ("T-2", "20.02"))]
    outcomes, lines = ar_outcomes(summary_document(tickets, "S1125A"), tickets, "posted", "", "B1")
    assert [(o.source_key, o.summary_key, o.spectrum_document, o.posted_document) for o in outcomes] == [
        ("key-T-1", "MEC|ACME|J100|2026-11-25", "S1125A", ""),
        ("key-T-2", "MEC|ACME|J100|2026-11-25", "S1125A", ""),
    ]
    assert [line.source_key for line in lines] == ["key-T-1", "key-T-2"]


def test_given_a_daily_summary_of_one_ticket_when_recorded_then_it_is_still_a_summary():
    from dataclasses import replace

    from destination_spectrum.documents import ar_outcomes, summary_document

    ticket = replace(
        ready("T-1", [(Line(1, "Labor", Decimal("10.01")), Distribution("100", "L", "t"))]), mode="daily_summary"
    )
    (outcome,), _ = ar_outcomes(summary_document([ticket], "S1125A"), [ticket], "posted", "", "B1")
    assert (outcome.summary_key, outcome.posted_document, outcome.posting_mode) == (
        "MEC|ACME|J100|2026-11-25",
        "",
        "daily_summary",
    )


def test_given_an_invoice_that_passed_the_gates_when_something_tries_to_reroute_it_then_it_is_refused():
    # The gates decided company, customer, job and distribution together; nothing later may change one of them.
    import dataclasses

    item = ready("BO-1003", [(Line(1, "Labor", Decimal("10.01")), Distribution("100", "L", "test"))])
    with pytest.raises(dataclasses.FrozenInstanceError):
        item.job_number = "J200"  # type: ignore[misc]


def test_given_weights_that_sum_to_exactly_one_when_spread_then_shares_follow_the_weights():
    assert spread(Decimal("0.10"), [Decimal("0.40"), Decimal("0.60")]) == [Decimal("0.04"), Decimal("0.06")]
    assert spread(Decimal("5.00"), [Decimal("1")]) == [Decimal("5.00")]


def test_given_the_largest_amounts_the_ledger_holds_when_parsed_then_the_limit_is_ten_to_the_sixteenth():
    assert to_money("9999999999999999.99", "amount") == Decimal("9999999999999999.99")
    with pytest.raises(FieldError, match="out of range"):
        to_money("10000000000000000", "amount")
