"""Incremental reads through the Airbyte protocol: the STATE a sync ends with makes the next sync read only
the lookback window, per company."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from airbyte_cdk.models import (
    AirbyteStateMessageSerializer,
    ConfiguredAirbyteCatalogSerializer,
)
from airbyte_cdk.test import entrypoint_wrapper
from source_spectrum.run import source


def catalog(stream: str) -> object:
    return ConfiguredAirbyteCatalogSerializer.load(
        {
            "streams": [
                {
                    "stream": {
                        "name": stream,
                        "json_schema": {},
                        "supported_sync_modes": ["full_refresh", "incremental"],
                    },
                    "sync_mode": "incremental",
                    "destination_sync_mode": "append_dedup",
                    "cursor_field": ["check_date"],
                }
            ]
        }
    )


def test_given_airbyte_state_when_second_sync_then_only_checks_inside_lookback_are_read(live):
    config = {**live.config("sql"), "lookback_days": 14}
    first = entrypoint_wrapper.read(source(), config, catalog("ap_payments"))
    rows = live.csv_rows("VN_PAYMENT_HISTORY_MC")
    assert len(first.records) == len(rows)
    final = first.state_messages[-1].state
    companies = final.stream.stream_state.companies
    newest = {c: max(r["Check_Date"] for r in rows if r["Company_Code"] == c) for c in ("MEC", "FPR")}
    assert {c: v["cursor"] for c, v in companies.items()} == {
        c: min(d, date.today().isoformat()) for c, d in newest.items()
    }

    state = [AirbyteStateMessageSerializer.load(AirbyteStateMessageSerializer.dump(final))]
    second = entrypoint_wrapper.read(source(), config, catalog("ap_payments"), state=state)

    def window(company: str) -> int:
        floor = (date.fromisoformat(companies[company]["cursor"]) - timedelta(days=14)).isoformat()
        return sum(1 for r in rows if r["Company_Code"] == company and r["Check_Date"] >= floor)

    got = Counter(m.record.data["company_code"] for m in second.records)
    assert got == {c: window(c) for c in ("MEC", "FPR") if window(c)}
    assert len(second.records) < len(first.records)
