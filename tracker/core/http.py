"""Small request helpers shared by the views."""
from urllib.parse import urlsplit

from flask import request
from flask_login import current_user

from tracker.audit.services import Actor


def actor() -> Actor:
    """The signed-in user behind this request, for the audit log."""
    return Actor.for_user(current_user, request.remote_addr)


def safe_next(target: str | None, fallback: str) -> str:
    """Only ever redirect back to a page of this site."""
    if not target or not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
        return fallback
    return target
