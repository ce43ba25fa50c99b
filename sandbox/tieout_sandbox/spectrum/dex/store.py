"""The twin's database handle: reads from the SQLite file, writes Put batches to SQLite and, when `prepare`
was given a PostgreSQL DSN, to PostgreSQL too, so whichever database a connector reads sees them."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path


class Store:
    def __init__(self, data_dir: Path, postgres_dsn: str | None = None):
        folder = Path(data_dir) / "spectrum"
        config_path = folder / "database.json"
        config = json.loads(config_path.read_text(encoding="utf-8")) if config_path.exists() else {}
        self.sqlite_path = Path(config.get("sqlite_path") or folder / "spectrum.sqlite")
        if not self.sqlite_path.exists():
            from ..loader import prepare

            prepare(Path(data_dir), postgres_dsn=postgres_dsn)
        self.postgres_dsn = postgres_dsn or config.get("postgres_dsn")
        self._local = threading.local()
        self._write_lock = threading.Lock()

    def _sqlite(self) -> sqlite3.Connection:
        con = getattr(self._local, "con", None)
        if con is None:
            con = sqlite3.connect(self.sqlite_path, timeout=30, check_same_thread=False)
            con.row_factory = sqlite3.Row
            con.execute("PRAGMA synchronous=NORMAL")  # WAL (set by the loader) makes this safe and fast
            self._local.con = con
        return con

    def query(self, sql: str, params: tuple | list = ()) -> list[sqlite3.Row]:
        return self._sqlite().execute(sql, params).fetchall()

    def one(self, sql: str, params: tuple | list = ()):
        row = self._sqlite().execute(sql, params).fetchone()
        return row

    def insert_many(self, statements: list[tuple[str, dict]]) -> None:
        """[(table, row dict)] in one transaction per database."""
        with self._write_lock:
            con = self._sqlite()
            with con:
                for table, row in statements:
                    cols = list(row)
                    con.execute(
                        f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                        [row[c] for c in cols],
                    )
            if self.postgres_dsn:
                import psycopg

                with psycopg.connect(self.postgres_dsn) as pg, pg.cursor() as cur:
                    for table, row in statements:
                        cols = list(row)
                        cur.execute(
                            f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))})",
                            [row[c] for c in cols],
                        )

    def update(self, sql: str, params: list) -> int:
        with self._write_lock:
            con = self._sqlite()
            with con:
                count = con.execute(sql, params).rowcount
            if self.postgres_dsn:
                import psycopg

                with psycopg.connect(self.postgres_dsn) as pg, pg.cursor() as cur:
                    cur.execute(sql.replace("?", "%s"), params)
            return count
