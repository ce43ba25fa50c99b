import datetime as dt
from collections.abc import Iterator

import pytest
from source_spectrum.catalog import SQL_STREAMS, spec_for
from source_spectrum.config import SpectrumConfig
from source_spectrum.normalize import RecordBuilder, RowKeys
from source_spectrum.streams import build_streams
from source_spectrum.transports.sql import cursor_parameter, select_sql
from spectrum_client import DatabaseUnreachable, ServiceNotAuthorized
from tieout_core import Checkpoint, ConfigError, TransientError


def test_given_stream_when_sql_built_then_keys_trimmed_and_values_are_parameters():
    sql = select_sql(spec_for("ar_invoices", "sql"), incremental=False)
    assert sql.startswith("SELECT LTRIM(RTRIM(Company_Code)) AS Company_Code, LTRIM(RTRIM(Customer_Code))")
    assert "Remarks," in sql and "LTRIM(RTRIM(Remarks))" not in sql
    assert sql.endswith("FROM CR_INVOICE_HEADER_MC WHERE Company_Code = ?")
    assert "?" in select_sql(spec_for("gl_detail", "sql"), incremental=True).split("Tran_Date >= ")[1]


def test_given_text_date_cursor_when_parameterised_then_yyyymmdd_text_else_date():
    day = dt.date(2024, 3, 7)
    assert cursor_parameter(spec_for("job_cost_transactions", "sql"), day) == "20240307"
    assert cursor_parameter(spec_for("gl_detail", "sql"), day) == day


def test_given_raw_sqlite_row_when_built_then_conventions_applied():
    builder = RecordBuilder(spec_for("job_cost_transactions", "sql").columns)
    record = builder.build(
        {
            "job_number": "     40001",
            "tran_date_text": "20251117",
            "tran_amount": "16.0",
            "quantity": "6.0000",
            "detail_sequence": "2",
            "description": "Pipe & Fitting   ",
            "employee_name": " ",
        },
        "MEC",
    )
    assert record["company_code"] == "MEC"
    assert record["job_number"] == "40001"
    assert record["tran_date_text"] == "2025-11-17"
    assert record["tran_amount"] == 16.0 and repr(record["tran_amount"]) == "16.0"
    assert record["quantity"] == 6.0 and record["detail_sequence"] == 2
    assert record["description"] == "Pipe & Fitting" and record["employee_name"] is None


def test_given_social_security_number_when_built_then_only_last_four_leave():
    builder = RecordBuilder(spec_for("vendors", "sql").columns)
    assert builder.build({"social_sec_number": "123-45-6789"}, "MEC")["social_sec_number"] == "*****6789"


def test_given_identical_time_cards_when_keyed_then_both_kept_with_stable_keys():
    row = {"employee_code": "1016", "hours": 1.0, "company_code": "FPR"}
    first = [RowKeys().add(dict(row)) for _ in range(1)]
    keys = RowKeys()
    twice = [keys.add(dict(row))["row_key"], keys.add(dict(row))["row_key"]]
    assert twice[0] != twice[1]
    assert first[0]["row_key"] == twice[0]


class FakeTransport:
    name = "sql"

    def __init__(self, rows: dict[str, list[dict]], error: Exception | None = None, open_from=None):
        self.rows = rows
        self.error = error
        self.calls: list[tuple[str, str, dt.date | None]] = []
        self.opened: dict[str, dt.date] = open_from or {}

    def open_from(self, company_code):
        return self.opened.get(company_code)

    @property
    def streams(self):
        return SQL_STREAMS

    def check(self, company_codes):
        return None

    def read_batches(self, spec, company_code, since) -> Iterator[tuple]:
        self.calls.append((spec.name, company_code, since))
        if self.error:
            raise self.error
        for row in self.rows.get(company_code, []):
            if since is None or row["gl_date"] >= since.isoformat():
                record = {**row, "company_code": company_code, "tran_date": row["gl_date"]}
                yield tuple(record), [tuple(record.values())]

    def close(self):
        return None


def config(**kw):
    return SpectrumConfig.parse(
        {
            "transport": "sql",
            "companies": ["MEC", "FPR"],
            "odbc": {"driver": "SQLite3", "database": "/x"},
            "start_date": "2024-01-01",
            "lookback_days": 3,
            **kw,
        }
    )


def gl_stream(transport, cfg):
    return next(d for d in build_streams(cfg, transport) if d.name == "gl_detail")


def test_given_no_state_when_incremental_read_then_from_start_date_and_checkpoint_per_company():
    transport = FakeTransport(
        {"MEC": [{"gl_date": "2024-02-01"}, {"gl_date": "2024-02-10"}], "FPR": [{"gl_date": "2024-01-15"}]}
    )
    items = list(gl_stream(transport, config()).read({}))
    assert [c[2] for c in transport.calls] == [dt.date(2024, 1, 1)] * 2
    checkpoints = [i.state for i in items if isinstance(i, Checkpoint)]
    assert checkpoints == [
        {"companies": {"MEC": {"cursor": "2024-02-10"}}},
        {"companies": {"MEC": {"cursor": "2024-02-10"}, "FPR": {"cursor": "2024-01-15"}}},
    ]
    # a checkpoint only follows the records it accounts for
    assert isinstance(items[2], Checkpoint) and not isinstance(items[1], Checkpoint)


def test_given_state_when_incremental_read_then_lookback_applied_and_start_date_is_a_floor():
    transport = FakeTransport({"MEC": [{"gl_date": "2024-02-10"}]})
    state = {"companies": {"MEC": {"cursor": "2024-02-10"}, "FPR": {"cursor": "2024-01-02"}}}
    list(gl_stream(transport, config()).read(state))
    assert [c[2] for c in transport.calls] == [dt.date(2024, 2, 7), dt.date(2024, 1, 1)]


def test_given_no_lookback_days_when_incremental_read_then_from_the_open_period_or_62_days_without_one():
    cfg = SpectrumConfig.parse(
        {
            "transport": "sql",
            "companies": ["MEC", "FPR"],
            "odbc": {"driver": "SQLite3", "database": "/x"},
            "start_date": "2020-01-01",
        }
    )
    transport = FakeTransport({}, open_from={"MEC": dt.date(2024, 1, 1)})
    state = {"companies": {"MEC": {"cursor": "2024-02-10"}, "FPR": {"cursor": "2024-02-10"}}}
    list(gl_stream(transport, cfg).read(state))
    assert [c[2] for c in transport.calls] == [dt.date(2024, 1, 1), dt.date(2024, 2, 10) - dt.timedelta(days=62)]


def test_given_post_dated_entry_when_checkpointed_then_watermark_capped_at_today():
    transport = FakeTransport({"MEC": [{"gl_date": "2999-01-01"}]})
    items = list(gl_stream(transport, config(companies=["MEC"])).read({}))
    assert items[-1].state["companies"]["MEC"]["cursor"] == dt.date.today().isoformat()


@pytest.mark.parametrize(
    ("error", "kind"),
    [(ServiceNotAuthorized("GetJob not built"), ConfigError), (DatabaseUnreachable("down"), TransientError)],
)
def test_given_client_error_when_reading_then_connector_error_of_right_kind_with_same_message(error, kind):
    stream = gl_stream(FakeTransport({}, error=error), config())
    with pytest.raises(kind, match=str(error)):
        list(stream.read({}))


def test_given_columns_the_table_lacks_when_the_select_is_built_then_they_are_selected_as_null_under_their_names():
    spec = spec_for("jobs", "sql")
    sql = select_sql(spec, incremental=False, missing=frozenset({"Estimator", "Customer_Code"}))
    assert "NULL AS Estimator" in sql and "NULL AS Customer_Code" in sql
    assert "LTRIM(RTRIM(Job_Number)) AS Job_Number" in sql and ", Estimator," not in sql
