"""Backups: a consistent snapshot of the database and the uploaded files, taken while the app
runs, and its restoration into an empty database and storage.

A backup is one .tar.gz file: `manifest.json` (format, schema revision, row counts, files with
their SHA-256), one JSON-lines file per table, and the uploaded files. Rows are written in a
database-neutral form, so a backup taken on SQLite restores on PostgreSQL and the other way round.
The snapshot is consistent: on PostgreSQL every table is read in one REPEATABLE READ transaction;
on SQLite the database file is first copied with SQLite's online backup. Uploaded files are never
changed once written, so copying the ones the snapshot refers to is consistent too.
"""
from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import sqlite3
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

from flask import current_app
from sqlalchemy import JSON, Date, DateTime, Numeric, create_engine, func, insert, select, text, update
from sqlalchemy.types import TypeDecorator

from tracker.core.time import utcnow
from tracker.extensions import db
from tracker.progress.models import Evidence

FORMAT_VERSION = 1


class BackupRefused(Exception):
    """The backup cannot be taken or restored; the message says why."""


@dataclass
class BackupSummary:
    tables: dict[str, int]
    files: int
    revision: str | None


def _tables():
    return db.metadata.sorted_tables  # parents before children


def _encode(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return value


def _decode(column, value):
    if value is None:
        return None
    column_type = column.type.impl if isinstance(column.type, TypeDecorator) else column.type
    if isinstance(column_type, DateTime):
        moment = datetime.fromisoformat(value)
        return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    if isinstance(column_type, Date):
        return date.fromisoformat(value)
    if isinstance(column_type, Numeric):
        return Decimal(value)
    if isinstance(column_type, JSON):
        return value
    return value


def _revision(connection) -> str | None:
    try:
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception:  # noqa: BLE001 - no migrations applied
        return None


def _read_snapshot(connection) -> tuple[dict[str, list[dict]], str | None]:
    data = {}
    for table in _tables():
        rows = connection.execute(select(table).order_by(*table.primary_key.columns)).mappings().all()
        data[table.name] = [{key: _encode(value) for key, value in row.items()} for row in rows]
    return data, _revision(connection)


def _snapshot():
    engine = db.engine
    if engine.dialect.name == "sqlite":
        # SQLite's online backup copies a consistent image while others keep writing.
        with tempfile.TemporaryDirectory() as folder:
            copy = Path(folder) / "snapshot.db"
            with sqlite3.connect(engine.url.database) as source, sqlite3.connect(copy) as target:
                source.backup(target)
            snapshot_engine = create_engine(f"sqlite:///{copy}")
            try:
                with snapshot_engine.connect() as connection:
                    return _read_snapshot(connection)
            finally:
                snapshot_engine.dispose()
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection:
        with connection.begin():
            connection.execute(text("SET TRANSACTION READ ONLY"))
            return _read_snapshot(connection)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(65536), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _add_bytes(archive: tarfile.TarFile, name: str, content: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(content)
    info.mtime = int(utcnow().timestamp())
    archive.addfile(info, io.BytesIO(content))


def create_backup(path: Path) -> BackupSummary:
    data, revision = _snapshot()
    upload_dir = Path(current_app.config["UPLOAD_DIR"])
    stored = [row["stored_name"] for row in data.get(Evidence.__tablename__, [])]
    files = {}
    for name in stored:
        source = upload_dir / name
        if not source.exists():
            raise BackupRefused(f"uploaded file {name} is missing from {upload_dir}")
        files[name] = _sha256(source)
    manifest = {
        "format": FORMAT_VERSION,
        "created_at": utcnow().isoformat(),
        "revision": revision,
        "tables": {name: len(rows) for name, rows in data.items()},
        "files": files,
    }
    path = Path(path)
    temporary = path.with_name(path.name + ".part")
    with tarfile.open(temporary, "w:gz") as archive:
        _add_bytes(archive, "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1).encode())
        for name, rows in data.items():
            _add_bytes(archive, f"tables/{name}.jsonl", "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode())
        for name in files:
            archive.add(upload_dir / name, arcname=f"uploads/{name}")
    os.replace(temporary, path)  # a half-written backup never carries the final name
    return BackupSummary(manifest["tables"], len(files), revision)


def _read_archive(path: Path):
    with tarfile.open(path, "r:gz") as archive:
        manifest = json.loads(archive.extractfile("manifest.json").read())
        if manifest.get("format") != FORMAT_VERSION:
            raise BackupRefused(f"backup format {manifest.get('format')} is not supported")
        tables = {}
        for name in manifest["tables"]:
            member = archive.extractfile(f"tables/{name}.jsonl")
            tables[name] = [json.loads(line) for line in member.read().decode().splitlines() if line.strip()]
        files = {name: archive.extractfile(f"uploads/{name}").read() for name in manifest["files"]}
    return manifest, tables, files


def restore_backup(path: Path) -> BackupSummary:
    """Restore into an empty database (migrated to the backup's revision) and empty storage.
    All or nothing: the files are put in place first, and removed again if the database refuses."""
    manifest, tables, files = _read_archive(Path(path))
    for name, content in files.items():
        if hashlib.sha256(content).hexdigest() != manifest["files"][name]:
            raise BackupRefused(f"uploaded file {name} in the backup is damaged")
    connection = db.session.connection()
    revision = _revision(connection)
    if revision != manifest["revision"]:
        raise BackupRefused(f"the database is at migration {revision}, the backup at {manifest['revision']}: migrate to the same revision first")
    for table in _tables():
        if db.session.scalar(select(func.count()).select_from(table)):
            raise BackupRefused(f"the database is not empty (table {table.name} has rows)")
    upload_dir = Path(current_app.config["UPLOAD_DIR"])
    upload_dir.mkdir(parents=True, exist_ok=True)
    clashes = [name for name in files if (upload_dir / name).exists()]
    if clashes:
        raise BackupRefused(f"the storage folder already holds {len(clashes)} of the backup's files")

    written = []
    try:
        for name, content in files.items():
            temporary = upload_dir / f".{name}.part"
            temporary.write_bytes(content)
            os.replace(temporary, upload_dir / name)
            written.append(upload_dir / name)
        _insert_all(tables)
    except Exception:
        for file in written:
            file.unlink(missing_ok=True)
        raise
    return BackupSummary({name: len(rows) for name, rows in tables.items()}, len(files), manifest["revision"])


def _insert_all(tables: dict[str, list[dict]]) -> None:
    """Insert every row with its own id. Columns that point into their own table (a task's parent)
    are filled in a second pass, so the order of rows never breaks a foreign key."""
    for table in _tables():
        rows = tables.get(table.name, [])
        if not rows:
            continue
        self_refs = [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]
        decoded = [{column.name: _decode(column, row.get(column.name)) for column in table.columns if column.name in row} for row in rows]
        first = [{**row, **{name: None for name in self_refs}} for row in decoded]
        for start in range(0, len(first), 500):
            db.session.execute(insert(table), first[start:start + 500])
        for row in decoded:
            values = {name: row[name] for name in self_refs if row.get(name) is not None}
            if values:
                key = {column.name: row[column.name] for column in table.primary_key.columns}
                db.session.execute(update(table).where(*[table.c[name] == value for name, value in key.items()]).values(**values))
    if db.session.get_bind().dialect.name == "postgresql":
        # Sequences continue after the restored ids.
        for table in _tables():
            if "id" in table.c and len(table.primary_key.columns) == 1:
                db.session.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), COALESCE((SELECT MAX(id) FROM \"{table.name}\"), 1), "
                    f"(SELECT MAX(id) FROM \"{table.name}\") IS NOT NULL)"
                ))


