"""Frames nobody extracted are detected at render time with extract's pipeline: a crop its face check
refuses comes back as a frame without a face, and the artist is told which frames and why."""

from __future__ import annotations

from faceplate.faces.pipeline import ExtractSettings, Refused
from faceplate.media import ColourTransform, open_plate
from faceplate.render.face_plan import plan_by_detection
from faceplate.render.result import RenderResult

FRAMES = list(range(1001, 1041))


def test_detection_at_render_time_returns_the_crops_its_face_check_refused(test_data):
    with open_plate(str(test_data / "plates" / "multi_face_video_01.mp4"), first_frame=1001) as plate:
        plan, refused = plan_by_detection(
            plate, FRAMES, ColourTransform("sRGB Encoded Rec.709 (sRGB)"), ExtractSettings(all_faces=True)
        )
    assert len([f for f in FRAMES if plan[f]]) >= 0.8 * len(FRAMES)  # faces are found on most frames
    assert refused, "the group clip has a crop that is not a face"
    for crop in refused:
        assert crop.frame in FRAMES and "no face found on the aligned crop" in crop.reason
        # the refused track is dropped: nothing of it is planned on its frame
        assert all(face.track != crop.track + 10_000 for face in plan[crop.frame])


def test_the_render_lines_name_the_refused_frames_and_the_reason():
    result = RenderResult(
        frames_written=[1001, 1002, 1003, 1004],
        frames_without_face=[1003, 1004],
        refused=[
            Refused(1003, 2, 80.0, "no face found on the aligned crop"),
            Refused(1004, 2, 81.0, "no face found on the aligned crop"),
        ],
    )
    lines = result.lines()
    assert "no face to replace in frames 1003-1004 (empty layer frames written)" in lines
    assert (
        "the face check refused 2 crops as not a face in frames 1003-1004 (first: frame 1003, no face "
        "found on the aligned crop); extract those frames to review them"
    ) in lines
    assert result.summary()["refused_frames"] == "1003-1004"
    assert not any("refused" in line for line in RenderResult(frames_written=[1001]).lines())
