"""The OTIO file as a host: ``HostAdapter`` for a timeline on disk (the "otio" pyblish host).

It collects the marked clips of ``timeline_path`` and places every layer into ``out_path``: each
``place`` rewrites ``out_path`` (atomically) with all layers placed so far on new top tracks, the
original tracks unchanged. A file has no user interface, so ``select`` logs where the clip is.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Optional

from faceplate_host.shots import LayerPlacement, Shot
from faceplate_host.timeline import EVERY_CLIP, ClipSelection, read_timeline, shots_and_refusals, write_layers

log = logging.getLogger("faceplate_host.otio")


class OtioFileAdapter:
    host = "otio"

    def __init__(
        self, timeline_path, out_path, selection: ClipSelection = EVERY_CLIP, timeline_name: Optional[str] = None
    ):
        self.timeline_path, self.out_path = Path(timeline_path), Path(out_path)
        self.selection = selection
        self.timeline = read_timeline(self.timeline_path, timeline_name)
        self.placed: list[LayerPlacement] = []
        self.base = None  # the timeline written with an earlier version, once a newer one is placed

    def collect(self) -> list[Shot]:
        shots, refused = self.collect_all()
        if refused:
            raise refused[0]
        return shots

    def collect_all(self):
        """(shots, refusals): every chosen clip tried, so validation can name all refused clips at once."""
        return shots_and_refusals(self.timeline, self.selection, source_path=str(self.timeline_path))

    def place(self, placement: LayerPlacement) -> None:
        """A newer version of a shot already placed here replaces it on the layer track; the file written with
        the earlier version is the base, so that version stays on its track, disabled (``write_layers``)."""
        if any(p.shot == placement.shot and p.layer_pattern != placement.layer_pattern for p in self.placed):
            self.base = read_timeline(self.out_path)
        placed = [p for p in self.placed if p.shot != placement.shot] + [placement]
        write_layers(self.base or self.timeline, placed, self.out_path)
        self.placed = placed

    def select(self, shot: Shot) -> None:
        log.info("clip %r: track %s, record %s, in %s", shot.name, shot.track or "-", shot.record, self.timeline_path)
