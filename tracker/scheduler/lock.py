"""Only one scheduler runs at a time.

On PostgreSQL the lock is a session advisory lock held on a connection of its own: if the process
dies, the connection closes and the lock is released, so a waiting scheduler takes over. The lock
also dies with its connection when the database restarts or the connection is cut, while the
process goes on: so the holder checks that it still holds the lock before each job and on every
heartbeat (`held()`), and stops running jobs the moment it does not (tracker.scheduler.cli then
waits to take it again). A waiting scheduler whose connection breaks connects again and keeps
waiting.

On SQLite (one machine) it is an exclusive lock on a file next to the database, released by the
operating system when the process ends; it cannot be lost while the process lives.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from pathlib import Path

from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from tracker.extensions import db

LOCK_NAMESPACE = 0x7472_6B01  # "trk" + 1
log = logging.getLogger("tracker.scheduler")

_TAKE = text("SELECT pg_try_advisory_lock(:namespace, hashtext(current_database()))")
# Whether this session still holds it (pg_locks: classid is the first key of a two-key lock).
_HOLDS = text(
    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = :namespace "
    "AND objsubid = 2 AND pid = pg_backend_pid() AND granted)"
)


class SchedulerAlreadyRunning(RuntimeError):
    pass


class SchedulerLock:
    def __init__(self, app: Flask, poll_seconds: float = 5.0, on_wait=None):
        self.app = app
        self.poll_seconds = poll_seconds
        self.on_wait = on_wait
        self._guard = threading.Lock()
        self._connection = None
        self._engine = None
        self._handle = None
        self.lost = False

    # --- taking and giving back ---------------------------------------------------------------

    def acquire(self, wait: bool) -> None:
        """Take the lock; with `wait`, wait for it as long as it takes, through lost connections."""
        self.lost = False
        with self.app.app_context():
            postgres = db.engine.dialect.name == "postgresql"
        told = False
        while True:
            try:
                if self._try_take() if postgres else self._try_take_file():
                    return
            except SQLAlchemyError as error:
                self._drop_connection()
                if not wait:
                    raise
                log.warning("scheduler lock: the database is not reachable (%s); trying again", type(error).__name__)
            else:
                if not wait:
                    raise SchedulerAlreadyRunning()
                if self.on_wait and not told:
                    self.on_wait()
                    told = True
            time.sleep(self.poll_seconds)

    def held(self) -> bool:
        """Whether this process still holds the lock (asks the database on PostgreSQL)."""
        if self._handle is not None:
            return True
        with self._guard:
            if self._connection is None:
                return False
            try:
                holds = bool(self._connection.execute(_HOLDS, {"namespace": LOCK_NAMESPACE}).scalar())
                self._connection.rollback()
            except SQLAlchemyError as error:
                log.warning("scheduler lock: its connection is gone (%s)", type(error).__name__)
                holds = False
            if not holds:
                self.lost = True
                self._drop_connection_locked()
            return holds

    def release(self) -> None:
        with self._guard:
            self._drop_connection_locked()
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    # --- PostgreSQL ---------------------------------------------------------------------------

    def _try_take(self) -> bool:
        from tracker.core.database import attach_limits

        with self._guard:
            if self._connection is None:
                with self.app.app_context():
                    url = db.engine.url
                    connect_args = {
                        "connect_timeout": self.app.config["DATABASE_CONNECT_TIMEOUT_SECONDS"],
                        "application_name": f"tracker-scheduler-{os.getpid()}",
                    }
                # One lock per database (several installations may share a server), held by a
                # connection outside the pool so that closing it ends the session and frees the lock.
                self._engine = create_engine(url, poolclass=NullPool, connect_args=connect_args)
                attach_limits(self._engine, float(self.app.config["DATABASE_WAIT_SECONDS"]))
                self._connection = self._engine.connect()
            taken = bool(self._connection.execute(_TAKE, {"namespace": LOCK_NAMESPACE}).scalar())
            self._connection.commit()
            return taken

    def _drop_connection(self) -> None:
        with self._guard:
            self._drop_connection_locked()

    def _drop_connection_locked(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            except SQLAlchemyError:
                pass
            self._connection = None
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    # --- SQLite -------------------------------------------------------------------------------

    def _try_take_file(self) -> bool:
        with self.app.app_context():
            engine = db.engine
            path = Path(self.app.instance_path) / "scheduler.lock"
            if engine.url.database and engine.url.database != ":memory:":
                path = Path(engine.url.database).with_suffix(".scheduler.lock")
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a+")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._handle = handle
        return True
