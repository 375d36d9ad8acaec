"""Posting progress. Updates are never edited: a correction is a new update."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _

from tracker.audit.services import record
from tracker.core.actor import Actor
from tracker.extensions import db
from tracker.plan.models import Task
from tracker.progress import cleanup, storage
from tracker.progress.models import STATE_DONE, VISIBILITIES, VISIBILITY_RESTRICTED, Evidence, ProgressUpdate


class UpdateRefused(ValueError):
    """The update cannot be stored; the message says why."""


@dataclass
class UpdateInput:
    percent: int
    state: str
    results: str | None = None
    difficulties: str | None = None
    proposals: str | None = None
    correction_note: str | None = None
    # Who may open the update's evidence files: the narrower choice unless the officer says otherwise.
    visibility: str = VISIBILITY_RESTRICTED


def post_update(
    actor: Actor,
    task: Task,
    unit_id: int,
    role: str,
    data: UpdateInput,
    files: list,
    now: datetime,
    corrects: ProgressUpdate | None = None,
) -> tuple[ProgressUpdate, list[str]]:
    """Store a new update with its evidence files. Returns the update and the stored file names,
    which the caller removes if its transaction does not commit."""
    _check_update(task, unit_id, data, corrects)
    update = ProgressUpdate(
        task=task,
        unit_id=unit_id,
        author_id=actor.user_id,
        role=role,
        percent=data.percent,
        state=data.state,
        results=_clean(data.results),
        difficulties=_clean(data.difficulties),
        proposals=_clean(data.proposals),
        corrects=corrects,
        correction_note=_clean(data.correction_note) if corrects else None,
        created_at=now,
    )
    db.session.add(update)
    stored = _attach_evidence(update, files, data.visibility)
    record(
        actor,
        "progress.post",
        now,
        update,
        task=task.code,
        percent=data.percent,
        state=data.state,
        corrects=corrects.id if corrects else None,
        files=len(stored) or None,
        visibility=data.visibility if stored else None,
    )
    return update, stored


def _check_update(task: Task, unit_id: int, data: UpdateInput, corrects: ProgressUpdate | None) -> None:
    """Refuse (UpdateRefused) a correction of another unit's or task's update, a finished task
    below 100%, or no choice of who may open the files."""
    if corrects is not None and (corrects.task_id != task.id or corrects.unit_id != unit_id):
        raise UpdateRefused(_("A unit can only correct its own updates on the same task."))
    if data.state == STATE_DONE and data.percent != 100:
        raise UpdateRefused(_("A finished task is 100% complete."))
    if data.visibility not in VISIBILITIES:
        raise UpdateRefused(_("Choose who may open the evidence files."))


def _attach_evidence(update: ProgressUpdate, files: list, visibility: str) -> list[str]:
    """Store each file and attach it to the update. Returns the stored names; if one fails, those
    stored so far are removed."""
    stored: list[str] = []
    try:
        for file in files:
            saved = storage.save(file)
            stored.append(saved.stored_name)
            update.evidence.append(
                Evidence(
                    original_name=saved.original_name,
                    stored_name=saved.stored_name,
                    content_type=saved.content_type,
                    size=saved.size,
                    sha256=saved.sha256,
                    visibility=visibility,
                )
            )
    except Exception:
        storage.discard(stored)
        raise
    return stored


def record_storage_full(actor: Actor, now: datetime, task: Task) -> None:
    """The upload folder is full: the administrator reads it in the audit log (and /healthz says
    so). Committed on its own: the update it came with was not saved."""
    logging.getLogger("tracker.storage").error(
        "the upload folder is full: an evidence file of %s could not be saved", task.code
    )
    try:
        record(actor, "storage.full", now, task, task=task.code)
        db.session.commit()
        cleanup.forget_report()  # /healthz says so at its next call
    except Exception:  # noqa: BLE001 - telling the administrator must not hide the person's form
        db.session.rollback()


def record_evidence_read(actor: Actor, evidence: Evidence, now: datetime, allowed: bool = True) -> None:
    """Put an opening of an evidence file in the audit log: who (the actor), which file (the
    record), which task and update, and whose file. A refused attempt is logged as
    "evidence.refused". The file's name is left out: it can itself be personal data ("Danh sách
    hộ nghèo tổ 3 ...") and the log's readers include the admin, who does not open restricted files."""
    update = evidence.update
    record(
        actor,
        "evidence.read" if allowed else "evidence.refused",
        now,
        evidence,
        plan=update.task.plan.code,
        task=update.task.code,
        update=update.id,
        unit=update.unit.name,
        visibility=evidence.visibility,
    )


def _clean(text: str | None) -> str | None:
    text = (text or "").strip()
    return text or None
