"""What extracting one role's faceset found: faces and frames, frames with no face or only another person,
crops the face check refused, the face's size against the model's crop, who was kept; the summary the
manifest keeps and the lines the artist reads (the extract stage's result per role)."""

from __future__ import annotations

from dataclasses import dataclass, field

from faceplate.faces.embedding import SAME_PERSON_DISTANCE
from faceplate.faces.people import PeopleReport
from faceplate.faces.pipeline import Refused
from faceplate.media.frames import compact_frames


@dataclass
class FacesetResult:
    role: str
    faces: int
    frames_with_face: int
    frames_read: int  # every wanted frame, those done before a resume included
    empty_frames: dict[str, list[int]] = field(default_factory=dict)  # clip label -> frames with no face kept
    # clip label -> (frame, identity distance) where faces were found but none is the person chosen
    other_person: dict[str, list[tuple[int, float]]] = field(default_factory=dict)
    missing_frames: list[int] = field(default_factory=list)
    model_load_s: float = 0.0  # one-time cost of loading detector, landmark and embedding weights
    frames_s: float = 0.0  # reading and analysing the frames, writing crops and index
    refused: dict[str, list[Refused]] = field(default_factory=dict)  # clip label -> crops the face check refused
    median_face_px: float | None = None  # median kept face box side, plate pixels
    model_face_px: float | None = None  # the face's side in a crop at the model resolution; warn below it
    model_resolution: int | None = None
    people: PeopleReport | None = None  # one-person mode: who was kept, who else was seen

    @property
    def frames_per_second(self) -> float:
        return self.frames_read / self.frames_s if self.frames_s else 0.0

    @property
    def all_empty_frames(self) -> list[int]:
        return sorted({f for frames in self.empty_frames.values() for f in frames})

    def summary(self) -> dict:
        return {
            "faces": self.faces,
            "frames_with_face": self.frames_with_face,
            "frames_read": self.frames_read,
            "empty_frames": compact_frames(self.all_empty_frames),
            "other_person_frames": compact_frames(sorted({f for fs in self.other_person.values() for f, _ in fs})),
            "missing_frames": compact_frames(self.missing_frames),
            "refused_crops": sum(len(r) for r in self.refused.values()),
            "refused_frames": compact_frames(sorted({r.frame for rs in self.refused.values() for r in rs})),
            "median_face_px": self.median_face_px,
            "model_load_s": round(self.model_load_s, 3),
            "frames_per_second": round(self.frames_per_second, 2),
            **({"people": self.people.summary()} if self.people else {}),
        }

    def lines(self) -> list[str]:
        """What the artist reads, each fact once."""
        out = [f"{self.role}: {self.faces} faces in {self.frames_with_face} of {self.frames_read} frames"]
        empty = {label: frames for label, frames in self.empty_frames.items() if frames}
        if len(empty) == 1:
            out.append(f"{self.role}: no face in frames {compact_frames(next(iter(empty.values())))}")
        elif empty:
            out.append(
                f"{self.role}: no face in "
                + "; ".join(f"{label} frames {compact_frames(frames)}" for label, frames in empty.items())
            )
        out += self._other_person_lines()
        if self.missing_frames:
            out.append(f"{self.role}: frames missing from the sequence: {compact_frames(self.missing_frames)}")
        out += self._refused_lines()
        if self.people and self.people.seen:  # someone to tell the person from
            out.append(f"{self.role}: {self.people.line()}")
        if self.small_faces:
            out.append(
                f"{self.role}: warning: faces are small: median face {self.median_face_px:.0f} px across, the "
                f"model's {self.model_resolution} px crop shows it at {self.model_face_px:.0f} px, so it is "
                f"enlarged {self.model_face_px / self.median_face_px:.1f}x and the swap will be soft; use a "
                "closer shot, or a lower train --resolution"
            )
        return out

    @property
    def small_faces(self) -> bool:
        return bool(self.median_face_px and self.model_face_px and self.median_face_px < self.model_face_px)

    def _other_person_lines(self) -> list[str]:
        out = []
        for label, found in self.other_person.items():
            if found:
                nearest = min(d for _, d in found)
                out.append(
                    f"{self.role}: {label} frames {compact_frames([f for f, _ in found])} show another person "
                    f"than the one chosen (nearest identity distance {nearest:.2f}, same person below "
                    f"{SAME_PERSON_DISTANCE}); give one person's clips, or --reference a still of the person "
                    "to use"
                )
        return out

    def _refused_lines(self) -> list[str]:
        out = []
        for label, refused in self.refused.items():
            if refused:
                frames = compact_frames(sorted({r.frame for r in refused}))
                out.append(
                    f"{self.role}: {len(refused)} non-face crop{'s' if len(refused) > 1 else ''} refused in "
                    f"{label} frames {frames} (first: frame {refused[0].frame}, {refused[0].reason})"
                )
        return out
