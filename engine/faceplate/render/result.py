"""What one render did, frame by frame: written, skipped (up to date), carried from an earlier version, without a
face, refused by the face check; the version it went into; the summary the manifest keeps and the lines the
artist reads. Shared by the render stage and the layer previews while training."""

from __future__ import annotations

from dataclasses import dataclass, field

from faceplate.faces.pipeline import Refused
from faceplate.media.frames import compact_frames


@dataclass
class RenderResult:
    frames_written: list[int] = field(default_factory=list)
    frames_skipped: list[int] = field(default_factory=list)  # up to date
    frames_without_face: list[int] = field(default_factory=list)
    frames_with_glasses: list[int] = field(default_factory=list)  # the plate's glasses kept in front of the face
    refused: list[Refused] = field(default_factory=list)  # crops the face check refused on frames detected here
    reasons: dict[str, list[int]] = field(default_factory=dict)  # why frames were (re-)rendered
    seconds: float = 0.0
    layer_pattern: str = ""
    version: str | None = None  # the layer version written into (or the latest, when up to date)
    base: str | None = None  # the latest published version before this render
    carried: dict[str, list[int]] = field(default_factory=dict)  # version -> frames linked from it
    frames_missing: list[int] = field(default_factory=list)  # frames the version waits for (another chunk)
    published: bool = False
    movie: str | None = None
    signed: dict | None = None  # content credentials: files signed, signer

    @property
    def frames_carried(self) -> list[int]:
        return sorted(f for frames in self.carried.values() for f in frames)

    @property
    def refused_frames(self) -> list[int]:
        return sorted({r.frame for r in self.refused})

    def summary(self) -> dict:
        fps = len(self.frames_written) / self.seconds if self.seconds else 0.0
        return {
            "frames_written": compact_frames(self.frames_written),
            "frames_skipped": compact_frames(self.frames_skipped),
            "frames_without_face": compact_frames(self.frames_without_face),
            "frames_with_glasses": compact_frames(self.frames_with_glasses),
            "frames_per_second": round(fps, 2),
            "refused_frames": compact_frames(self.refused_frames),
            "reasons": {why: compact_frames(frames) for why, frames in self.reasons.items()},
            "layer": self.layer_pattern,
            "preview_movie": self.movie,
            "content_credentials": self.signed,
            "version": self.version,
            "base_version": self.base,
            "published": self.published,
            "frames_carried": compact_frames(self.frames_carried),
            "carried_from": {v: compact_frames(f) for v, f in self.carried.items()},
            "frames_missing": compact_frames(self.frames_missing),
        }

    def lines(self) -> list[str]:
        """What the artist reads: what was rendered and why, what was up to date, where it went."""
        why = "; ".join(f"{reason}: {compact_frames(frames)}" for reason, frames in self.reasons.items())
        into = f" into {self.version}" if self.frames_written else ""
        lines = [f"rendered {compact_frames(self.frames_written) or 'nothing'}{into}" + (f" ({why})" if why else "")]
        lines += [
            f"carried {compact_frames(frames)} from {version} (same engine, model, settings and faces)"
            for version, frames in self.carried.items()
        ]
        if self.frames_skipped:
            lines.append(f"skipped (up to date: same model and settings) {compact_frames(self.frames_skipped)}")
        if self.frames_without_face:
            lines.append(
                f"no face to replace in frames {compact_frames(self.frames_without_face)} (empty layer frames written)"
            )
        if self.frames_with_glasses:
            lines.append(
                f"kept the plate's glasses in front of the face in frames {compact_frames(self.frames_with_glasses)} "
                "(--occlusion off swaps over them)"
            )
        if self.refused:
            first = self.refused[0]
            lines.append(
                f"the face check refused {len(self.refused)} crop{'s' if len(self.refused) > 1 else ''} "
                f"as not a face in frames {compact_frames(self.refused_frames)} "
                f"(first: frame {first.frame}, {first.reason}); extract those frames to review them"
            )
        lines.append(self._version_line())
        lines.append(f"layer {self.layer_pattern}")
        if self.movie:
            lines.append(f"review movie {self.movie}")
        if self.signed:
            lines.append(
                f"signed {self.signed['files']} review file(s) with C2PA content credentials "
                f"(signer {self.signed['signer']})"
            )
        return lines

    def _version_line(self) -> str:
        if not (self.frames_written or self.carried or self.frames_missing):
            return f"{self.version} is up to date" if self.version else "no layer version yet"
        if self.frames_missing:
            return (
                f"{self.version} is not published yet: frames {compact_frames(self.frames_missing)} are still to "
                "render (the other chunks, or a render without --frames)"
            )
        return f"published {self.version}" + (f" (the editor's {self.base} is kept as it was)" if self.base else "")
