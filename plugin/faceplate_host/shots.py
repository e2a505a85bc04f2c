"""What every editor adapter hands the engine, and what it gets back: plain data, standard library only.

A ``Shot`` is one marked clip: its media, the media frames it uses (plate numbering, what
``faceplate init --range`` takes), where it sits on the timeline (record frames, counted the
way the timeline counts them, e.g. from 86400 for a 01:00:00:00 start at 24 fps), and its
exact rate. A ``LayerPlacement`` is where the rendered comp layer goes: which track, which
record frames, which files. Placement is computed here once (``place_layer``) and applied by
each adapter (OTIO writer, Nuke, Resolve, Blender), so it is tested once for all editors.

Frame spans are inclusive at both ends, like ``1001-1100`` on the command line.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace
from fractions import Fraction
from typing import Any, Optional

from faceplate_host.errors import ShotError  # noqa: F401 (raised here; importers still find it here)

# Frame rates editors write as rounded floats, and the exact rate they mean.
NTSC_RATES = (
    Fraction(24000, 1001),
    Fraction(30000, 1001),
    Fraction(48000, 1001),
    Fraction(60000, 1001),
    Fraction(120000, 1001),
)
_PADDED = re.compile(r"(#+)|%0?(\d*)d|@+")
DEFAULT_FIRST_FRAME = 1001  # the engine's plate number of a movie's first frame (faceplate init --first-frame)


def exact_rate(rate: Any) -> Fraction:
    """An exact frame rate from a float, int, string ("23.976", "24000/1001", "29.97 DF") or Fraction.

    Converted files carry 23.976023976 or 29.97; those mean the NTSC rates (N*1000/1001), and are
    snapped to them when within 0.01 fps, so frame maths stays exact over hours of timeline."""
    if isinstance(rate, str):
        rate = rate.strip().split()[0] if rate.strip() else rate
    try:
        value = Fraction(rate).limit_denominator(1_000_000)
    except (TypeError, ValueError, ZeroDivisionError) as exc:
        raise ShotError(f"frame rate {rate!r} is not a number; give e.g. 24, 23.976 or 24000/1001") from exc
    if value <= 0:
        raise ShotError(f"frame rate {rate!r} must be above 0")
    for ntsc in NTSC_RATES:
        if abs(float(value) - float(ntsc)) < 0.01:
            return ntsc
    if value.denominator != 1 and abs(value - round(value)) < Fraction(1, 1000):
        return Fraction(round(value))
    return value


def rate_text(rate: Fraction) -> str:
    """``24`` or ``24000/1001``: what ``faceplate init --fps`` takes."""
    return str(rate.numerator) if rate.denominator == 1 else f"{rate.numerator}/{rate.denominator}"


def is_drop_frame_text(rate: Any) -> bool:
    """Resolve writes ``"29.97 DF"`` for a drop-frame timeline."""
    return isinstance(rate, str) and rate.strip().upper().endswith("DF")


@dataclass(frozen=True)
class FrameSpan:
    """Frames ``first`` to ``last``, both included."""

    first: int
    last: int

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ShotError(f"frame range {self.first}-{self.last} ends before it starts")

    @property
    def count(self) -> int:
        return self.last - self.first + 1

    def frames(self) -> range:
        return range(self.first, self.last + 1)

    def shifted(self, offset: int) -> "FrameSpan":
        return FrameSpan(self.first + offset, self.last + offset)

    def contains(self, other: "FrameSpan") -> bool:
        return self.first <= other.first and other.last <= self.last

    def __str__(self) -> str:
        return f"{self.first}-{self.last}"

    @classmethod
    def parse(cls, text: str) -> "FrameSpan":
        match = re.fullmatch(r"\s*(-?\d+)\s*-\s*(-?\d+)\s*", str(text))
        if not match:
            raise ShotError(f"frame range {text!r} is not FIRST-LAST, e.g. 1001-1100")
        return cls(int(match.group(1)), int(match.group(2)))


def frame_path(pattern: str, frame: int) -> str:
    """The file of one frame of a sequence pattern: ``####``, ``@@@@`` or ``%04d`` (padding as written)."""

    def number(match: re.Match) -> str:
        if match.group(1):
            width = len(match.group(1))
        elif match.group(0).startswith("@"):
            width = len(match.group(0))
        else:
            width = int(match.group(2) or 0)
        return f"{frame:0{width}d}" if frame >= 0 else f"-{-frame:0{width}d}"

    if not _PADDED.search(pattern):
        return pattern
    return _PADDED.sub(number, pattern, count=1)


def is_sequence(pattern: str) -> bool:
    return bool(_PADDED.search(pattern))


# Single-image formats: a file of one of these without a frame number pattern in its name is one picture.
STILL_EXTENSIONS = (
    ".png",
    ".jpg",
    ".jpeg",
    ".tif",
    ".tiff",
    ".exr",
    ".dpx",
    ".bmp",
    ".tga",
    ".psd",
    ".gif",
    ".webp",
    ".heic",
    ".cin",
    ".sgi",
    ".hdr",
    ".jp2",
)


def is_still(path: str) -> bool:
    """One picture file (a held still), not a movie or a frame sequence."""
    return path.lower().endswith(STILL_EXTENSIONS) and not is_sequence(path)


# the budget tiers a host offers (faceplate.budget.TIERS on the engine side, which also reads 30m, 2h, 5000it)
BUDGETS = ("preview", "review", "final")
BUDGET_HELP = (
    "preview (a recognisable face in about 15 CPU minutes, minutes on a GPU), review, final (delivery, "
    "overnight), or a time / iteration figure: 30m, 2h, 5000it"
)

PREVIEW_EVERY = "10m"  # how often a long job's layer preview comes unless the artist says
PREVIEW_FROM_MINUTES = 30  # "auto": budgets that train at least this long get previews
PREVIEW_HELP = (
    "while it trains, place the latest checkpoint's render this often (10m, 500it) until the final layer replaces "
    f"it; auto: every {PREVIEW_EVERY} for a budget of {PREVIEW_FROM_MINUTES} minutes or more; off: none"
)


def preview_interval(budget: str, asked: str = "auto") -> str:
    """The layer-preview interval a host sends with a job ("": none). ``asked``: a figure (the engine checks it),
    "off", or "auto": ``PREVIEW_EVERY`` for review, final and figures of ``PREVIEW_FROM_MINUTES`` minutes or more."""
    asked = (asked or "").strip().lower()
    if asked in ("off", "", "none"):
        return ""
    if asked != "auto":
        return asked
    budget = (budget or BUDGETS[0]).strip().lower()
    if budget in BUDGETS[1:]:
        return PREVIEW_EVERY
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(m|h)", budget)
    minutes = float(match[1]) * (60 if match[2] == "h" else 1) if match else 0
    return PREVIEW_EVERY if minutes >= PREVIEW_FROM_MINUTES else ""


@dataclass(frozen=True)
class Shot:
    """One clip to swap, as any editor describes it.

    ``source``: the media frames the clip shows, in plate numbering (an image sequence's own frame
    numbers; for a movie, ``first_frame`` + the frame's index in the file). ``record``: where those
    frames sit on the timeline, same length. ``handles``: extra frames either side that the engine
    renders too (for the compositor's slip room). ``dissolve_in``/``dissolve_out``: the dissolve at the
    clip's first/last cut as (frames before the cut, frames after it); the handle frames a dissolve
    shows (before the first cut, after the last) are rendered and placed whatever ``handles`` says."""

    name: str
    media: str
    source: FrameSpan
    record: FrameSpan
    rate: Fraction
    drop_frame: bool = False
    handles: int = 0
    first_frame: Optional[int] = None  # a movie's plate number of its first frame (faceplate init --first-frame)
    resolution: Optional[tuple[int, int]] = None
    track: str = ""
    timeline: str = ""  # the file or host timeline the clip came from
    clip_id: str = ""  # how the adapter finds the clip again (host-specific)
    colour_space: str = ""
    dissolve_in: tuple[int, int] = (0, 0)
    dissolve_out: tuple[int, int] = (0, 0)
    budget: str = ""  # how long or how good: BUDGETS, or 30m / 2h / 5000it (the engine checks it); "": preview
    metadata: dict = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if min(*self.dissolve_in, *self.dissolve_out) < 0:
            raise ShotError(
                f"clip {self.name!r}: dissolve lengths must be 0 or more, not {self.dissolve_in} {self.dissolve_out}"
            )
        if self.source.count != self.record.count:
            raise ShotError(
                f"clip {self.name!r}: source {self.source} and record {self.record} differ in length "
                f"({self.source.count} vs {self.record.count} frames); a retimed clip cannot be "
                f"swapped frame for frame: flatten the speed change first"
            )
        if self.handles < 0:
            raise ShotError(f"clip {self.name!r}: handles must be 0 or more, not {self.handles}")

    @property
    def render_span(self) -> FrameSpan:
        """The plate frames the engine renders: the clip's frames plus handles (at least the frames its
        dissolves show), never below frame 0."""
        return FrameSpan(
            max(0, self.source.first - max(self.handles, self.dissolve_in[0])),
            self.source.last + max(self.handles, self.dissolve_out[1]),
        )

    def record_frame(self, source_frame: int) -> int:
        return self.record.first + (source_frame - self.source.first)

    def source_frame(self, record_frame: int) -> int:
        return self.source.first + (record_frame - self.record.first)

    def engine_shot(self, sources: list[str], consent_ref: Optional[str] = None) -> dict:
        """The ``shot`` body of a job submission (``EngineClient.submit(shot=...)``). ``consent_ref``: the
        consent/rights reference for the person depicted; a job that renders is refused without one."""
        return {
            "plate": self.media,
            "range": str(self.render_span),
            "sources": [str(s) for s in sources],
            "first_frame": self.first_frame if not is_sequence(self.media) else None,
            "colour_space": self.colour_space or None,
            "fps": rate_text(self.rate),
            "consent_ref": consent_ref,
        }

    def to_dict(self) -> dict:
        data = asdict(self)
        data["source"], data["record"], data["rate"] = str(self.source), str(self.record), rate_text(self.rate)
        data["resolution"] = list(self.resolution) if self.resolution else None
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "Shot":
        data = dict(data)
        data["source"], data["record"] = FrameSpan.parse(data["source"]), FrameSpan.parse(data["record"])
        data["rate"] = exact_rate(data["rate"])
        if data.get("resolution"):
            data["resolution"] = tuple(data["resolution"])
        for key in ("dissolve_in", "dissolve_out"):
            if key in data:
                data[key] = tuple(data[key])
        return cls(**data)

    def with_(self, **changes) -> "Shot":
        return replace(self, **changes)


@dataclass(frozen=True)
class Flag:
    """Frames QC flagged on a layer (plate numbering) and why, shown as a marker in the editor."""

    frames: FrameSpan
    reason: str


@dataclass(frozen=True)
class LayerPlacement:
    """Where a rendered layer goes: on track ``track_name`` (a new video track above every other),
    at record frames ``record``, showing layer files ``layer_pattern`` frames ``layer_in`` onwards.
    ``layer_frames`` is every frame on disk (the shot plus handles), so an editor can slip.
    ``dissolve_in``/``dissolve_out``: the shot's dissolves, for the layer to dissolve as the plate does."""

    shot: str
    track_name: str
    record: FrameSpan
    layer_pattern: str
    layer_frames: FrameSpan
    layer_in: int
    rate: Fraction
    matte_pattern: str = ""
    flags: tuple[Flag, ...] = ()
    dissolve_in: tuple[int, int] = (0, 0)
    dissolve_out: tuple[int, int] = (0, 0)
    metadata: dict = field(default_factory=dict, compare=False)

    @property
    def shown(self) -> FrameSpan:
        """The record frames the layer is seen on: the clip's, and the handle frames its dissolves show."""
        return FrameSpan(self.record.first - self.dissolve_in[0], self.record.last + self.dissolve_out[1])

    def layer_frame(self, record_frame: int) -> int:
        return self.layer_in + (record_frame - self.record.first)

    def record_frame(self, layer_frame: int) -> int:
        return self.record.first + (layer_frame - self.layer_in)

    def files(self) -> list[str]:
        """The layer file shown at each record frame, in order."""
        return [frame_path(self.layer_pattern, self.layer_frame(r)) for r in self.record.frames()]

    def flags_on_record(self) -> list[tuple[FrameSpan, str]]:
        """Each flag as record frames, clipped to the placed range (flags on handles are dropped)."""
        placed = []
        for flag in self.flags:
            first = max(self.record_frame(flag.frames.first), self.record.first)
            last = min(self.record_frame(flag.frames.last), self.record.last)
            if first <= last:
                placed.append((FrameSpan(first, last), flag.reason))
        return placed


def place_layer(
    shot: Shot,
    layer_pattern: str,
    layer_frames: FrameSpan,
    *,
    track_name: str = "faceplate",
    matte_pattern: str = "",
    flags: tuple[Flag, ...] = (),
    metadata: Optional[dict] = None,
) -> LayerPlacement:
    """The layer of ``shot`` at exactly the clip's record frames, dissolving where the clip dissolves. The
    engine numbers layer frames as the plate, so layer frame N is plate frame N; refuses a layer that does
    not cover every frame the viewer sees of the clip (its dissolves' handle frames included)."""
    needed = FrameSpan(shot.source.first - shot.dissolve_in[0], shot.source.last + shot.dissolve_out[1])
    if not layer_frames.contains(needed):
        raise ShotError(
            f"clip {shot.name!r}: the layer has frames {layer_frames} but the clip needs "
            f"{needed}; render the missing frames (faceplate render --frames {needed})"
        )
    return LayerPlacement(
        shot=shot.name,
        track_name=track_name,
        record=shot.record,
        layer_pattern=layer_pattern,
        layer_frames=layer_frames,
        layer_in=shot.source.first,
        rate=shot.rate,
        matte_pattern=matte_pattern,
        flags=tuple(flags),
        dissolve_in=shot.dissolve_in,
        dissolve_out=shot.dissolve_out,
        metadata=dict(metadata or {}),
    )
