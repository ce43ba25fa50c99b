"""Streaming CSV writers for the Spectrum tables, counting rows and summing money as they go."""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from .schema import TABLES

# Columns whose totals go to truth.json (per table, overall and per company).
SUMMED = {
    "JC_TRANSACTION_HISTORY_MC": ("Tran_Amount", "Total_Hours"),
    "JC_PHASE_MASTER_MC": ("Original_Est_Cost",),
    "JC_PROJ_COST_HISTORY_MC": ("Amount",),
    "JC_JOB_PROGRESS_MC": ("Revised_Contract", "Cost_To_Date", "Estimated_Cost", "Projected_Cost"),
    "CR_INVOICE_HEADER_MC": ("Invoice_Extension", "Sales_Tax_Amount", "Retention_Amount"),
    "CR_INVOICE_DETAIL_MC": ("Line_Extension",),
    "CR_OPEN_ITEM_MC": ("Invoice_Amount", "Amount_Paid", "Invoice_Balance", "Retention_Balance"),
    "CR_PAY_ADJUST_HISTORY_MC": ("Payment_Amount", "Adjustment_Amount", "Retention_Paid"),
    "CR_BILLING_HEADER_MC": ("Complete_To_Date", "Retention_Amount", "Amount_Due"),
    "CR_BILL_DETAIL_MC": ("Scheduled_Value", "This_Period_Completed", "Retention_Amount"),
    "CR_CONTRACT_MASTER_MC": ("Revised_Contract", "Billed_To_Date", "Retention_Held"),
    "VN_GL_DISTRIBUTION_HEADER_MC": ("Invoice_Amount", "Retention_Amount"),
    "VN_GL_DISTRIBUTION_DETAIL_MC": ("Debit_Amount", "Credit_Amount"),
    "VN_OPEN_ITEMS_MC": ("Invoice_Amount", "Invoice_Balance", "Retention_Amount"),
    "VN_PAYMENT_HISTORY_MC": ("Payment_Amount",),
    "VN_SUBCONTRACT_MC": ("Original_Amount", "Total_Billed", "Retention_Balance"),
    "PR_TIME_CARD_HISTORY_MC": ("Hours", "Pay_Extension", "Burden_Amount"),
    "GL_DETAIL_MC": ("Amount",),
}


def fmt(value) -> str:
    kind = type(value)
    if kind is str:
        return value
    if value is None:
        return ""
    if kind is Decimal:
        return format(value, "f")
    if kind is dt.date:
        return value.isoformat()
    return str(value)


class TableWriter:
    def __init__(self, folder: Path, table: str):
        self.table = table
        self.columns = [name for name, _ in TABLES[table]]
        self._index = {name: i for i, name in enumerate(self.columns)}
        self._file = (folder / f"{table}.csv").open("w", newline="", encoding="utf-8")
        self._csv = csv.writer(self._file, lineterminator="\n")
        self._csv.writerow(self.columns)
        self.count = 0
        self._summed = [(name, self._index[name]) for name in SUMMED.get(table, ())]
        self.sums: dict[str, Decimal] = defaultdict(Decimal)
        self.sums_by_company: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))

    def write(self, row: dict) -> None:
        if self.count < 200:  # every row of a table comes from one code path: checking the first ones is enough
            unknown = row.keys() - self._index.keys()
            if unknown:
                raise KeyError(f"{self.table}: unknown columns {sorted(unknown)}")
        values = [row.get(name) for name in self.columns]
        self._account(values)
        self._csv.writerow([fmt(x) for x in values])

    def write_values(self, values: list) -> None:
        """Fast path for the big tables: values already in column order and formatted."""
        self._account(values)
        self._csv.writerow(values)

    def _account(self, values: list) -> None:
        self.count += 1
        if self._summed:
            company = values[0]
            for name, i in self._summed:
                value = values[i]
                if value not in (None, ""):
                    amount = value if isinstance(value, Decimal) else Decimal(value)
                    self.sums[name] += amount
                    self.sums_by_company[company][name] += amount

    def close(self) -> None:
        self._file.close()


class Tables:
    """One writer per Spectrum table under DIR/spectrum/."""

    def __init__(self, folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        self.writers = {table: TableWriter(folder, table) for table in TABLES}

    def __getitem__(self, table: str) -> TableWriter:
        return self.writers[table]

    def close(self) -> dict:
        counts, sums = {}, {}
        for table, writer in self.writers.items():
            writer.close()
            counts[table] = writer.count
            if writer._summed:
                sums[table] = {
                    name: {
                        "total": fmt(writer.sums.get(name, Decimal("0"))),
                        **{c: fmt(by[name]) for c, by in sorted(writer.sums_by_company.items())},
                    }
                    for name, _ in writer._summed
                }
        return {"counts": counts, "sums": sums}
