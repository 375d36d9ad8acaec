"""Evidence files: what may be uploaded, and where it is kept.

Files live under UPLOAD_DIR (outside the static files) under random names; the name the user gave
is kept, sanitised, only in the database and in the download's Content-Disposition header. A file
is written to a temporary name and renamed into place, so an interrupted upload leaves nothing.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

# extension -> (content type, possible first bytes)
_OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)
_ZIP = (b"PK\x03\x04",)
ALLOWED_TYPES = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "doc": ("application/msword", _OLE),
    "xls": ("application/vnd.ms-excel", _OLE),
    "ppt": ("application/vnd.ms-powerpoint", _OLE),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", _ZIP),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _ZIP),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", _ZIP),
    "odt": ("application/vnd.oasis.opendocument.text", _ZIP),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", _ZIP),
}
ALLOWED_EXTENSIONS = tuple(sorted(ALLOWED_TYPES))
# What a file input offers to choose (its accept attribute), from the same list.
ACCEPT = ",".join(f".{extension}" for extension in ALLOWED_TYPES)


class EvidenceRejected(ValueError):
    """The file cannot be accepted; the message says why, for the user."""


class StorageFull(OSError):
    """The upload folder has no room left (or the account's quota is used up)."""


_NO_ROOM = {errno.ENOSPC, errno.EDQUOT}


@dataclass
class StoredFile:
    original_name: str
    stored_name: str
    content_type: str
    size: int
    sha256: str


def upload_dir() -> Path:
    path = Path(current_app.config["UPLOAD_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def clean_filename(name: str) -> str:
    """The user's file name made safe to show and to send back: no folders, no control
    characters, no leading dots, at most 150 characters. Vietnamese letters are kept."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = re.sub(r"\s+", " ", name).strip().lstrip(".").strip()
    name = re.sub(r'[<>:"|?*]', "_", name)
    if len(name) > 150:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 150 - len(ext) - 1] + dot + ext) if dot and len(ext) <= 5 else name[:150]
    return name


def extension_of(name: str) -> str:
    return name.rpartition(".")[2].lower() if "." in name else ""


def check(original_name: str, head: bytes, size: int) -> str:
    """The content type of an acceptable file; raises EvidenceRejected otherwise."""
    from flask_babel import gettext as _

    name = clean_filename(original_name)
    extension = extension_of(name)
    if extension not in ALLOWED_TYPES:
        raise EvidenceRejected(
            _(
                '"%(name)s": this kind of file is not accepted. Attach PDF, images (JPG, PNG) or Office documents (%(types)s).',
                name=name or "?",
                types=", ".join(ALLOWED_EXTENSIONS),
            )
        )
    limit = current_app.config["EVIDENCE_MAX_BYTES"]
    if size > limit:
        raise EvidenceRejected(
            _(
                '"%(name)s" is too large (%(size)s MB); the limit is %(limit)s MB per file.',
                name=name,
                size=f"{size / 1048576:.1f}",
                limit=limit // 1048576,
            )
        )
    if size == 0:
        raise EvidenceRejected(_('"%(name)s" is empty.', name=name))
    content_type, signatures = ALLOWED_TYPES[extension]
    if not any(head.startswith(signature) for signature in signatures):
        raise EvidenceRejected(_('"%(name)s" is not really a %(ext)s file.', name=name, ext=extension.upper()))
    return content_type


def measure(stream) -> tuple[bytes, int]:
    head = stream.read(16)
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    return head, size


def save(file_storage) -> StoredFile:
    """Check and store one uploaded file (a werkzeug FileStorage)."""
    head, size = measure(file_storage.stream)
    content_type = check(file_storage.filename or "", head, size)
    stored_name = uuid.uuid4().hex
    folder = upload_dir()
    temporary = folder / f".{stored_name}.part"
    digest = hashlib.sha256()
    try:
        with open(temporary, "wb") as out:
            for chunk in iter(lambda: file_storage.stream.read(65536), b""):
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, folder / stored_name)
    except OSError as error:
        if error.errno in _NO_ROOM:
            raise StorageFull(error.errno, error.strerror) from error
        raise
    finally:
        temporary.unlink(missing_ok=True)
    return StoredFile(clean_filename(file_storage.filename), stored_name, content_type, size, digest.hexdigest())


def discard(stored_names: list[str]) -> None:
    """Remove files whose database records were never committed."""
    folder = Path(current_app.config["UPLOAD_DIR"])
    for name in stored_names:
        (folder / name).unlink(missing_ok=True)


def path_of(stored_name: str) -> Path:
    if not re.fullmatch(r"[0-9a-f]{32}", stored_name):
        raise FileNotFoundError(stored_name)
    return Path(current_app.config["UPLOAD_DIR"]) / stored_name
