"""Choose which faces to keep in each frame: one person (default) or every face.

One person is kept by identity relative to the other faces present, not by an absolute distance
alone: the face kept is the one nearest the chosen person's running identity (the mean of the
embeddings kept so far, started from the reference still or the first face chosen), by a margin
over every other face in its frame and over every other person met so far (faces/people.py). A
frame that holds only another person keeps no face, even where that person is within dlib's
same-person distance of the chosen one; those frames are listed in ``only_others`` for the report.

The chosen face is followed by track; who it is is decided again when the track is new, whenever
the detector finds it again after following it blind (where a track slides onto another person),
when a face no one has placed yet appears, and every ``embed_every`` frames in between (dlib's
embedding costs ~90 ms on a CPU core, so it is not computed on every frame). Without a reference,
the largest face of the first frame with a face becomes the chosen person.
"""

from __future__ import annotations

import numpy as np

from faceplate.faces.embedding import SAME_PERSON_DISTANCE, FaceEmbedder
from faceplate.faces.people import Identity, People
from faceplate.faces.track import FaceObservation


class FaceSelector:
    def __init__(
        self,
        embedder: FaceEmbedder,
        reference: np.ndarray | None = None,
        all_faces: bool = False,
        embed_every: int = 32,
        max_distance: float = SAME_PERSON_DISTANCE,
    ):
        self.embedder, self.all_faces = embedder, all_faces
        self.embed_every, self.max_distance = embed_every, max_distance
        self.people = People()
        self.reference = reference
        self._cache: dict[int, tuple[np.ndarray, int]] = {}  # track id -> (embedding, frame)
        self._first: dict[int, np.ndarray] = {}  # track id -> its first embedding: who the track started on
        self._owner: dict[int, int] = {}  # track id -> index of the other person it shows
        self._chosen: int | None = None
        # frame -> identity distance of the nearest face, where faces were found but none is the chosen person
        self.other_person: dict[int, float] = {}
        self._frame: int | None = None  # the frame choose() last saw
        self.chosen_at: int | None = None  # frame where the person was chosen (no reference)
        self.only_others: list[tuple[int, int]] = []  # (frame, other person) kept no face; the caller clears it

    @property
    def reference(self) -> np.ndarray | None:
        return self._reference

    @reference.setter
    def reference(self, embedding: np.ndarray | None) -> None:
        """The person to keep: their running identity starts here."""
        self._reference = embedding
        self.people.person = None if embedding is None else Identity.start(embedding)

    def reset(self) -> None:
        """Forget tracks (between unrelated stills); who the people are stays."""
        self._cache.clear()
        self._first.clear()
        self._owner.clear()
        self._chosen = None

    def drop(self, track_id: int) -> None:
        """A track that is not (or no longer) a face: forget it; choose again if it was the chosen one."""
        self._cache.pop(track_id, None)
        self._first.pop(track_id, None)
        self._owner.pop(track_id, None)
        if self._chosen == track_id:
            self._chosen = None
            if self._reference is None and self.chosen_at is not None and self.chosen_at == self._frame:
                self.people.person, self.chosen_at = None, None  # the first choice was no face: choose afresh

    def identity_of(self, track_id: int) -> np.ndarray | None:
        """Who a track should show: the chosen person, or (all faces) who the track started on."""
        if self.all_faces:
            return self._first.get(track_id)
        return None if self.people.person is None else self.people.person.mean

    @property
    def searching(self) -> bool:
        """One person, not followed now: every frame should be searched for them."""
        return not self.all_faces and self._chosen is None

    def seed(self, track_id: int, embedding: np.ndarray, frame: int) -> None:
        """A face a previous run kept (resume): follow it on, with the embedding it had."""
        self._cache[track_id] = (embedding, frame)
        self._first.setdefault(track_id, embedding)
        if not self.all_faces:
            self._chosen = track_id

    def choose(self, frame: int, image: np.ndarray, faces: list[FaceObservation]) -> list[FaceObservation]:
        self._frame = frame
        if self.all_faces:
            return [self._with_embedding(frame, image, f) for f in faces]
        chosen = next((f for f in faces if f.track_id == self._chosen), None)
        others = [f for f in faces if f is not chosen]
        placed = all(f.track_id in self._owner and not self._due(frame, f) for f in others)
        if chosen is not None and placed and not self._due(frame, chosen):
            self._note_others(frame, others)  # nothing new: the followed person, and people already placed
            return [self._with_embedding(frame, image, chosen)]
        return self._decide(frame, [self._with_embedding(frame, image, f) for f in faces])

    def _decide(self, frame: int, faces: list[FaceObservation]) -> list[FaceObservation]:
        """Who is who in this frame, every face embedded."""
        self._chosen = None
        if not faces:
            return []
        person = self.people.person
        if person is None:  # no reference: the largest face of the first frame with a face
            best = max(faces, key=lambda f: f.size)
            self.people.person, self.chosen_at = Identity.start(best.embedding), frame
        else:
            best = min(faces, key=lambda f: person.distance(f.embedding))
            rivals = [f.embedding for f in faces if f is not best]
            if not self.people.is_person(best.embedding, rivals, self.max_distance):
                self.other_person[frame] = person.distance(best.embedding)
                self._place_unkept(frame, faces)
                return []
            if best.embedding_frame == frame:
                person.add(best.embedding)
        self._chosen = best.track_id
        self._owner.pop(best.track_id, None)
        self._place_others(frame, [f for f in faces if f is not best])
        return [best]

    def _place_others(self, frame: int, faces: list[FaceObservation]) -> None:
        """Faces beside the kept one are other people: each joins (or starts) another person's identity."""
        for face in faces:
            self._place(frame, face)

    def _place_unkept(self, frame: int, faces: list[FaceObservation]) -> None:
        """No face kept: faces plainly someone else (nearer another person than the chosen one, or too far
        from the chosen one) are theirs, and the frame is one that holds only another person. Only faces the
        detector found on this frame count (one followed blind may have slid off onto the background)."""
        person, alone = self.people.person, set()
        for face in faces:
            if face.detector_score is None:
                continue
            d = person.distance(face.embedding)
            if d > self.max_distance or self.people.nearest_other(face.embedding)[1] < d:
                alone.add(self._place(frame, face))
        self.only_others += [(frame, index) for index in sorted(alone)]

    def _place(self, frame: int, face: FaceObservation) -> int:
        """The other person a face shows; a fresh embedding also refines that person's identity."""
        owner = self._owner.get(face.track_id)
        if owner is None or face.embedding_frame == frame:
            owner = self.people.add_other(face.embedding, frame, self.max_distance)
        self.people.others[owner].frames.add(frame)
        self._owner[face.track_id] = owner
        return owner

    def _note_others(self, frame: int, faces: list[FaceObservation]) -> None:
        for face in faces:
            self.people.others[self._owner[face.track_id]].frames.add(frame)

    def _due(self, frame: int, face: FaceObservation) -> bool:
        """Who this face is must be (re)computed now: new, found again after a blind follow, or stale."""
        cached = self._cache.get(face.track_id)
        return (
            cached is None
            or frame - cached[1] >= self.embed_every
            or frame < cached[1]
            or (face.fresh and cached[1] != frame)
        )

    def _with_embedding(self, frame: int, image: np.ndarray, face: FaceObservation) -> FaceObservation:
        if self._due(frame, face):
            self._cache[face.track_id] = (self.embedder.embed(image, face.landmarks), frame)
            self._first.setdefault(face.track_id, self._cache[face.track_id][0])
        face.embedding, face.embedding_frame = self._cache[face.track_id]
        return face
