"""Reading YAML nodes (not constructed objects) into typed fields, so that every error names its line."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import yaml
from flask_babel import gettext as _

from tracker.planfile.schema import (
    PlanFileProblem,
)

STR_TAG = "tag:yaml.org,2002:str"
NULL_TAG = "tag:yaml.org,2002:null"
INT_TAG = "tag:yaml.org,2002:int"
FLOAT_TAG = "tag:yaml.org,2002:float"


class YamlFields:
    """Reading one YAML node into a typed field. Every problem is collected with the line it is on;
    a field in error reads as None so that reading goes on and finds the other problems."""

    def __init__(self):
        self.problems: list[PlanFileProblem] = []
        self._constructor = yaml.SafeLoader("")

    # -- generic helpers

    def error(self, node, message: str) -> None:
        line = node.start_mark.line + 1 if node is not None else None
        self.problems.append(PlanFileProblem(line, message))

    @staticmethod
    def is_null(node) -> bool:
        return node is None or (isinstance(node, yaml.ScalarNode) and node.tag == NULL_TAG)

    def mapping(self, node, what: str, required: tuple = (), optional: tuple = ()) -> dict | None:
        """The mapping's fields by name; reports unknown, repeated and missing fields."""
        if not isinstance(node, yaml.MappingNode):
            self.error(node, _("%(what)s must be a mapping of fields", what=what))
            return None
        fields = {}
        allowed = set(required) | set(optional)
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key is None or key not in allowed:
                self.error(key_node, _('unknown field "%(field)s" in %(what)s', field=key, what=what))
            elif key in fields:
                self.error(key_node, _('field "%(field)s" appears twice in %(what)s', field=key, what=what))
            else:
                fields[key] = value_node
        for key in required:
            if key not in fields or self.is_null(fields[key]):
                self.error(node, _('missing field "%(field)s" in %(what)s', field=key, what=what))
        return fields

    def sequence(self, node, what: str) -> list:
        if self.is_null(node):
            return []
        if not isinstance(node, yaml.SequenceNode):
            self.error(node, _("%(what)s must be a list", what=what))
            return []
        return node.value

    def scalar(self, node, what: str):
        if not isinstance(node, yaml.ScalarNode):
            self.error(node, _("%(what)s must be a single value", what=what))
            return None
        return node

    def text(self, fields: dict, key: str, what: str) -> str | None:
        node = fields.get(key)
        if self.is_null(node) or self.scalar(node, what) is None:
            return None
        value = node.value.strip()
        if not value:
            self.error(node, _("%(what)s is empty", what=what))
            return None
        return value

    def text_list(self, fields: dict, key: str, what: str) -> list[str]:
        values = []
        for item in self.sequence(fields.get(key), what):
            if self.scalar(item, what) is not None and item.value.strip():
                values.append(item.value.strip())
        return values

    def integer(self, fields: dict, key: str, what: str) -> int | None:
        node = fields.get(key)
        if self.is_null(node) or self.scalar(node, what) is None:
            return None
        if node.tag != INT_TAG:
            self.error(node, _('%(what)s must be a whole number, not "%(value)s"', what=what, value=node.value))
            return None
        return self._constructor.construct_object(node)

    def decimal(self, fields: dict, key: str, what: str) -> Decimal | None:
        node = fields.get(key)
        if self.is_null(node) or self.scalar(node, what) is None:
            return None
        if node.tag not in (INT_TAG, FLOAT_TAG):
            self.error(node, _('%(what)s must be a number, not "%(value)s"', what=what, value=node.value))
            return None
        try:
            value = Decimal(node.value.replace("_", ""))
        except InvalidOperation:
            self.error(node, _('%(what)s must be a number, not "%(value)s"', what=what, value=node.value))
            return None
        if not value.is_finite():
            self.error(node, _('%(what)s must be a number, not "%(value)s"', what=what, value=node.value))
            return None
        return value

    def boolean(self, fields: dict, key: str, what: str) -> bool:
        node = fields.get(key)
        if self.is_null(node) or self.scalar(node, what) is None:
            return False
        if node.tag != "tag:yaml.org,2002:bool":
            self.error(node, _('%(what)s must be true or false, not "%(value)s"', what=what, value=node.value))
            return False
        return self._constructor.construct_object(node)

    def date(self, fields: dict, key: str, what: str) -> date | None:
        node = fields.get(key)
        if self.is_null(node) or self.scalar(node, what) is None:
            return None
        try:
            value = date.fromisoformat(node.value.strip())
        except ValueError:
            self.error(
                node,
                _(
                    '"%(value)s" is not a valid date for %(what)s (write it as YYYY-MM-DD, e.g. 2026-06-10)',
                    value=node.value,
                    what=what,
                ),
            )
            return None
        if isinstance(value, datetime):  # pragma: no cover - fromisoformat on date never returns one
            value = value.date()
        return value

    def code(self, fields: dict, key: str, what: str, pattern: re.Pattern, example: str) -> str | None:
        value = self.text(fields, key, what)
        if value is not None and not pattern.match(value):
            self.error(
                fields[key],
                _(
                    '"%(value)s" is not a valid %(what)s (expected something like %(example)s)',
                    value=value,
                    what=what,
                    example=example,
                ),
            )
            return None
        return value

    # -- the document
