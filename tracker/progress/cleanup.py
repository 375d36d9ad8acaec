"""Files in the upload folder that no evidence record points at.

They appear when a process dies between writing a file and committing its record (a killed
worker), or when a commit's outcome was unknown and it did not commit after all: the app never
deletes a file it cannot be sure is unused (tracker.progress.views). After a grace period, long
enough for any transaction in flight to have ended, `flask evidence clean` and the scheduler's
daily job remove them; /healthz reports how many are waiting and how much room is left.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from tracker.audit.services import record
from tracker.core.actor import Actor
from tracker.extensions import db
from tracker.progress.models import Evidence

_STORED = re.compile(r"[0-9a-f]{32}")
_PART = re.compile(r"\.[0-9a-f]{32}\.part")


@dataclass
class Orphans:
    names: list[str]
    size: int


# However it is configured, a file younger than this is never removed: a post may be committing.
MIN_GRACE = timedelta(hours=1)


def grace() -> timedelta:
    return max(MIN_GRACE, timedelta(hours=current_app.config["EVIDENCE_ORPHAN_GRACE_HOURS"]))


def find_orphans(now: datetime) -> Orphans:
    """Files older than the grace period that no evidence record names (and half-written files)."""
    folder = Path(current_app.config["UPLOAD_DIR"])
    if not folder.is_dir():
        return Orphans([], 0)
    # Files carry the machine's real times: the age is counted on the same clock, never on the
    # app's (which a test or a demo may have moved).
    cutoff = min(now.timestamp(), time.time()) - grace().total_seconds()
    candidates: dict[str, int] = {}
    with os.scandir(folder) as entries:
        for entry in entries:
            if not entry.is_file(follow_symlinks=False):
                continue
            if not (_STORED.fullmatch(entry.name) or _PART.fullmatch(entry.name)):
                continue  # not ours: left alone
            info = entry.stat(follow_symlinks=False)
            if info.st_mtime < cutoff:
                candidates[entry.name] = info.st_size
    stored = [name for name in candidates if _STORED.fullmatch(name)]
    used: set[str] = set()
    for start in range(0, len(stored), 500):
        chunk = stored[start : start + 500]
        used.update(db.session.scalars(select(Evidence.stored_name).where(Evidence.stored_name.in_(chunk))))
    names = sorted(name for name in candidates if name not in used)
    return Orphans(names, sum(candidates[name] for name in names))


def clean(now: datetime, actor: Actor, dry_run: bool = False) -> Orphans:
    """Remove the orphans (re-checked against the records just before each removal)."""
    orphans = find_orphans(now)
    if dry_run or not orphans.names:
        return orphans
    folder = Path(current_app.config["UPLOAD_DIR"])
    removed, size = [], 0
    for name in orphans.names:
        if _STORED.fullmatch(name) and db.session.scalar(select(Evidence.id).where(Evidence.stored_name == name)):
            continue  # committed meanwhile
        path = folder / name
        try:
            size += path.stat().st_size
            path.unlink()
        except FileNotFoundError:
            continue
        removed.append(name)
    if removed:
        record(actor, "evidence.clean", now, files=len(removed), bytes=size)
    return Orphans(removed, size)


@dataclass
class StorageReport:
    free_bytes: int | None
    orphan_files: int
    warnings: list[str]


_cached: dict[str, tuple[float, StorageReport]] = {}
REPORT_EVERY_SECONDS = 600


def storage_report(now: datetime, fresh: bool = False) -> StorageReport:
    """What /healthz says about the upload folder, worked out at most every ten minutes per
    process (a load balancer asks every few seconds; a folder of many files is slow to list)."""
    folder = current_app.config["UPLOAD_DIR"]
    cached = _cached.get(folder)
    if cached and not fresh and time.monotonic() - cached[0] < REPORT_EVERY_SECONDS:
        return cached[1]
    warnings = []
    try:
        Path(folder).mkdir(parents=True, exist_ok=True)
        free = shutil.disk_usage(folder).free
    except OSError:
        free = None
        warnings.append("the upload folder cannot be read")
    if free is not None and free < current_app.config["EVIDENCE_MAX_BYTES"]:
        warnings.append(f"the upload folder is full ({free // 1024} KB free): evidence files cannot be attached")
    orphans = find_orphans(now)
    if orphans.names:
        warnings.append(f"{len(orphans.names)} evidence files point at no update (run `flask evidence clean`)")
    report = StorageReport(free, len(orphans.names), warnings)
    _cached[folder] = (time.monotonic(), report)
    return report


def forget_report() -> None:
    _cached.clear()
