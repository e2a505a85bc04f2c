"""The people a one-person extraction meets: the chosen person and everyone else, as running identities.

An identity is the running mean of the embeddings seen of one person, so it settles on who that
person is across poses instead of staying on one frame. Two faces in one frame are two people: a
face seen beside the chosen one starts (or joins) another person's identity, which is how a later
frame holding only that person is told apart from the chosen one even when the two look alike
(dlib distance under 0.6).
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from faceplate.faces.embedding import SAME_PERSON_DISTANCE, embedding_distance
from faceplate.media.frames import compact_frames

# the kept face must be this much nearer the chosen identity than any other face in its frame and than
# any other person's identity: one person's own frames spread ~0.1-0.3 around their mean, lookalikes
# sit ~0.4-0.6 from each other
IDENTITY_MARGIN = 0.08
PEOPLE_NAME = "people.json"  # beside a one-person faceset's index: PeopleReport.summary()


@dataclass
class Identity:
    total: np.ndarray  # sum of the embeddings taken in
    count: int = 1
    frames: set[int] = field(default_factory=set)  # frames this person was seen in

    @classmethod
    def start(cls, embedding: np.ndarray) -> Identity:
        return cls(np.asarray(embedding, np.float64).copy())

    @property
    def mean(self) -> np.ndarray:
        return (self.total / self.count).astype(np.float32)

    def add(self, embedding: np.ndarray) -> None:
        self.total = self.total + np.asarray(embedding, np.float64)
        self.count += 1

    def distance(self, embedding: np.ndarray) -> float:
        return embedding_distance(embedding, self.mean)


@dataclass
class People:
    """The chosen person (None until chosen) and the others, in the order they were first seen."""

    person: Identity | None = None
    others: list[Identity] = field(default_factory=list)

    def nearest_other(self, embedding: np.ndarray) -> tuple[int | None, float]:
        """Index of the other person nearest ``embedding`` and its distance (None, inf when there is none)."""
        if not self.others:
            return None, float("inf")
        distances = [o.distance(embedding) for o in self.others]
        best = int(np.argmin(distances))
        return best, distances[best]

    def is_person(
        self, embedding: np.ndarray, rivals: list[np.ndarray], max_distance: float = SAME_PERSON_DISTANCE
    ) -> bool:
        """Nearer the chosen identity than ``max_distance``, and by the margin nearer it than every rival face
        of its frame is and than it is to any other person's identity."""
        d = self.person.distance(embedding)
        if d > max_distance:
            return False
        if any(self.person.distance(r) < d + IDENTITY_MARGIN for r in rivals):
            return False
        return self.nearest_other(embedding)[1] >= d + IDENTITY_MARGIN

    def add_other(self, embedding: np.ndarray, frame: int, max_distance: float = SAME_PERSON_DISTANCE) -> int:
        """Remember a face that is not the chosen person: it joins the nearest other identity when within
        ``max_distance`` of it, else starts a new one. Returns the other person's index."""
        index, d = self.nearest_other(embedding)
        if index is None or d > max_distance:
            self.others.append(Identity.start(embedding))
            index = len(self.others) - 1
        else:
            self.others[index].add(embedding)
        self.others[index].frames.add(frame)
        return index


def other_name(index: int) -> str:
    """How reports name the people not kept: 'person 2', 'person 3', ... (the kept one is person 1)."""
    return f"person {index + 2}"


@dataclass
class PeopleReport:
    """Which person a one-person faceset kept and who else its clips showed: extract's line and summary,
    and the review sheet (saved beside the faceset's index as ``people.json``)."""

    kept: str | None  # how the artist knows the person: the reference still, or the face chosen first
    seen: list[int] = field(default_factory=list)  # frames each other person was seen in, person 2 first
    only: dict[str, list[tuple[int, int]]] = field(default_factory=dict)  # clip -> (frame, other) with no face kept

    def summary(self) -> dict:
        return {
            "kept": self.kept,
            "others": [
                {"name": other_name(i), "frames": n, "only_them": self._only_frames(i)} for i, n in enumerate(self.seen)
            ],
        }

    def line(self) -> str:
        parts = [f"kept {self.kept}"]
        only = {label: sorted({f for f, _ in pairs}) for label, pairs in self.only.items() if pairs}
        for label, frames in only.items():
            where = "frames" if len(only) == 1 else f"{label} frames"
            parts.append(f"{where} {compact_frames(frames)} hold only another person ({len(frames)} frames)")
        parts += [f"{other_name(i)} seen in {n} frame{'s' if n != 1 else ''}" for i, n in enumerate(self.seen)]
        return "; ".join(parts)

    def _only_frames(self, index: int) -> str:
        spans = {label: compact_frames(sorted(f for f, i in pairs if i == index)) for label, pairs in self.only.items()}
        spans = {label: text for label, text in spans.items() if text}
        return spans[next(iter(spans))] if len(spans) == 1 else "; ".join(f"{k} {v}" for k, v in spans.items())


def read_people(faceset_folder: Path) -> dict | None:
    """A one-person faceset's ``people.json`` (PeopleReport.summary()), None for an all-faces faceset."""
    path = faceset_folder / PEOPLE_NAME
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def people_html(summary: dict) -> str:
    """The review sheet's line: who was kept, and how many frames each other person had."""
    others = ", ".join(
        f"{html.escape(o['name'])} in {o['frames']} frames"
        + (f" (alone in {html.escape(o['only_them'])}: no face kept)" if o["only_them"] else "")
        for o in summary.get("others", [])
    )
    kept = f"kept {html.escape(summary['kept'])}" + (f"; other people: {others}" if others else "")
    return f'<p class="people">{kept}</p>'
