"""Who may write (and, optionally, read): API keys as bearer tokens, compared in constant time.

The service never runs open by accident: with no keys configured, writes are refused unless
``GRIDTS_ALLOW_ANONYMOUS_WRITES=true`` says otherwise (a local demo), and that is logged.
A wrong key and a missing key get the same 401, so a caller learns nothing about the keys.
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from litestar.exceptions import NotAuthorizedException, PermissionDeniedException

if TYPE_CHECKING:
    from litestar.connection import ASGIConnection
    from litestar.handlers.base import BaseRouteHandler

    from gridts.settings import Settings

log = logging.getLogger(__name__)

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="gridts"'}


def load_keys(settings: Settings) -> tuple[bytes, ...]:
    """The configured keys, from ``api_keys`` and ``api_keys_file``."""
    keys = list(settings.api_keys)
    if settings.api_keys_file is not None:
        lines = settings.api_keys_file.read_text(encoding="utf-8").splitlines()
        keys.extend(line.split("#", 1)[0].strip() for line in lines)
    return tuple(k.encode() for k in keys if k)


@dataclass(frozen=True)
class KeyGuard:
    """A Litestar guard that checks ``Authorization: Bearer <key>`` against the keys."""

    keys: tuple[bytes, ...]
    allow_anonymous_writes: bool
    read_requires_key: bool

    @classmethod
    def from_settings(cls, settings: Settings) -> KeyGuard:
        """Build the guard, warning when writes are open to anyone."""
        guard = cls(
            load_keys(settings), settings.allow_anonymous_writes, settings.read_requires_key
        )
        if not guard.keys and guard.allow_anonymous_writes:
            log.warning("GRIDTS_ALLOW_ANONYMOUS_WRITES is on: anyone can write (local demo only)")
        return guard

    def _valid(self, presented: bytes) -> bool:
        # Compare with every key, always, so the time taken says nothing about which matched.
        matched = False
        for key in self.keys:
            matched |= hmac.compare_digest(presented, key)
        return matched

    async def __call__(
        self, connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
    ) -> None:
        """Raise 401/403 unless this request may go on."""
        write = connection.scope.get("method", "GET") in WRITE_METHODS
        if not write and not self.read_requires_key:
            return
        if write and not self.keys:
            if self.allow_anonymous_writes:
                return
            raise PermissionDeniedException(
                "writes are disabled: no API keys are configured (set GRIDTS_API_KEYS)"
            )
        scheme, _sep, token = connection.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not self._valid(token.strip().encode()):
            raise NotAuthorizedException("a valid API key is required", headers=_CHALLENGE)
