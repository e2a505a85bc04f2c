"""How far along an engine job is, for a host's progress bar (the line of text is ``jobs.event_text``)."""

from __future__ import annotations

from typing import Optional


def event_fraction(event: dict) -> Optional[float]:
    """0-1 through the current stage's task from a ``progress`` event; 0 when a stage starts, 1 when it ends;
    None for events that do not move the bar."""
    data = event.get("data") or {}
    if event.get("kind") == "progress":
        if data.get("fraction") is not None:
            return float(data["fraction"])
        return data.get("done", 0) / data["total"] if data.get("total") else None
    if event.get("kind") == "stage" and data.get("status"):
        return 0.0 if data["status"] == "running" else 1.0
    return None
