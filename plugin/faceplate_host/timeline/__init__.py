"""OpenTimelineIO timelines to ``Shot`` descriptions and back: read a cut, choose its clips, work out their
frames, write the rendered layers on new tracks.

    timeline = read_timeline("cut.otio")                        # .otio, or anything OTIO's adapters read
    shots = shots_from_timeline(timeline, ClipSelection(marker="FACE"))  # one Shot per clip marked FACE

Frame maths goes through OTIO itself (``transformed_time_range`` from the clip up to the timeline's
stack), so nested stacks, transitions, timeline start times such as 86400 (01:00:00:00 at 24 fps)
and source offsets count the way the editor counts them. Record frames are the timeline's own
numbering (global start time included). Source frames are plate numbering:

- an ``ImageSequenceReference``: the sequence's own frame numbers (``start_frame`` onwards);
- a movie (``ExternalReference``): ``first_frame`` + the frame's index counted from the start of the
  media's ``available_range`` (index 0 = the file's first frame). ``first_frame`` defaults to
  ``DEFAULT_FIRST_FRAME`` (1001), the engine's numbering of a movie (``faceplate init --first-frame``),
  so the layer files come back as ``faceplate.1001.exr`` onwards whatever timecode the movie carries;
- an ``ExternalReference`` whose URL is a sequence pattern (``plate.%04d.exr``): the media time's
  frame number.

Retimed clips (``LinearTimeWarp`` other than 1x, ``FreezeFrame``, any other ``TimeEffect``) and
reversed clips cannot be swapped frame for frame and are refused with a message naming the clip.

One module per job: ``reading`` (files and collections), ``selection`` (which clips), ``frames``
(frame maths), ``visibility`` (what the viewer shows of a clip through nesting and dissolves),
``media`` (media paths and plate numbers), ``clips`` (one clip to one Shot), ``layers`` (writing the
layers back). The names below are the package's public surface.
"""

from faceplate_host.shots import DEFAULT_FIRST_FRAME
from faceplate_host.timeline.clips import (
    describe,
    refuse_retime,
    shot_from_clip,
    shots_and_refusals,
    shots_from_timeline,
)
from faceplate_host.timeline.frames import record_start, timeline_rate
from faceplate_host.timeline.layers import (
    LAYER_TRACK,
    add_layer_tracks,
    layer_clip,
    sequence_reference,
    split_pattern,
    write_layers,
)
from faceplate_host.timeline.media import media_path, media_span, sequence_pattern
from faceplate_host.timeline.reading import TimelineError, as_timeline, read_timeline
from faceplate_host.timeline.selection import EVERY_CLIP, ClipSelection, choose_clips, video_clips
from faceplate_host.timeline.visibility import record_span

__all__ = [
    "ClipSelection",
    "DEFAULT_FIRST_FRAME",
    "EVERY_CLIP",
    "LAYER_TRACK",
    "TimelineError",
    "add_layer_tracks",
    "as_timeline",
    "choose_clips",
    "describe",
    "layer_clip",
    "media_path",
    "media_span",
    "read_timeline",
    "record_span",
    "record_start",
    "refuse_retime",
    "sequence_pattern",
    "sequence_reference",
    "shot_from_clip",
    "shots_and_refusals",
    "shots_from_timeline",
    "split_pattern",
    "timeline_rate",
    "video_clips",
    "write_layers",
]
