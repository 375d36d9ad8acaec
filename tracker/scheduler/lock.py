"""Only one scheduler runs at a time.

On PostgreSQL the lock is a session advisory lock held on a connection of its own: if the process
dies, the connection closes and the lock is released, so a waiting scheduler takes over. On
SQLite (one machine) it is an exclusive lock on a file next to the database, released by the
operating system when the process ends.
"""
from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path

from flask import Flask
from sqlalchemy import text

from tracker.extensions import db

LOCK_KEY = 0x7472_6163_6B01  # "track" + 1


class SchedulerAlreadyRunning(RuntimeError):
    pass


@contextmanager
def scheduler_lock(app: Flask, wait: bool, poll_seconds: float = 5.0, on_wait=None):
    engine = db.engine
    if engine.dialect.name == "postgresql":
        connection = engine.connect()
        try:
            while not connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}).scalar():
                connection.rollback()
                if not wait:
                    raise SchedulerAlreadyRunning()
                if on_wait:
                    on_wait()
                time.sleep(poll_seconds)
            connection.commit()
            yield
        finally:
            connection.close()
        return
    path = Path(app.instance_path) / "scheduler.lock"
    if engine.url.database and engine.url.database != ":memory:":
        path = Path(engine.url.database).with_suffix(".scheduler.lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+")
    try:
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not wait:
                    raise SchedulerAlreadyRunning()
                if on_wait:
                    on_wait()
                time.sleep(poll_seconds)
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        handle.close()
