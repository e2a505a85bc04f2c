"""A real talking head with occluders composited onto chosen frames: the plate a render is tested on.

Each occluder keeps its shape and side through its frames (one seed) and follows the face (its
polygon is placed from that frame's own landmarks), as a hand held in front of a talking face would. The
actor may wear glasses through the whole shot (drawn from each frame's landmarks, behind the occluders).
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from occluder_helpers import draw_glasses, hand_polygon, paste_occluder

from faceplate.faces.detect import DlibHogDetector
from faceplate.faces.landmarks import DlibLandmarks68
from faceplate.media import FrameRange, format_pattern, open_plate, write_sequence_frame


def occluded_plate(
    video: Path, folder: Path, frames: FrameRange, occluders: dict[int, tuple[int, tuple]], glasses: bool = False
) -> tuple[str, dict[int, np.ndarray], dict[int, np.ndarray]]:
    """Frames of ``video`` (numbered from 1001) as a PNG sequence in ``folder``; ``occluders`` maps a
    frame to (seed, RGB colour) of the hand pasted on it; ``glasses``: the actor wears glasses in every
    frame. Returns (the sequence's pattern, the occluder's polygon in plate pixels per occluded frame, the
    glasses' visible pixels per frame (uint8 masks; none without glasses))."""
    detector, fitter = DlibHogDetector(), DlibLandmarks68()
    pattern = format_pattern(folder, "plate", "png")
    polygons, worn = {}, {}
    with open_plate(video, first_frame=1001) as plate:
        for frame, image in plate.iter_frames(frames):
            if frame in occluders or glasses:
                points = fitter.fit(image, detector.detect(image)[0].box)
            if glasses:
                image, worn[frame] = draw_glasses(image, points)
            if frame in occluders:
                seed, colour = occluders[frame]
                polygons[frame] = hand_polygon(points, np.random.default_rng(seed))
                image = paste_occluder(image, polygons[frame], np.random.default_rng(frame), np.array(colour))
                if glasses:  # the hand is in front of the glasses
                    cv2.fillPoly(worn[frame], [np.round(polygons[frame]).astype(np.int32)], 0)
            write_sequence_frame(pattern, frame, image)
    return pattern, polygons, worn
