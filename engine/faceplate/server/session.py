"""The dashboard's sessions: a random id in an HttpOnly, SameSite=Strict cookie, never the token itself.

The page trades the token for a session once (``POST /api/session``); the engine keeps only a hash of each
id and when it ends, in memory (a restart signs the dashboard out; the token signs it in again). A stolen
cookie is worth one session on one engine until it expires, never the token that plug-ins and farm jobs use.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from typing import Callable

SESSION_COOKIE = "faceplate_session"
LIFETIME_S = 12 * 3600  # a working day; then the page asks for the token again
MAX_SESSIONS = 64  # the oldest is dropped past this: signing in again and again cannot grow memory


class Sessions:
    def __init__(self, lifetime_s: float = LIFETIME_S, clock: Callable[[], float] = time.monotonic):
        self.lifetime_s, self._clock = lifetime_s, clock
        self._ends: dict[str, float] = {}  # sha256 of the id -> when it expires (a lookup leaks no id by timing)
        self._lock = threading.Lock()

    def open_session(self) -> str:
        """A new session's id (256 random bits), valid for ``lifetime_s``."""
        session_id = secrets.token_urlsafe(32)
        now = self._clock()
        with self._lock:
            self._ends = {k: end for k, end in self._ends.items() if end > now}
            while len(self._ends) >= MAX_SESSIONS:
                del self._ends[min(self._ends, key=self._ends.get)]
            self._ends[_key(session_id)] = now + self.lifetime_s
        return session_id

    def is_valid(self, session_id: str | None) -> bool:
        if not session_id:
            return False
        with self._lock:
            end = self._ends.get(_key(session_id))
        return end is not None and end > self._clock()


def _key(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()
