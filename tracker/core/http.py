"""Small request helpers shared by the views."""

from urllib.parse import urlsplit

from flask import request
from flask_login import current_user

from tracker.core.actor import Actor


def actor() -> Actor:
    """The signed-in user behind this request, for the audit log."""
    return Actor.for_user(current_user, request.remote_addr)


def safe_next(target: str | None, fallback: str) -> str:
    """Only ever redirect back to a page of this site."""
    if not target or not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
        return fallback
    return target


def sent_once(token: str | None, fallback: str):
    """Claim a form's one-time token (tracker.core.submissions): (the claim, None) to go on and
    create, or (None, a redirect to what the first post created) when this form was sent before:
    a double click, a retry, Back then Post again."""
    from flask import flash, redirect
    from flask_babel import gettext as _

    from tracker.core import submissions
    from tracker.core.time import now

    try:
        return submissions.claim(token, current_user.id, now()), None
    except submissions.AlreadySent as sent:
        flash(_("This was already sent and has not been sent a second time."), "info")
        return None, redirect(sent.result_url or fallback)
