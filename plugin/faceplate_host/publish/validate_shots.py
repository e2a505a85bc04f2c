"""Validate each shot: its media is there, whole, at the timeline's rate, and covers the range."""

import os
from fractions import Fraction

import pyblish.api

from faceplate_host import publishing
from faceplate_host.publishing import HOSTS
from faceplate_host.shots import FrameSpan, frame_path, is_sequence

MISSING_SHOWN = 5


class ValidateClipsSwappable(pyblish.api.ContextPlugin):
    """Every chosen clip became a shot: none retimed, reversed or without media."""

    label = "Clips can be swapped"
    order = pyblish.api.ValidatorOrder
    hosts = HOSTS

    def process(self, context):
        refused = context.data.get("faceplate_refused") or []
        if refused:
            raise ValueError("; ".join(refused))
        if not context:
            raise ValueError("no clip is marked; mark the clips to swap (e.g. a marker named FACE) and publish again")


class ValidateMediaReadable(publishing.ShotValidator):
    label = "Media exists and is readable"

    def find_problem(self, shot):
        if is_sequence(shot.media):
            folder = os.path.dirname(shot.media) or "."
            if not os.path.isdir(folder):
                return f"the media folder {folder} does not exist; relink the clip to its frames"
            return None
        if not os.path.isfile(shot.media):
            return f"media {shot.media} does not exist; relink the clip to its file"
        if not os.access(shot.media, os.R_OK):
            return f"media {shot.media} cannot be read; fix its permissions"
        return None


class ValidateFrameRate(publishing.ShotValidator):
    label = "Media rate matches the timeline"

    def find_problem(self, shot):
        timeline_rate = shot.metadata.get("timeline_rate")
        if not timeline_rate or Fraction(timeline_rate) == shot.rate:
            return None  # no rate from the host: the host timeline's rate is the shot's own rate
        return (
            f"media at {float(shot.rate):.3f} fps on a {float(Fraction(timeline_rate)):.3f} fps timeline; "
            f"conform the media (or the timeline) so they match frame for frame"
        )


class ValidateRangeInMedia(publishing.ShotValidator):
    label = "Range inside the media"

    def find_problem(self, shot):
        if not shot.metadata.get("media_frames"):
            return None  # the host did not say how long the media is: the engine checks when it reads it
        media = FrameSpan.parse(shot.metadata["media_frames"])
        if not media.contains(shot.source):
            return f"uses frames {shot.source} but the media holds {media}; trim the clip inside its media"
        if not media.contains(shot.render_span):
            room = min(shot.source.first - media.first, media.last - shot.source.last)
            return (
                f"with {shot.handles} handles it needs frames {shot.render_span} but the media holds {media}; "
                f"lower the handles to {max(room, 0)}"
            )
        return None


class ValidateNoMissingFrames(publishing.ShotValidator):
    label = "No missing frames"
    order = pyblish.api.ValidatorOrder + 0.01

    def find_problem(self, shot):
        if not is_sequence(shot.media) or not os.path.isdir(os.path.dirname(shot.media) or "."):
            return None
        missing = [f for f in shot.render_span.frames() if not os.access(frame_path(shot.media, f), os.R_OK)]
        if not missing:
            return None
        shown = ", ".join(str(f) for f in missing[:MISSING_SHOWN]) + (" ..." if len(missing) > MISSING_SHOWN else "")
        return (
            f"{len(missing)} of frames {shot.render_span} missing or unreadable in {shot.media} ({shown}); "
            f"render or copy the missing frames, or lower the handles"
        )
