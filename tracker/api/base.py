"""The JSON API's frame (/api/v1): signing in by token, errors as JSON, the rate limit, ETags,
pages of lists and idempotency keys. The endpoints are in the other modules of tracker.api; each
loads, checks with the same rules as the pages (tracker.accounts.permissions) and acts through the
same services, which write the same audit records.

flask-smorest describes the endpoints (OpenAPI 3) from the code: their marshmallow schemas,
arguments and responses. It is an extension of a plain Flask app (the pages stay as they are),
while APIFlask would replace the app's class.
"""

from __future__ import annotations

import re
import threading
import time
from collections import defaultdict

import flask_smorest
import marshmallow as ma
from flask import Flask, current_app, g, jsonify, request
from flask_babel import gettext as _
from flask_login import AnonymousUserMixin
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import HTTPException

from tracker.accounts.tokens import token_user
from tracker.api.messages import translate_errors
from tracker.core.text import CONTROL_CHARACTERS, clean_text
from tracker.core.time import now
from tracker.extensions import db

PREFIX = "/api/v1"
PER_PAGE, MAX_PER_PAGE = 50, 200
MAX_PAGE = 1_000_000  # a page past every list, but within what a database offset holds


class Blueprint(flask_smorest.Blueprint):
    # An argument or a field not described (a misspelt `stauts=`) is refused, not silently ignored.
    ARGUMENTS_PARSER = FlaskParser(unknown=ma.RAISE)


bp = Blueprint(
    "api", __name__, url_prefix=PREFIX, description="The plan's data, read and written with a personal token."
)


# --- errors ---------------------------------------------------------------------------------


class ErrorSchema(ma.Schema):
    code = ma.fields.String(
        required=True, metadata={"description": "What went wrong, for a program: not_found, invalid, ..."}
    )
    message = ma.fields.String(required=True, metadata={"description": "What went wrong and what to do, for a person"})
    errors = ma.fields.Dict(metadata={"description": "For an invalid request: each field and what is wrong with it"})


class ApiError(HTTPException):
    """An error the API answers as JSON: the HTTP status, a code for programs, a message for people."""

    def __init__(self, status: int, code: str, message: str, errors: dict | None = None, headers: dict | None = None):
        super().__init__(message)
        self.code = status
        self.error_code = code
        self.message = message
        self.errors = errors
        self.extra_headers = headers or {}


# The HTTP statuses the API answers with, and the code a program reads for each.
CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    412: "precondition_failed",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    428: "precondition_required",
    429: "too_many_requests",
    500: "server_error",
    503: "unavailable",
}


def _default_message(status: int) -> str:
    messages = {
        400: _("The request could not be read. Send JSON (or a multipart form where files are sent)."),
        401: _("Send a valid API token: the header Authorization: Bearer <token>. Make one on your profile page."),
        403: _("Your account may not do this."),
        404: _("There is nothing at this address, or you may not see it."),
        405: _("This address does not take this method."),
        413: _("The request is too large."),
        415: _("Send the body as JSON (application/json)."),
        429: _("Too many requests. Wait and try again."),
        500: _("Something went wrong on the server. It has been logged; try again later."),
        503: _("The database is not available at the moment. Try again in a minute."),
    }
    return messages.get(status, _("The request could not be done."))


def error_response(error: HTTPException):
    status = error.code or 500
    if isinstance(error, ApiError):
        code, message, errors, headers = error.error_code, error.message, error.errors, dict(error.extra_headers)
    else:
        data = getattr(error, "data", None) or {}
        errors = _field_errors(data.get("messages") or data.get("errors"))
        code = CODES.get(status, "error")
        message = _("Some values are not valid: see errors.") if errors else _default_message(status)
        headers = dict(data.get("headers") or {})
    if status == 401:
        headers.setdefault("WWW-Authenticate", 'Bearer realm="api"')
    if status == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    payload = {"code": code, "message": str(message)}
    if errors:
        payload["errors"] = translate_errors(errors)
    response = jsonify(payload)
    response.status_code = status
    response.headers.update(headers)
    response.headers["Cache-Control"] = "no-store"
    return response


bp.register_error_handler(HTTPException, error_response)


@bp.errorhandler(RecursionError)
def too_deep(_error):
    """A JSON body nested thousands of levels deep: refused, not a server error."""
    return error_response(ApiError(400, "bad_request", _("The JSON body is nested too deeply.")))


def _field_errors(messages) -> dict | None:
    """webargs' errors ({"json": {"percent": [...]}}) as {"percent": [...]}: where a value was sent
    (body, query) matters less to the reader than which value is wrong."""
    if not messages:
        return None
    flat: dict = {}
    for location, fields in messages.items():
        if isinstance(fields, dict):
            flat.update(fields)
        else:
            flat[location] = fields
    return flat


def refuse(status: int, message: str, errors: dict | None = None, code: str | None = None):
    raise ApiError(status, code or CODES.get(status, "error"), message, errors)


# --- signing in by token, and the rate limit --------------------------------------------------


class RateLimit:
    """Calls counted per key in one-minute windows, in this process (each worker counts its own)."""

    def __init__(self, clock=time.time):
        self._clock = clock
        self._counts: dict = defaultdict(int)
        self._lock = threading.Lock()

    def hit(self, key, limit: int) -> int | None:
        """Count a call; the seconds to wait when the key is over its limit, else None."""
        moment = self._clock()
        window = int(moment // 60)
        with self._lock:
            if len(self._counts) > 10_000:  # forget the windows gone by
                self._counts = defaultdict(int, {k: v for k, v in self._counts.items() if k[1] == window})
            self._counts[(key, window)] += 1
            over = self._counts[(key, window)] > limit
        return max(1, 60 - int(moment % 60)) if over else None


def rate_limit() -> RateLimit:
    """This app's counts (each app its own: a test's calls are not counted in the next test's)."""
    return current_app.extensions["api_rate_limit"]


def _too_many(wait: int):
    raise ApiError(
        429,
        "too_many_requests",
        _("Too many requests. Wait %(seconds)d seconds and try again.", seconds=wait),
        headers={"Retry-After": str(wait)},
    )


@bp.before_request
def sign_in_by_token():
    """Every call carries a token (Authorization: Bearer ...); a browser's session is never used
    here, so a page of another site cannot make a signed-in browser call the API."""
    g._login_user = AnonymousUserMixin()  # Flask-Login's current user, for this request
    address = request.remote_addr or "-"
    scheme, _sep, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        refuse(401, _default_message(401), code="token_missing")
    user = token_user(secret.strip(), now(), request.remote_addr)
    if user is None:
        db.session.rollback()
        wait = rate_limit().hit(("refused", address), current_app.config["API_REFUSED_TOKENS_PER_MINUTE"])
        if wait:
            _too_many(wait)
        refuse(
            401,
            _("This token is not valid: it was revoked, mistyped, or its account is disabled."),
            code="token_invalid",
        )
    if db.session.dirty:
        db.session.commit()  # the token's last use
    g._login_user = user
    _check_ids()
    wait = rate_limit().hit(("user", user.id), current_app.config["API_CALLS_PER_MINUTE"])
    if wait:
        _too_many(wait)


LARGEST_ID = 2**31 - 1  # PostgreSQL's integer


def _check_ids() -> None:
    """An id in the address past any the database can hold, or a code with a control character (a
    NUL, which PostgreSQL refuses), names nothing: 404, not a database error. An argument with one
    is refused (422)."""
    for value in (request.view_args or {}).values():
        if isinstance(value, int) and value > LARGEST_ID:
            refuse(404, _default_message(404))
        if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
            refuse(404, _default_message(404))
    wrong = sorted({name for name, value in request.args.items(multi=True) if CONTROL_CHARACTERS.search(value)})
    if wrong:
        message = _("This value holds a control character.")
        refuse(422, _("Some values are not valid: see errors."), {name: [message] for name in wrong})


@bp.after_request
def conditional_reads(response):
    """A read answers with an ETag; asked again with If-None-Match, it answers 304 when nothing
    changed. The answers are the person's own: kept by no shared cache."""
    if request.method == "GET" and response.status_code == 200 and response.is_json:
        response.add_etag()
        response.make_conditional(request)
    response.headers.setdefault("Cache-Control", "private, no-cache")
    response.vary.add("Authorization")
    return response


# --- pages of lists, preconditions, idempotency ---------------------------------------------


class PageArgs(ma.Schema):
    page = ma.fields.Integer(
        load_default=1, validate=ma.validate.Range(min=1, max=MAX_PAGE), metadata={"description": "From 1"}
    )
    per_page = ma.fields.Integer(
        load_default=PER_PAGE,
        validate=ma.validate.Range(min=1, max=MAX_PER_PAGE),
        metadata={"description": f"At most {MAX_PER_PAGE}"},
    )


_page_schemas: dict = {}


def page_of(item_schema: type[ma.Schema]) -> type[ma.Schema]:
    """The schema of one page of a list of `item_schema`."""
    if item_schema not in _page_schemas:
        name = item_schema.__name__.removesuffix("Schema") + "PageSchema"
        _page_schemas[item_schema] = type(
            name,
            (ma.Schema,),
            {
                "items": ma.fields.List(ma.fields.Nested(item_schema), required=True),
                "page": ma.fields.Integer(required=True),
                "per_page": ma.fields.Integer(required=True),
                "total": ma.fields.Integer(required=True, metadata={"description": "Items in the whole list"}),
                "pages": ma.fields.Integer(required=True),
            },
        )
    return _page_schemas[item_schema]


def one_page(query, args: dict, count_query=None) -> dict:
    """One page of a select (which must already be in a stable order, ending with a unique key)."""
    from sqlalchemy import func, select

    page, per_page = args["page"], args["per_page"]
    counted = (
        count_query if count_query is not None else select(func.count()).select_from(query.order_by(None).subquery())
    )
    total = db.session.scalar(counted) or 0
    items = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    return page_dict(items, page, per_page, total)


def page_dict(items, page: int, per_page: int, total: int) -> dict:
    return {
        "items": list(items),
        "page": page,
        "per_page": per_page,
        "total": total,
        "pages": max(1, -(-total // per_page)),
    }


def list_page(items: list, args: dict) -> dict:
    """One page of a list already in memory and in order."""
    page, per_page = args["page"], args["per_page"]
    return page_dict(items[(page - 1) * per_page : page * per_page], page, per_page, len(items))


def check_if_match(current_etag: str) -> None:
    """A write that names the version it was made from (If-Match: the ETag its read answered) is
    refused (412) when the thing changed since: the person would overwrite what someone else wrote."""
    if request.if_match and not request.if_match.contains(current_etag) and not request.if_match.star_tag:
        refuse(
            412,
            _("This changed since you read it. Read it again, then send your change with its new ETag."),
        )


def etag_of(payload) -> str:
    """The ETag a read of this payload answers with (conditional_reads)."""
    from werkzeug.http import generate_etag

    return generate_etag(jsonify(payload).get_data())


IDEMPOTENCY_HEADER = "Idempotency-Key"
# The header as the description names it, for the writes that take it.
IDEMPOTENCY = {
    "name": IDEMPOTENCY_HEADER,
    "in": "header",
    "required": False,
    "schema": {"type": "string", "maxLength": 40, "pattern": "^[A-Za-z0-9._:-]+$"},
    "description": "A new key for each new call (a UUID). Sent again with the same key and the same body "
    "(a retry), the call creates nothing and answers what the first created; with another body or "
    "address, it is refused (422).",
}


def key_of_another_call() -> None:
    """The key was sent before with another call (another task, report or question): 422."""
    message = _("This Idempotency-Key was sent with another call. Send each new call with a new key.")
    refuse(422, message, {IDEMPOTENCY_HEADER: [message]})


def claim_idempotency_key():
    """A write sent with an Idempotency-Key creates once: sent again with the same key and the
    same body (a retry after a lost answer), it creates nothing and answers what the first
    created; sent with another body or to another address, it is refused. Returns (the claim,
    None) to go on, or (None, the API address of what the first call created)."""
    from tracker.core import submissions

    key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
    if not key:
        return None, None
    if len(key) > 40 or not re.fullmatch(r"[A-Za-z0-9._:-]+", key):
        message = _("An Idempotency-Key has at most 40 letters (a-z, A-Z), digits and . _ : -, such as a UUID.")
        refuse(422, message, {IDEMPOTENCY_HEADER: [message]})
    fingerprint = _fingerprint()
    try:
        return submissions.claim(f"api:{g._login_user.id}:{key}", g._login_user.id, now(), fingerprint), None
    except submissions.AlreadySent as sent:
        if not sent.result_url:  # the first call is still being handled (what it sent is not known yet)
            refuse(409, _("A call with this Idempotency-Key is still being handled. Wait, then ask again."))
        if sent.fingerprint != fingerprint:
            key_of_another_call()
        return None, sent.result_url


def _fingerprint() -> str:
    """What a call sends, whatever its encoding: the address, the fields (JSON, or a form's in any
    order and boundary) and each file's name and content."""
    import hashlib
    import json

    fields = request.get_json(silent=True) if request.is_json else sorted(request.form.items(multi=True))
    files = sorted(
        (name, file.filename or "", hashlib.sha256(file.stream.read()).hexdigest())
        for name, file in request.files.items(multi=True)
    )
    for _name, file in request.files.items(multi=True):
        file.stream.seek(0)
    sent = json.dumps([request.method, request.path, fields, files], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(sent.encode("utf-8")).hexdigest()


def replayed_id(location: str) -> int:
    return int(location.rstrip("/").rsplit("/", 1)[-1])


# --- the frame ------------------------------------------------------------------------------


class Api(flask_smorest.Api):
    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self):
        """The API's errors are answered as JSON by register() below; the pages keep their own."""


# The modules that put endpoints on `bp`, imported before it is registered.
ENDPOINT_MODULES = ("plans", "dashboard", "progress", "reports", "figures", "committee")


def register(app: Flask) -> None:
    import importlib

    from tracker.core import errors
    from tracker.extensions import csrf

    for name in ENDPOINT_MODULES:
        importlib.import_module(f"tracker.api.{name}")

    app.config.setdefault("API_TITLE", "Plan tracker API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "security": [{"token": []}],
            "components": {"securitySchemes": {"token": {"type": "http", "scheme": "bearer"}}},
            "servers": [{"url": "/"}],
        },
    )
    app.extensions["api_rate_limit"] = RateLimit()
    csrf.exempt(bp)  # no cookie signs a call in: a token does (sign_in_by_token)
    api = Api(app)  # one per app: the tests make many
    api.register_blueprint(bp)
    errors.answer_as_json(app, PREFIX, error_response)


# --- the pages' own forms, for the API's writes ---------------------------------------------


def posted_fields(file_field: str | None = None) -> tuple[dict, list]:
    """The call's fields (a JSON object, or a form: multipart where files are sent), each text
    cleaned as the forms clean it (NFC, no control or invisible characters) before any rule counts
    its letters, and its files. A file under another name than `file_field` is refused: it would
    be lost without a word."""
    if request.mimetype == "application/json":
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            refuse(400, _('The body must be a JSON object, such as {"percent": 60}.'))
        return cleaned(body), []
    if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        stray = sorted(name for name in request.files if name != file_field)
        if stray:
            message = (
                _("Files are sent under the name %(name)s.", name=file_field)
                if file_field
                else _("This call takes no files.")
            )
            refuse(422, _("Some values are not valid: see errors."), {name: [message] for name in stray})
        fields = {key: values if len(values) > 1 else values[0] for key, values in request.form.lists()}
        files = [f for f in request.files.getlist(file_field) if f and f.filename] if file_field else []
        return cleaned(fields), files
    if file_field:
        refuse(415, _("Send the body as JSON (application/json), or as multipart/form-data to attach files."))
    refuse(415, _("Send the body as JSON (application/json)."))


def cleaned(value):
    """Every text in `value` (a JSON value) cleaned by the app's one text rule."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [cleaned(item) for item in value]
    if isinstance(value, dict):
        return {key: cleaned(item) for key, item in value.items()}
    return value


def _as_form_value(value) -> str:
    if isinstance(value, bool):
        return "y" if value else ""
    if isinstance(value, (int, float, str)):
        return str(value)
    raise ValueError(value)


def validated_form(form_class, fields: dict, **kwargs):
    """The page's own form (WTForms) filled with the call's fields: the same rules, messages and
    cleaning (NFC text, no control characters) as the page. Refuses (422) what the page refuses,
    with each field's errors."""
    from werkzeug.datastructures import MultiDict

    formdata = MultiDict()
    wrong = {}
    for key, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            if item is None:
                continue
            try:
                formdata.add(key, _as_form_value(item))
            except ValueError:
                wrong[key] = [_("Give a text, a number or true/false here.")]
    if wrong:
        refuse(422, _("Some values are not valid: see errors."), wrong, code="invalid")
    form = form_class(formdata=formdata, meta={"csrf": False}, **kwargs)
    if not form.validate():
        errors = {name: [str(message) for message in messages] for name, messages in form.errors.items() if messages}
        refuse(422, _("Some values are not valid: see errors."), errors, code="invalid")
    return form
