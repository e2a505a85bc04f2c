"""Media I/O: plates in (video, image sequences, stills), images out, colour conversion.

Everything a stage needs is importable from here; see ``plate.py`` for the pixel conventions.
"""

from faceplate.media.colour import (
    WORKING_SPACE,
    ColourTransform,
    default_plate_space,
    list_colour_spaces,
    working_uint8,
)
from faceplate.media.frames import FrameRange
from faceplate.media.image_input import read_image
from faceplate.media.image_output import write_image
from faceplate.media.pixels import to_float01
from faceplate.media.plate import Plate, PlateInfo, open_plate
from faceplate.media.sequence import format_pattern, sequence_path, write_sequence_frame

__all__ = [
    "ColourTransform",
    "FrameRange",
    "Plate",
    "PlateInfo",
    "WORKING_SPACE",
    "default_plate_space",
    "format_pattern",
    "list_colour_spaces",
    "open_plate",
    "read_image",
    "sequence_path",
    "to_float01",
    "working_uint8",
    "write_image",
    "write_sequence_frame",
]
