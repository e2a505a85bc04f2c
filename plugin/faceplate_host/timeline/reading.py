"""Reading a cut: any file OpenTimelineIO reads, as one Timeline (a collection's named timeline)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Optional

import opentimelineio as otio

from faceplate_host.shots import ShotError

_SCHEMA = re.compile(r'"OTIO_SCHEMA"\s*:\s*"([A-Za-z_][\w]*)\.(\d+)"')


class TimelineError(ShotError):
    """A timeline file that cannot be read or used; the message names the file (and the clip)."""


# --- reading -------------------------------------------------------------------------------
def read_timeline(path, name: Optional[str] = None) -> otio.schema.Timeline:
    """The timeline in ``path`` (``.otio`` or any format an installed OTIO adapter reads).

    A file whose root is a Clip, Track or Stack is wrapped in a Timeline so every caller sees one
    shape; a SerializableCollection gives its only Timeline (or the one called ``name``)."""
    path = Path(path)
    if not path.is_file():
        raise TimelineError(f"{path}: no such timeline file; give the path of a .otio (or other OTIO-readable) file")
    try:
        root = otio.adapters.read_from_file(str(path))
    except otio.exceptions.UnsupportedSchemaError as exc:
        raise TimelineError(f"{path}: {_unsupported_schema(path, exc)}") from None
    except otio.exceptions.NoKnownAdapterForExtensionError:
        raise TimelineError(
            f"{path}: OpenTimelineIO has no adapter for '{path.suffix}' files; export the cut as "
            f".otio (or install the OTIO adapter plug-in for this format)"
        ) from None
    except (otio.exceptions.OTIOError, ValueError, OSError, TypeError, KeyError) as exc:
        raise TimelineError(
            f"{path}: not a timeline OpenTimelineIO can read ({one_line(exc)}); export it again from the editor"
        ) from None
    return as_timeline(root, path, name)


def as_timeline(root, path="timeline", name: Optional[str] = None) -> otio.schema.Timeline:
    """Any OTIO root as a Timeline: Clip → one track holding it, Track → one-track stack, Stack → its timeline."""
    if isinstance(root, otio.schema.Timeline):
        return root
    if isinstance(root, otio.schema.SerializableCollection):
        return _timeline_in_collection(root, path, name)
    if isinstance(root, (otio.schema.Stack, otio.schema.Track, otio.schema.Clip)):
        timeline = otio.schema.Timeline(name=root.name or Path(str(path)).stem)
        if isinstance(root, otio.schema.Stack):
            timeline.tracks = root
        elif isinstance(root, otio.schema.Track):
            timeline.tracks.append(root)
        else:
            track = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
            track.append(root)
            timeline.tracks.append(track)
        return timeline
    raise TimelineError(f"{path}: holds a {type(root).__name__}, not a timeline, track or clip; export the cut again")


def _timeline_in_collection(collection, path, name: Optional[str]) -> otio.schema.Timeline:
    timelines = [t for t in collection.find_children(descended_from_type=otio.schema.Timeline)]
    if name is not None:
        timelines = [t for t in timelines if t.name == name]
    if len(timelines) == 1:
        return timelines[0].deepcopy()  # parentless: it outlives the collection it was read in
    if not timelines:
        loose = [c for c in collection if isinstance(c, (otio.schema.Stack, otio.schema.Track, otio.schema.Clip))]
        if len(loose) == 1 and name is None:
            return as_timeline(loose[0].deepcopy(), path)
        if name is None:
            raise TimelineError(f"{path}: the collection holds no timeline; export one timeline")
        names = ", ".join(repr(t.name) for t in collection.find_children(descended_from_type=otio.schema.Timeline))
        raise TimelineError(
            f"{path}: holds no timeline called {name!r} (it holds {names or 'none'}); give one of those names"
        )
    names = ", ".join(repr(t.name) for t in timelines)
    raise TimelineError(
        f"{path}: holds {len(timelines)} timelines ({names}); choose one by name (faceplate-otio --timeline NAME)"
    )


def _unsupported_schema(path: Path, exc: Exception) -> str:
    """Which schema in the file is newer than this OpenTimelineIO reads (OTIO only says 'near line N')."""
    known = otio.core.type_version_map()
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        text = ""
    newer = sorted(
        {f"{kind}.{version}" for kind, version in _SCHEMA.findall(text) if kind in known and int(version) > known[kind]}
    )
    found = ", ".join(newer) if newer else one_line(exc)
    readable = ", ".join(f"{s.split('.')[0]}.{known[s.split('.')[0]]}" for s in newer)
    return (
        f"written with a newer OpenTimelineIO schema ({found}) than the installed OpenTimelineIO "
        f"{otio.__version__} reads{f' ({readable})' if readable else ''} (UnsupportedSchemaError); "
        f"upgrade opentimelineio or export the cut again from an older-schema writer"
    )


def one_line(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    return text[:200] if text else type(exc).__name__
