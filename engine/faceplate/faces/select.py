"""Choose which faces to keep in each frame: one identity (default) or every face.

The chosen face is followed by track; its identity is checked against the reference when the track
is new, whenever the detector finds it again after following it blind (where a track slides onto
another person), and every ``embed_every`` frames in between (dlib's embedding costs ~90 ms on a CPU
core, so it is not computed on every frame). When the chosen track ends, only a face within the
same-person distance of the reference may take over. Without a reference, the largest face of the
first frame with a face becomes the reference.
"""

from __future__ import annotations

import numpy as np

from faceplate.faces.embedding import SAME_PERSON_DISTANCE, FaceEmbedder, embedding_distance
from faceplate.faces.track import FaceObservation


class FaceSelector:
    def __init__(self, embedder: FaceEmbedder, reference: np.ndarray | None = None, all_faces: bool = False,
                 embed_every: int = 32, max_distance: float = SAME_PERSON_DISTANCE):
        self.embedder, self.reference, self.all_faces = embedder, reference, all_faces
        self.embed_every, self.max_distance = embed_every, max_distance
        self._cache: dict[int, tuple[np.ndarray, int]] = {}  # track id -> (embedding, frame)
        self._first: dict[int, np.ndarray] = {}  # track id -> its first embedding: who the track started on
        self._chosen: int | None = None
        # frame -> identity distance of the nearest face, where faces were found but none is the chosen person
        self.other_person: dict[int, float] = {}

    def reset(self) -> None:
        """Forget tracks (between unrelated stills); the reference identity stays."""
        self._cache.clear()
        self._first.clear()
        self._chosen = None

    def drop(self, track_id: int) -> None:
        """A track that is not (or no longer) a face: forget it; choose again if it was the chosen one."""
        self._cache.pop(track_id, None)
        self._first.pop(track_id, None)
        if self._chosen == track_id:
            self._chosen = None

    def identity_of(self, track_id: int) -> np.ndarray | None:
        """Who a track should show: the chosen identity, or (all faces) who the track started on."""
        return self._first.get(track_id) if self.all_faces else self.reference

    def seed(self, track_id: int, embedding: np.ndarray, frame: int) -> None:
        """A face a previous run kept (resume): follow it on, with the embedding it had."""
        self._cache[track_id] = (embedding, frame)
        self._first.setdefault(track_id, embedding)
        if not self.all_faces:
            self._chosen = track_id

    @property
    def wants_new_faces(self) -> bool:
        """False while the one chosen face is being followed: other faces would be ignored anyway."""
        return self.all_faces or self._chosen is None

    def choose(self, frame: int, image: np.ndarray, faces: list[FaceObservation]) -> list[FaceObservation]:
        if self.all_faces:
            return [self._with_embedding(frame, image, f) for f in faces]
        chosen = [f for f in faces if f.track_id == self._chosen]
        if chosen:
            face = self._with_embedding(frame, image, chosen[0])
            if self._matches(face):
                return [face]
        self._chosen = None  # lost, or drifted onto someone else: choose again
        return self._pick_new(frame, image, faces)

    def _pick_new(self, frame: int, image: np.ndarray, faces: list[FaceObservation]) -> list[FaceObservation]:
        if not faces:
            return []
        if self.reference is None:
            face = self._with_embedding(frame, image, max(faces, key=lambda f: f.size))
            self.reference, self._chosen = face.embedding, face.track_id
            return [face]
        candidates = [self._with_embedding(frame, image, f) for f in faces]
        best = min(candidates, key=lambda f: embedding_distance(f.embedding, self.reference))
        if not self._matches(best):
            self.other_person[frame] = embedding_distance(best.embedding, self.reference)
            return []
        self._chosen = best.track_id
        return [best]

    def _matches(self, face: FaceObservation) -> bool:
        return embedding_distance(face.embedding, self.reference) <= self.max_distance

    def _with_embedding(self, frame: int, image: np.ndarray, face: FaceObservation) -> FaceObservation:
        cached = self._cache.get(face.track_id)
        stale = cached is None or frame - cached[1] >= self.embed_every or frame < cached[1]
        if stale or (face.fresh and cached[1] != frame):
            cached = (self.embedder.embed(image, face.landmarks), frame)
            self._cache[face.track_id] = cached
            self._first.setdefault(face.track_id, cached[0])
        face.embedding, face.embedding_frame = cached
        return face
