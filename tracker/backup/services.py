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
import gzip
import hashlib
import io
import json
import os
import sqlite3
import tarfile
import tempfile
import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import JSON, Date, DateTime, Numeric, create_engine, func, insert, select, text, update
from sqlalchemy.types import TypeDecorator

from tracker.core.changes import data_version
from tracker.core.time import utcnow
from tracker.extensions import db
from tracker.overview.models import SharedTotal
from tracker.progress.models import Evidence
from tracker.standing.stored import written_with_their_facts

FORMAT_VERSION = 1


class BackupRefused(Exception):
    """The backup cannot be taken or restored; the message says why."""


@dataclass
class BackupSummary:
    tables: dict[str, int]
    files: int
    revision: str | None


def _tables():
    # Parents before children. The data's versions are not data (a restore moves them on), and the
    # shared totals are kept under one of them: worked out again after a restore.
    return [table for table in db.metadata.sorted_tables if table not in (data_version, SharedTotal.__table__)]


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
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
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
    from tracker.core.database import wait_limit

    with wait_limit(3600), engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection:
        with connection.begin():
            connection.execute(text("SET TRANSACTION READ ONLY"))
            connection.execute(text("SET LOCAL statement_timeout = 0"))  # a whole table is one statement
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
            raise BackupRefused(_("uploaded file %(name)s is missing from %(folder)s", name=name, folder=upload_dir))
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
    table_files = {
        name: "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode()
        for name, rows in data.items()
    }
    # Every part carries its checksum, so a damaged backup is refused rather than restored altered.
    manifest["table_checksums"] = {name: hashlib.sha256(content).hexdigest() for name, content in table_files.items()}
    with tarfile.open(temporary, "w:gz") as archive:
        _add_bytes(archive, "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1).encode())
        for name, content in table_files.items():
            _add_bytes(archive, f"tables/{name}.jsonl", content)
        for name in files:
            archive.add(upload_dir / name, arcname=f"uploads/{name}")
    os.replace(temporary, path)  # a half-written backup never carries the final name
    return BackupSummary(manifest["tables"], len(files), revision)


def _read_archive(path: Path):
    """The backup's parts, each checked against its checksum; BackupRefused if anything is damaged."""
    try:
        # Decompressing the whole file checks gzip's own trailer (its CRC) as well.
        raw = gzip.decompress(Path(path).read_bytes())
        with tarfile.open(fileobj=io.BytesIO(raw), mode="r:") as archive:
            members = {member.name: archive.extractfile(member).read() for member in archive if member.isfile()}
        manifest = json.loads(members["manifest.json"])
    except (OSError, EOFError, KeyError, tarfile.TarError, ValueError, zlib.error) as error:
        raise BackupRefused(
            _("the backup file is damaged or is not a backup (%(error)s)", error=type(error).__name__)
        ) from None
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupRefused(_("backup format %(format)s is not supported", format=manifest.get("format")))
    checksums = manifest.get("table_checksums", {})
    tables, files = {}, {}
    try:
        for name in manifest["tables"]:
            content = members[f"tables/{name}.jsonl"]
            if hashlib.sha256(content).hexdigest() != checksums.get(name):
                raise BackupRefused(_("the table %(table)s in the backup is damaged", table=name))
            tables[name] = [json.loads(line) for line in content.decode().splitlines() if line.strip()]
        for name, checksum in manifest["files"].items():
            content = members[f"uploads/{name}"]
            if hashlib.sha256(content).hexdigest() != checksum:
                raise BackupRefused(_("uploaded file %(name)s in the backup is damaged", name=name))
            files[name] = content
    except (KeyError, ValueError, UnicodeDecodeError) as error:
        raise BackupRefused(_("the backup file is damaged (%(error)s)", error=type(error).__name__)) from None
    return manifest, tables, files


def restore_backup(path: Path) -> BackupSummary:
    """Restore into an empty database (migrated to the backup's revision) and empty storage.
    All or nothing: the files are put in place first, and removed again if the database refuses."""
    from tracker.core.database import long_statements

    manifest, tables, files = _read_archive(Path(path))
    with long_statements():
        return _restore(manifest, tables, files)


def _restore(manifest, tables, files) -> BackupSummary:
    connection = db.session.connection()
    revision = _revision(connection)
    if revision != manifest["revision"]:
        raise BackupRefused(
            _(
                "the database is at migration %(database)s and the backup at %(backup)s: migrate to the same revision first",
                database=revision,
                backup=manifest["revision"],
            )
        )
    for table in _tables():
        if db.session.scalar(select(func.count()).select_from(table)):
            raise BackupRefused(_("the database is not empty (table %(table)s has rows)", table=table.name))
    upload_dir = Path(current_app.config["UPLOAD_DIR"])
    upload_dir.mkdir(parents=True, exist_ok=True)
    if any(upload_dir.iterdir()):
        raise BackupRefused(_("the upload folder %(folder)s is not empty", folder=upload_dir))

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
    are filled in a second pass, so the order of rows never breaks a foreign key. The stored
    standings come back as they were backed up, with the facts they were computed from (a backup
    without them leaves them to be computed when a page first asks)."""
    with written_with_their_facts():
        _insert_tables(tables)


def _insert_tables(tables: dict[str, list[dict]]) -> None:
    for table in _tables():
        rows = tables.get(table.name, [])
        if not rows:
            continue
        self_refs = [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]
        decoded = [
            {column.name: _decode(column, row.get(column.name)) for column in table.columns if column.name in row}
            for row in rows
        ]
        first = [{**row, **{name: None for name in self_refs}} for row in decoded]
        for start in range(0, len(first), 500):
            db.session.execute(insert(table), first[start : start + 500])
        for row in decoded:
            values = {name: row[name] for name in self_refs if row.get(name) is not None}
            if values:
                key = {column.name: row[column.name] for column in table.primary_key.columns}
                db.session.execute(
                    update(table).where(*[table.c[name] == value for name, value in key.items()]).values(**values)
                )
    if db.session.get_bind().dialect.name == "postgresql":
        # Sequences continue after the restored ids.
        for table in _tables():
            if "id" in table.c and len(table.primary_key.columns) == 1:
                db.session.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), COALESCE((SELECT MAX(id) FROM \"{table.name}\"), 1), "
                        f'(SELECT MAX(id) FROM "{table.name}") IS NOT NULL)'
                    )
                )
