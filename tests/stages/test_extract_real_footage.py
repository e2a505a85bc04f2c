"""Extraction on real footage from the shared test media (FACEPLATE_TEST_DATA)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from faceplate.errors import ExtractError
from faceplate.faces.align import invert_matrix, transform_points
from faceplate.faces.embedding import embedding_distance
from faceplate.faces.faceset import read_faceset
from faceplate.media import open_plate, read_image
from faceplate.stages.runner import run_stage
from faceplate.workspace import init_workspace

TALKING_HEADS = ["grid_bbaf2n", "grid_brbk7n", "grid_lbax4n", "grid_lbbc2a", "grid_lrwp9a", "grid_lwbsza"]
HEAD_TURNS = ["d0", "d18", "d19", "d3"]
HEAD_TURNS_LONG = ["d10", "d6"]


def _extract_plate(tmp_path, plate, frame_range=None, **settings):
    ws = init_workspace(tmp_path / "shot", plate, frame_range)
    result = run_stage(ws, "extract", {"roles": "destination", **settings}).detail["destination"]
    return ws, result, read_faceset(ws.faceset_dir("destination"))


def _assert_found_in_95_percent(result, faceset, total):
    assert result.frames_read == total
    frames = set(faceset.frames)
    assert len(frames) >= 0.95 * total, (
        f"face found in {len(frames)}/{total} frames; empty: {result.summary()['empty_frames']}"
    )
    assert len(faceset.records) == len(frames), "single-face mode keeps at most one face per frame"


@pytest.mark.parametrize("name", TALKING_HEADS)
def test_talking_head_face_found_in_95_percent_of_frames(test_data, tmp_path, name):
    ws, result, faceset = _extract_plate(tmp_path, test_data / "talking_heads" / f"{name}.mpg")
    _assert_found_in_95_percent(result, faceset, 75)
    assert faceset.frames[0] >= 1001 and faceset.frames[-1] <= 1075  # plate numbering, not indices


@pytest.mark.parametrize("name", HEAD_TURNS + [pytest.param(n, marks=pytest.mark.slow) for n in HEAD_TURNS_LONG])
def test_head_turn_face_found_in_95_percent_of_frames(test_data, tmp_path, name):
    path = test_data / "head_turns" / f"{name}.mp4"
    with open_plate(path) as plate:
        total = len(plate.info.frame_range)
    ws, result, faceset = _extract_plate(tmp_path, path)
    _assert_found_in_95_percent(result, faceset, total)


def test_landmarks_reproject_onto_the_plate_within_a_pixel(test_data, tmp_path):
    path = test_data / "head_turns" / "d18.mp4"
    ws, _, faceset = _extract_plate(tmp_path, path, crop_format="png")
    with open_plate(path) as plate:
        for record in faceset.records[::40]:
            crop_points = transform_points(record.landmarks_array, record.matrix_array)
            back = transform_points(crop_points, invert_matrix(record.matrix_array))
            assert np.abs(back - record.landmarks_array).max() < 1.0
            # the stored crop really is the plate warped by the stored matrix: sample both at the eyes
            crop = read_image(faceset.crop_path(record))
            frame = plate.read(record.frame)
            for (cx, cy), (px, py) in zip(crop_points[36:48], record.landmarks_array[36:48]):
                crop_pixel = crop[int(round(cy)), int(round(cx))].astype(float)
                plate_pixel = frame[int(round(py)), int(round(px))].astype(float)
                assert np.abs(crop_pixel - plate_pixel).max() <= 40, (record.frame, crop_pixel, plate_pixel)


def test_reference_identity_keeps_one_person_in_a_group_shot(test_data, tmp_path):
    path = test_data / "plates" / "multi_face_video_01.mp4"
    # find the people in the first frame; take the second-largest as the person to keep
    ws, _, everyone = _extract_plate(tmp_path / "all", path, all_faces=True, upsample=1)
    first = [r for r in everyone.records if r.frame == everyone.frames[0]]
    assert len(first) >= 2, "the group shot shows several people"
    target = sorted(first, key=lambda r: r.box[2] - r.box[0])[-2]
    reference = tmp_path / "reference.png"
    with open_plate(path) as plate:
        image = plate.read(target.frame)
    x0, y0, x1, y1 = (int(v) for v in target.box)
    pad = (x1 - x0) // 2
    from faceplate.media import write_image

    write_image(reference, np.ascontiguousarray(image[max(0, y0 - pad) : y1 + pad, max(0, x0 - pad) : x1 + pad]))

    _, result, kept = _extract_plate(tmp_path / "one", path, reference=str(reference), upsample=1)
    assert len(kept.frames) >= 0.9 * result.frames_read
    assert len(kept.records) == len(kept.frames)
    target_embedding = np.asarray(target.embedding)
    assert all(embedding_distance(r.embedding, target_embedding) < 0.6 for r in kept.records)
    centres = np.array([[(r.box[0] + r.box[2]) / 2, (r.box[1] + r.box[3]) / 2] for r in kept.records])
    jumps = np.linalg.norm(np.diff(centres, axis=0), axis=1)
    assert jumps.max() < (x1 - x0), "the kept face never jumps to another person"


def test_late_face_reports_empty_frames_without_failing(test_data, tmp_path):
    ws, result, faceset = _extract_plate(tmp_path, test_data / "plates" / "late_face_motion.avi")
    summary = result.summary()
    assert summary["empty_frames"].startswith("1001-"), summary
    assert faceset.frames[0] > 1020  # the face appears only after ~30 empty frames
    run = ws.manifest.last_run("extract")
    assert run.status == "done" and run.summary["empty_frames"] == summary["empty_frames"]


def test_dogs_have_no_human_face(test_data, tmp_path):
    ws = init_workspace(tmp_path / "shot", test_data / "stills" / "dogs.jpg")
    with pytest.raises(ExtractError, match="no face found in any frame"):
        run_stage(ws, "extract", {"roles": "destination"})
    assert ws.manifest.last_run("extract").status == "failed"
    assert not ws.faceset_dir("destination").exists()


def test_stills_folder_source_gives_one_face_per_photo(test_data, tmp_path, astronaut):
    from faceplate.media import write_image

    plate = tmp_path / "plate.png"
    write_image(plate, astronaut)
    ws = init_workspace(tmp_path / "shot", plate, sources=[test_data / "identities" / "John_Salley"])
    result = run_stage(ws, "extract", {"roles": "source"}).detail["source"]
    faceset = read_faceset(ws.faceset_dir("source"))
    assert result.frames_read == 11
    assert len(faceset.records) >= 10
    assert all(r.source == "source0" and r.embedding_frame == r.frame for r in faceset.records)


# --- one person, real faces only (issue 15): multi-person hand-held clips and small faces ---


def _redetected(crop: np.ndarray) -> bool:
    """An independent look at a kept crop: dlib's HOG detector (upsampled once) finds a face in it."""
    import dlib

    rects, _, _ = dlib.get_frontal_face_detector().run(np.ascontiguousarray(crop), 1, -0.5)
    return len(rects) > 0


def _assert_one_person_and_only_faces(faceset):
    embeddings = np.array([r.embedding for r in faceset.records])
    mean = embeddings.mean(0)
    far = {
        r.id: round(embedding_distance(r.embedding, mean), 2)
        for r in faceset.records
        if embedding_distance(r.embedding, mean) > 0.6
    }
    assert not far, f"faces of another person kept: {far}"
    not_faces = [r.id for r in faceset.records if not _redetected(read_image(faceset.crop_path(r)))]
    assert not not_faces, f"kept crops with no face in them: {not_faces}"


def test_group_clip_keeps_one_person_and_only_faces(test_data, tmp_path):
    _, result, faceset = _extract_plate(
        tmp_path, test_data / "plates" / "multi_face_video_01.mp4", "1001-1045", crop_size=128
    )
    assert len(faceset.records) >= 0.8 * result.frames_read
    _assert_one_person_and_only_faces(faceset)


def _handheld_crowd(still: np.ndarray, folder, frames: int = 16):
    """A hand-held camera over a crowd still: each frame the still shifted a few pixels (a random walk)."""
    from faceplate.media import write_image

    folder.mkdir()
    rng = np.random.default_rng(7)
    offset = np.zeros(2)
    for i in range(frames):
        offset += rng.normal(0, 4, 2)
        shift = np.float32([[1, 0, offset[0]], [0, 1, offset[1]]])
        frame = cv2.warpAffine(still, shift, (still.shape[1], still.shape[0]), borderMode=cv2.BORDER_REFLECT)
        write_image(folder / f"crowd.{1001 + i:04d}.png", frame)
    return folder / "crowd.1001.png"


@pytest.mark.parametrize("still", ["race.jpg", pytest.param("bald_guys.jpg", marks=pytest.mark.slow)])
def test_handheld_crowd_keeps_one_person_and_only_faces(test_data, tmp_path, still):
    image = read_image(test_data / "stills" / still)
    if max(image.shape[:2]) > 1000:  # the collage: half size keeps the test fast
        image = cv2.resize(image, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    plate = _handheld_crowd(image, tmp_path / "frames")
    _, result, faceset = _extract_plate(tmp_path, plate, crop_size=128, upsample=1)
    assert result.frames_read == 16 and len(faceset.records) >= 12
    _assert_one_person_and_only_faces(faceset)


def test_small_faces_are_reported_against_the_model_resolution(test_data, tmp_path):
    ws, result, _ = _extract_plate(
        tmp_path / "small", test_data / "plates" / "multi_face_video_01.mp4", crop_size=128, all_faces=True
    )
    warnings = [line for line in result.lines() if "faces are small" in line]
    assert len(warnings) == 1, result.lines()
    assert f"median face {result.median_face_px:.0f} px" in warnings[0] and "128 px crop" in warnings[0]
    assert result.median_face_px < 71
    assert ws.manifest.last_run("extract").summary["median_face_px"] == result.median_face_px
    _, big, _ = _extract_plate(tmp_path / "big", test_data / "stills" / "bald_guys.jpg", crop_size=128, all_faces=True)
    assert not any("faces are small" in line for line in big.lines()), big.lines()
