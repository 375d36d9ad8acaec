"""Posting progress on a task through the API: the task page's form and rules (who may post, a
finished task is 100%, a blocked one says what blocks it), its evidence files and its audit record."""

from __future__ import annotations

import marshmallow as ma
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user

from tracker.accounts.models import ROLE_OFFICER
from tracker.accounts.permissions import has_role, posting_role
from tracker.api.base import (
    IDEMPOTENCY,
    LARGEST_ID,
    bp,
    claim_idempotency_key,
    posted_fields,
    refuse,
    replayed_id,
    validated_form,
)
from tracker.api.plans import load_plan, load_task
from tracker.api.schemas import UpdateSchema
from tracker.core.database import commit
from tracker.core.http import actor
from tracker.core.submissions import taken
from tracker.core.time import now
from tracker.extensions import db
from tracker.progress import services, storage
from tracker.progress.forms import NotCorrectable, ProgressForm
from tracker.progress.models import STATE_WORKING, STATES, VISIBILITIES, VISIBILITY_RESTRICTED, ProgressUpdate


class UpdateInputSchema(ma.Schema):
    percent = ma.fields.Integer(required=True, validate=ma.validate.Range(0, 100))
    state = ma.fields.String(
        load_default=STATE_WORKING,
        validate=ma.validate.OneOf(STATES),
        metadata={"description": "done needs 100; blocked needs the difficulties"},
    )
    results = ma.fields.String(validate=ma.validate.Length(max=10000))
    difficulties = ma.fields.String(validate=ma.validate.Length(max=10000))
    proposals = ma.fields.String(validate=ma.validate.Length(max=10000))
    visibility = ma.fields.String(
        load_default=VISIBILITY_RESTRICTED,
        validate=ma.validate.OneOf(VISIBILITIES),
        metadata={
            "description": "Who may open the files: the task's units and the committee (restricted), or the ward"
        },
    )
    corrects = ma.fields.Integer(
        validate=ma.validate.Range(1, LARGEST_ID),
        metadata={"description": "The id of the unit's update on this task that this corrects"},
    )
    correction_note = ma.fields.String(
        validate=ma.validate.Length(max=2000), metadata={"description": "What it corrects (needed with corrects)"}
    )


class UpdateFilesSchema(UpdateInputSchema):
    evidence = ma.fields.List(
        ma.fields.Raw(metadata={"type": "string", "format": "binary"}),
        metadata={"description": "Evidence files (PDF, images, office documents), as on the task page"},
    )


@bp.post("/plans/<int:plan_id>/tasks/<code>/updates")
@bp.doc(
    parameters=[IDEMPOTENCY],
    requestBody={
        "required": True,
        "content": {
            "application/json": {"schema": UpdateInputSchema},
            "multipart/form-data": {"schema": UpdateFilesSchema},
        },
    },
)
@bp.response(201, UpdateSchema)
@bp.alt_response(
    200, schema=UpdateSchema, description="Sent before with this Idempotency-Key: what the first call created"
)
def post_update(plan_id: int, code: str):
    """Post progress on a task as the token's person's unit (an officer of a unit that leads it
    or supports it). JSON, or multipart/form-data to attach evidence files."""
    plan = load_plan(plan_id)
    node = load_task(plan, code)
    role = posting_role(current_user, node.task)
    if role is None and node.children and has_role(current_user, ROLE_OFFICER):  # a heading of the plan
        refuse(
            422,
            _(
                "%(code)s is a group of tasks: post progress on one of its tasks (%(first)s, ...).",
                code=node.task.code,
                first=node.children[0].task.code,
            ),
        )
    if role is None:
        refuse(403, _("Only an officer of a unit that leads or supports this task may post on it."))
    fields, files = posted_fields("evidence")
    errors = UpdateInputSchema().validate(fields)
    if errors:
        refuse(422, _("Some values are not valid: see errors."), errors)
    form = validated_form(ProgressForm, fields)
    corrects = _corrected(form, node.task)
    submission, first = claim_idempotency_key()
    if first is not None:
        return db.session.get(ProgressUpdate, replayed_id(first)), 200
    update = _store(node.task, role, form.update_input(), files, corrects)
    location = url_for("api.update_detail", plan_id=plan.id, update_id=update.id)
    taken(submission, location)
    commit()  # files that no row points at, if the commit's outcome is unknown, go with `flask evidence clean`
    return update, 201, {"Location": location}


def _corrected(form: ProgressForm, task) -> ProgressUpdate | None:
    try:
        return form.corrected_update(task)
    except NotCorrectable:
        refuse(
            422,
            _("Only your unit's own updates on this task can be corrected."),
            {"corrects": [_("Not one of your unit's updates on this task.")]},
        )


def _store(task, role: str, data: services.UpdateInput, files: list, corrects) -> ProgressUpdate:
    stored: list[str] = []
    try:
        update, stored = services.post_update(actor(), task, current_user.unit_id, role, data, files, now(), corrects)
        db.session.flush()
        return update
    except storage.EvidenceRejected as rejected:
        db.session.rollback()
        refuse(422, str(rejected), {"evidence": [str(rejected)]})
    except storage.StorageFull:
        db.session.rollback()
        services.record_storage_full(actor(), now(), task)
        refuse(
            503,
            _("The files could not be saved: the server's storage is full. Send the update without them, or later."),
        )
    except services.UpdateRefused as refused:
        db.session.rollback()
        refuse(422, str(refused))
    except Exception:
        db.session.rollback()
        storage.discard(stored)
        raise


@bp.get("/plans/<int:plan_id>/updates/<int:update_id>")
@bp.response(200, UpdateSchema)
def update_detail(plan_id: int, update_id: int):
    """One progress update."""
    plan = load_plan(plan_id)
    update = db.session.get(ProgressUpdate, update_id)
    if update is None or update.task.plan_id != plan.id:
        refuse(404, _("The plan has no update with this id."))
    return update
