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
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from tracker.extensions import db

LOCK_NAMESPACE = 0x7472_6B01  # "trk" + 1


class SchedulerAlreadyRunning(RuntimeError):
    pass


@contextmanager
def scheduler_lock(app: Flask, wait: bool, poll_seconds: float = 5.0, on_wait=None):
    engine = db.engine
    if engine.dialect.name == "postgresql":
        # One lock per database (several installations may share a server), held by a connection
        # outside the pool so that closing it ends the session and frees the lock.
        lock = text("SELECT pg_try_advisory_lock(:namespace, hashtext(current_database()))")
        connection = create_engine(engine.url, poolclass=NullPool).connect()
        try:
            while not connection.execute(lock, {"namespace": LOCK_NAMESPACE}).scalar():
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
