"""Who is behind a write: a person (with the request's address) or a command."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """The person (or command) behind a write, and where the request came from."""

    user_id: int | None
    username: str | None
    unit_id: int | None = None
    remote_addr: str | None = None

    @classmethod
    def for_user(cls, user, remote_addr: str | None = None) -> Actor:
        return cls(user.id, user.username, user.unit_id, remote_addr)

    @classmethod
    def command_line(cls) -> Actor:
        return cls(None, "cli", None, None)
