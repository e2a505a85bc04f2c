"""The job store: SQLite in WAL mode under the data folder (jobs, their stages, their events).

Every change is committed before it is acted on (a worker is started only once its stage is
recorded ``running``), so after a crash the store says what was going on. The server and its
worker processes open the same file; each thread has its own connection. Values are JSON text:
nothing read back is unpickled or executed.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Iterator

from faceplate.server.errors import JobNotFound

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY, seq INTEGER NOT NULL, created REAL NOT NULL, updated REAL NOT NULL,
    status TEXT NOT NULL, workspace TEXT NOT NULL, spec TEXT NOT NULL, error TEXT,
    cancel INTEGER NOT NULL DEFAULT 0, wait_until REAL NOT NULL DEFAULT 0, verdict TEXT);
CREATE TABLE IF NOT EXISTS stages (
    job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE, position INTEGER NOT NULL, name TEXT NOT NULL,
    status TEXT NOT NULL, started REAL, finished REAL, pid INTEGER, runs INTEGER NOT NULL DEFAULT 0,
    progress TEXT, metrics TEXT, preview TEXT, lines TEXT, outputs TEXT, error TEXT,
    PRIMARY KEY (job_id, name));
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT, job_id TEXT NOT NULL, stage TEXT, time REAL NOT NULL,
    kind TEXT NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS events_by_job ON events (job_id, id);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
STORE_SCHEMA = "JobStore.1"
JOB_FIELDS = ("status", "error", "cancel", "wait_until", "verdict")
STAGE_FIELDS = (
    "status",
    "started",
    "finished",
    "pid",
    "runs",
    "progress",
    "metrics",
    "preview",
    "lines",
    "outputs",
    "error",
)
JSON_FIELDS = ("progress", "metrics", "preview", "lines", "outputs")


class Store:
    def __init__(self, path: Path):
        self.path = Path(path)
        self._local = threading.local()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.connection().executescript(SCHEMA)  # idempotent; executescript commits on its own
        _add_verdict_column(self.connection())
        with self.transaction() as db:
            db.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (STORE_SCHEMA,))

    # --- connections -------------------------------------------------------------------------
    def connection(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=True)
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")  # committed means on disk: recovery trusts it
            db.execute("PRAGMA foreign_keys=ON")
            self._local.db = db
        return db

    def transaction(self):
        return _Transaction(self.connection())

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    # --- jobs --------------------------------------------------------------------------------
    def create_job(self, job_id: str, workspace: str, spec: dict, stages: list[str]) -> dict:
        now = time.time()
        with self.transaction() as db:
            seq = db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM jobs").fetchone()[0]
            db.execute(
                "INSERT INTO jobs (id, seq, created, updated, status, workspace, spec) VALUES (?,?,?,?,?,?,?)",
                (job_id, seq, now, now, "queued", workspace, json.dumps(spec)),
            )
            db.executemany(
                "INSERT INTO stages (job_id, position, name, status) VALUES (?,?,?,?)",
                [(job_id, i, name, "pending") for i, name in enumerate(stages)],
            )
            _insert_event(db, job_id, None, "job", {"status": "queued"})
        return self.get_job(job_id)

    def get_job(self, job_id: str) -> dict:
        db = self.connection()
        row = db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None:
            raise JobNotFound(f"no job {job_id!r}")
        stages = db.execute("SELECT * FROM stages WHERE job_id = ? ORDER BY position", (job_id,)).fetchall()
        last = db.execute("SELECT MAX(id) FROM events WHERE job_id = ?", (job_id,)).fetchone()[0]
        return _job_dict(row, stages, last or 0)

    def list_jobs(self, status: str | None = None, limit: int = 200) -> list[dict]:
        query = "SELECT id FROM jobs" + (" WHERE status = ?" if status else "") + " ORDER BY seq DESC LIMIT ?"
        ids = [r[0] for r in self.connection().execute(query, ((status,) if status else ()) + (limit,))]
        return [self.get_job(i) for i in ids]

    def job_ids(self, *statuses: str) -> list[str]:
        marks = ",".join("?" * len(statuses))
        rows = self.connection().execute(f"SELECT id FROM jobs WHERE status IN ({marks}) ORDER BY seq", statuses)
        return [r[0] for r in rows]

    def update_job(self, job_id: str, event: dict | None = None, **fields: Any) -> None:
        """Change a job's fields (and record ``event`` as a 'job' event) in one transaction."""
        assert set(fields) <= set(JOB_FIELDS), fields
        if fields.get("verdict") is not None:
            fields["verdict"] = json.dumps(fields["verdict"])
        with self.transaction() as db:
            _update(db, "jobs", "id = ?", (job_id,), fields | {"updated": time.time()})
            if event is not None:
                _insert_event(db, job_id, None, "job", event)

    def update_stage(self, job_id: str, stage: str, event: tuple[str, dict] | None = None, **fields: Any) -> None:
        assert set(fields) <= set(STAGE_FIELDS), fields
        with self.transaction() as db:
            _update(
                db,
                "stages",
                "job_id = ? AND name = ?",
                (job_id, stage),
                {k: json.dumps(v) if k in JSON_FIELDS and v is not None else v for k, v in fields.items()},
            )
            db.execute("UPDATE jobs SET updated = ? WHERE id = ?", (time.time(), job_id))
            if event is not None:
                _insert_event(db, job_id, stage, *event)

    def cancel_requested(self, job_id: str) -> bool:
        row = self.connection().execute("SELECT cancel FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return row is None or bool(row[0])  # a deleted job is as good as cancelled

    def delete_job(self, job_id: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM events WHERE job_id = ?", (job_id,))
            db.execute("DELETE FROM stages WHERE job_id = ?", (job_id,))
            db.execute("DELETE FROM jobs WHERE id = ?", (job_id,))

    # --- events ------------------------------------------------------------------------------
    def add_event(self, job_id: str, stage: str | None, kind: str, data: dict) -> int:
        with self.transaction() as db:
            return _insert_event(db, job_id, stage, kind, data)

    def events(self, job_id: str, after: int = 0, limit: int = 500) -> list[dict]:
        rows = self.connection().execute(
            "SELECT * FROM events WHERE job_id = ? AND id > ? ORDER BY id LIMIT ?", (job_id, after, limit)
        )
        return [_event_dict(r) for r in rows]

    def last_events(self, job_id: str, kinds: tuple[str, ...], count: int) -> list[dict]:
        """The job's latest ``count`` events of these kinds, oldest first (the dashboard's log tail)."""
        marks = ",".join("?" * len(kinds))
        rows = (
            self.connection()
            .execute(
                f"SELECT * FROM events WHERE job_id = ? AND kind IN ({marks}) ORDER BY id DESC LIMIT ?",
                (job_id, *kinds, count),
            )
            .fetchall()
        )
        return [_event_dict(r) for r in reversed(rows)]


class _Transaction:
    """``with store.transaction() as db``: BEGIN IMMEDIATE (writers queue up, no deadlock), commit or roll back."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, kind, exc, tb) -> None:
        self.db.execute("COMMIT" if kind is None else "ROLLBACK")


def _add_verdict_column(db: sqlite3.Connection) -> None:
    """A store made before jobs had a QC verdict gets the column (empty: no verdict yet)."""
    if "verdict" not in {row[1] for row in db.execute("PRAGMA table_info(jobs)")}:
        db.execute("ALTER TABLE jobs ADD COLUMN verdict TEXT")


def _update(db: sqlite3.Connection, table: str, where: str, key: tuple, fields: dict) -> None:
    if not fields:
        return
    sets = ", ".join(f"{name} = ?" for name in fields)
    if db.execute(f"UPDATE {table} SET {sets} WHERE {where}", (*fields.values(), *key)).rowcount == 0:
        raise JobNotFound(f"no job {key[0]!r}")


def _insert_event(db: sqlite3.Connection, job_id: str, stage: str | None, kind: str, data: dict) -> int:
    cursor = db.execute(
        "INSERT INTO events (job_id, stage, time, kind, data) VALUES (?,?,?,?,?)",
        (job_id, stage, time.time(), kind, json.dumps(data, default=str)),
    )
    return cursor.lastrowid


def _event_dict(row: sqlite3.Row) -> dict:
    return {
        "id": row["id"],
        "stage": row["stage"],
        "time": row["time"],
        "kind": row["kind"],
        "data": json.loads(row["data"]),
    }


def _job_dict(row: sqlite3.Row, stages: Iterator[sqlite3.Row], last_event: int) -> dict:
    stage_list = [_stage_dict(s) for s in stages]
    current = next((s["name"] for s in stage_list if s["status"] == "running"), None)
    return {
        "id": row["id"],
        "status": row["status"],
        "created": row["created"],
        "updated": row["updated"],
        "workspace": row["workspace"],
        "error": row["error"],
        "cancel_requested": bool(row["cancel"]),
        "wait_until": row["wait_until"],
        "spec": json.loads(row["spec"]),
        "stages": stage_list,
        "current_stage": current,
        "verdict": json.loads(row["verdict"]) if row["verdict"] else None,
        "last_event": last_event,
    }


def _stage_dict(row: sqlite3.Row) -> dict:
    out = {k: row[k] for k in ("name", "status", "started", "finished", "runs", "error")}
    for key in JSON_FIELDS:
        out[key] = json.loads(row[key]) if row[key] is not None else None
    return out
