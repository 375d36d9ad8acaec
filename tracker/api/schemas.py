"""What the API's answers hold (marshmallow schemas, which also make its OpenAPI description).
Codes are stored and sent as codes (`in_progress_overdue`); each has a `*_label` in the reader's
language, as the pages show it."""

from __future__ import annotations

from datetime import UTC

import marshmallow as ma

from tracker.accounts.permissions import can
from tracker.core.labels import label


def decimal_text(**kwargs) -> ma.fields.Decimal:
    """A decimal number sent as text ("12.5"), exact: as the description says it."""
    metadata = {"type": "string", "format": "decimal", "example": "12.5", **kwargs.pop("metadata", {})}
    return ma.fields.Decimal(as_string=True, metadata=metadata, **kwargs)


class Moment(ma.fields.DateTime):
    """A moment in UTC, as stored: the same whether it was just written (in the ward's time) or
    read back, so that a retry answers exactly what the first call did."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC)
        return super()._serialize(value, attr, obj, **kwargs)


class UnitRefSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    code = ma.fields.String(required=True)
    name = ma.fields.String(required=True)


class UnitSchema(UnitRefSchema):
    is_group = ma.fields.Boolean(
        required=True, metadata={"description": "A group of units (e.g. the ward's mass organisations)"}
    )
    active = ma.fields.Boolean(required=True)
    outside_apparatus = ma.fields.Boolean(required=True)
    members = ma.fields.List(ma.fields.Nested(UnitRefSchema), required=True)


class TaskRefSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    code = ma.fields.String(required=True)
    title = ma.fields.String(required=True)


def labelled(kind: str, attribute: str):
    """A code's label in the reader's language."""
    return ma.fields.Function(
        lambda obj: label(kind, _get(obj, attribute)) if _get(obj, attribute) else None,
        allow_none=True,
        metadata={"type": "string", "description": f"The {attribute} as the pages show it"},
    )


def _get(obj, attribute: str):
    return obj.get(attribute) if isinstance(obj, dict) else getattr(obj, attribute, None)


class PlanSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    code = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    issuer = ma.fields.String(required=True)
    start_year = ma.fields.Integer(required=True)
    end_year = ma.fields.Integer(required=True)
    ward_id = ma.fields.Integer(required=True)
    parent_id = ma.fields.Integer(allow_none=True, metadata={"description": "The five-year plan of a yearly plan"})


class PeriodSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    kind = ma.fields.String(required=True)
    kind_label = labelled("period_kind", "kind")
    year = ma.fields.Integer(required=True)
    starts_on = ma.fields.Date(required=True)
    ends_on = ma.fields.Date(required=True)
    unit_deadline = ma.fields.Date(required=True, metadata={"description": "When the units' reports are due"})
    ward_deadline = ma.fields.Date(required=True, metadata={"description": "When the ward's report is due"})


class UpdateSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    task = ma.fields.Nested(TaskRefSchema, required=True)
    unit = ma.fields.Nested(UnitRefSchema, required=True)
    author = ma.fields.Function(
        lambda u: u.author.full_name if u.author else None, allow_none=True, metadata={"type": "string"}
    )
    role = ma.fields.String(required=True, metadata={"description": "lead or partner"})
    percent = ma.fields.Integer(required=True)
    state = ma.fields.String(required=True)
    state_label = labelled("update_state", "state")
    results = ma.fields.String(allow_none=True)
    difficulties = ma.fields.String(allow_none=True)
    proposals = ma.fields.String(allow_none=True)
    corrects_id = ma.fields.Integer(allow_none=True, metadata={"description": "The update this one corrects"})
    correction_note = ma.fields.String(allow_none=True)
    created_at = Moment(required=True)
    # As the task page: a restricted file's name can itself be personal data ("Danh sách hộ nghèo
    # tổ 3"), so only the files the reader may open are named; the others are counted.
    evidence = ma.fields.Function(
        lambda u: [
            {"id": e.id, "name": e.original_name, "size": e.size, "visibility": e.visibility}
            for e in u.evidence
            if can("read_evidence", e)
        ],
        metadata={
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "name": {"type": "string"},
                    "size": {"type": "integer"},
                    "visibility": {"type": "string", "enum": ["restricted", "ward"]},
                },
            },
            "description": "The files attached that the reader may open (names, sizes); open them in the app",
        },
    )
    hidden_evidence = ma.fields.Function(
        lambda u: sum(1 for e in u.evidence if not can("read_evidence", e)),
        metadata={"type": "integer", "description": "Restricted files attached that the reader may not open"},
    )
