"""SQL Server change data capture, modelled on the twin's SQLite database as plain change tables.

A real Spectrum on SQL Server keeps, for each table the DBA enabled capture on, a change table
`cdc.<TABLE>_v1_CT` (the instance name seen on a hosted install: spectrum-schema-evidence.md section 5) with
SQL Server's columns `__$start_lsn` (binary(10), the commit's log sequence number), `__$seqval` (order within
the commit), `__$operation` (1 delete, 2 insert, 3 update before image, 4 update after image) and
`__$update_mask`, then the captured columns. SQLite has no schemas, so the twin names the table
`cdc_<TABLE>_v1_CT` (source-spectrum's `odbc.cdc_table_pattern` says where to look), and triggers fill it:
each change takes the next number from a counter as its LSN, stored as a BLOB of 20 zero-padded hex digits
(SQLite 3.40 has no unhex() to make SQL Server's 10 raw bytes): it compares byte by byte in commit order, as
SQL Server's binary(10) does, and stays opaque to the connector. Rows loaded before capture was enabled have no
change rows, as on SQL Server. `load_sqlite` enables capture on CAPTURED.
"""

from __future__ import annotations

import sqlite3

from .schema import ALL_TABLES

# The history tables a hosted instance was seen capturing, among those source-spectrum reads incrementally.
CAPTURED = ("GL_DETAIL_MC", "CR_PAY_ADJUST_HISTORY_MC")
PATTERN = "cdc_{table}_v1_CT"
_COUNTER = "TIEOUT_CDC_LSN"


def change_table(table: str) -> str:
    return PATTERN.replace("{table}", table)


def enable_capture(con: sqlite3.Connection, table: str) -> str:
    """Create `table`'s change table and the triggers that fill it; returns the change table's name."""
    ct = change_table(table)
    columns = [name for name, _ in ALL_TABLES[table]]
    typed = ", ".join(f"{name} {sqltype}" for name, sqltype in ALL_TABLES[table])
    con.execute(f"CREATE TABLE IF NOT EXISTS {_COUNTER} (n INTEGER NOT NULL)")
    if con.execute(f"SELECT COUNT(*) FROM {_COUNTER}").fetchone()[0] == 0:
        con.execute(f"INSERT INTO {_COUNTER} VALUES (0)")
    con.execute(
        f"CREATE TABLE {ct} (__$start_lsn BLOB NOT NULL, __$seqval BLOB NOT NULL, __$operation INTEGER NOT NULL,"
        f" __$update_mask BLOB, {typed})"
    )
    con.execute(f"CREATE INDEX IX_{ct} ON {ct} (__$start_lsn)")
    lsn = f"CAST(printf('%020X', (SELECT n FROM {_COUNTER})) AS BLOB)"
    for event, operations in (
        ("INSERT", ((2, "NEW"),)),
        ("DELETE", ((1, "OLD"),)),
        ("UPDATE", ((3, "OLD"), (4, "NEW"))),
    ):
        rows = "; ".join(
            f"INSERT INTO {ct} VALUES ({lsn}, CAST(printf('%020X', {op}) AS BLOB), {op}, NULL,"
            f" {', '.join(f'{image}.{c}' for c in columns)})"
            for op, image in operations
        )
        con.execute(
            f"CREATE TRIGGER TR_{ct}_{event} AFTER {event} ON {table} BEGIN"
            f" UPDATE {_COUNTER} SET n = n + 1; {rows}; END"
        )
    return ct
