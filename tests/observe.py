"""Watching another process from a test: what a database server says its sessions are doing, which files a
process holds open. Tests wait for these observable events, never for a lucky `sleep`, so that they hold on a
slow, loaded machine and fail when the event they need never happened."""

from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from backends import MARIADB_ADMIN, PG_ADMIN

DEADLINE_S = 180  # a loaded 2-core machine starts a Python process and reads an export well within this
# InnoDB refreshes its INFORMATION_SCHEMA transaction tables only when they were last read over 0.1 s ago:
# polled faster, MariaDB answers the same stale snapshot forever.
POLL_S = 0.2


def wait_until(predicate, what: str, deadline_s: float = DEADLINE_S, proc=None):
    """Poll `predicate` until it returns something truthy, and return that. Fails the test, saying `what`
    never happened, at the deadline or as soon as `proc` (a Popen) has ended."""
    end = time.monotonic() + deadline_s
    while True:
        found = predicate()
        if found:
            return found
        if proc is not None and proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"{what}: never seen, the process ended first (exit {proc.returncode}): "
                        f"{(err or b'')[-1500:].decode('utf-8', 'replace')}")
        if time.monotonic() > end:
            pytest.fail(f"{what}: never seen within {deadline_s} s")
        time.sleep(POLL_S)


@dataclass(frozen=True)
class Session:
    """A server session of the watched database that waits for a lock."""

    id: int  # PostgreSQL backend pid, MariaDB connection id
    query: str
    has_written: bool  # its transaction already changed rows (it is in the middle of its writes)


def _database(url: str) -> str:
    return url.split("/")[-1].split("?")[0]


class Server:
    """An administrator's view of one database on a PostgreSQL or MariaDB server."""

    def __init__(self, kind: str, database: str):
        self.kind = "postgresql" if kind.startswith("postgresql") else "mariadb"
        self.database = database
        admin = PG_ADMIN if self.kind == "postgresql" else MARIADB_ADMIN
        self.engine = create_engine(admin, isolation_level="AUTOCOMMIT")

    @classmethod
    def of(cls, backend) -> "Server":
        return cls(backend.kind, _database(backend.url))

    def close(self):
        self.engine.dispose()

    def lock_waiters(self) -> list[Session]:
        with self.engine.connect() as conn:
            if self.kind == "postgresql":
                rows = conn.execute(text(
                    "SELECT pid, query, backend_xid IS NOT NULL FROM pg_stat_activity "
                    "WHERE datname = :d AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"),
                    {"d": self.database}).all()
            else:
                rows = conn.execute(text(
                    "SELECT t.trx_mysql_thread_id, COALESCE(t.trx_query, ''), t.trx_rows_modified > 0 "
                    "FROM information_schema.INNODB_TRX t JOIN information_schema.PROCESSLIST p "
                    "ON p.ID = t.trx_mysql_thread_id WHERE t.trx_state = 'LOCK WAIT' AND p.DB = :d"),
                    {"d": self.database}).all()
        return [Session(int(r[0]), r[1] or "", bool(r[2])) for r in rows]

    def cut(self, session: Session) -> None:
        """The server drops that session's connection, as a restart or a network failure would."""
        with self.engine.connect() as conn:
            if self.kind == "postgresql":
                assert conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": session.id}).scalar()
            else:
                conn.execute(text(f"KILL CONNECTION {int(session.id)}"))


def opened_by(pid: int, path: Path) -> bool:
    """Whether process `pid` holds `path` open (Linux /proc)."""
    target = os.path.realpath(path)
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return False
    for fd in fds:
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}") == target:
                return True
        except OSError:
            continue
    return False


def hold_sqlite_commit(db_path: Path, table: str):
    """Keep a writer of this SQLite file from committing, and say once it has written: an open read transaction
    (its SHARED lock bars the EXCLUSIVE lock a commit needs) on `table`; the rollback journal appears with the
    first written page. Returns (seen, release)."""
    reader = sqlite3.connect(db_path, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute(f"SELECT count(*) FROM {table}").fetchall()
    journal = Path(str(db_path) + "-journal")
    return (lambda: journal.exists() and journal.stat().st_size > 0,
            lambda: (reader.execute("ROLLBACK"), reader.close()))
