"""Shot descriptions and layer placement: the data every editor adapter shares."""

from fractions import Fraction

import pytest

from faceplate_host.shots import Flag, FrameSpan, Shot, ShotError, exact_rate, frame_path, place_layer


@pytest.mark.parametrize(
    "given, exact",
    [
        (23.976, Fraction(24000, 1001)),
        ("23.976", Fraction(24000, 1001)),
        (23.976023976, Fraction(24000, 1001)),
        ("29.97 DF", Fraction(30000, 1001)),
        (59.94, Fraction(60000, 1001)),
        ("24000/1001", Fraction(24000, 1001)),
        (24.0, Fraction(24)),
        (25, Fraction(25)),
        (12.5, Fraction(25, 2)),
    ],
)
def test_editor_rates_become_exact(given, exact):
    assert exact_rate(given) == exact


@pytest.mark.parametrize("bad", [0, -24, "fast", None])
def test_bad_rate_is_one_clear_error(bad):
    with pytest.raises(ShotError, match="frame rate"):
        exact_rate(bad)


@pytest.mark.parametrize(
    "pattern, path",
    [
        ("/l/faceplate.####.exr", "/l/faceplate.1001.exr"),
        ("/l/f.%04d.exr", "/l/f.1001.exr"),
        ("/l/f.%d.png", "/l/f.1001.png"),
        ("/l/f.@@@@@.exr", "/l/f.01001.exr"),
        ("/l/clip.mov", "/l/clip.mov"),
    ],
)
def test_frame_path(pattern, path):
    assert frame_path(pattern, 1001) == path


def _shot(**changes):
    base = dict(
        name="sh010",
        media="/m/plate.####.exr",
        source=FrameSpan(1010, 1019),
        record=FrameSpan(86400 + 48, 86400 + 57),
        rate=Fraction(24),
        handles=4,
    )
    base.update(changes)
    return Shot(**base)


def test_source_and_record_frames_map_both_ways():
    shot = _shot()
    assert [shot.record_frame(f) for f in (1010, 1019)] == [86448, 86457]
    assert shot.source_frame(86450) == 1012
    assert str(shot.render_span) == "1006-1023"
    assert shot.engine_shot(["/src"])["range"] == "1006-1023"


def test_the_shot_body_carries_the_consent_reference():
    assert _shot().engine_shot(["/src"], consent_ref="CF-7")["consent_ref"] == "CF-7"
    assert _shot().engine_shot(["/src"])["consent_ref"] is None  # EngineClient.submit leaves None out of the body


def test_retimed_clip_is_refused_by_name():
    with pytest.raises(ShotError, match="'sh010'.*retimed"):
        _shot(record=FrameSpan(86448, 86452))


def test_shot_round_trips_through_json_dict():
    shot = _shot(rate=Fraction(24000, 1001), resolution=(1920, 1080))
    assert Shot.from_dict(shot.to_dict()) == shot


def test_layer_placed_at_record_frames_with_flags_clipped_to_the_cut():
    shot = _shot()
    placement = place_layer(
        shot,
        "/w/render/layer/faceplate.####.exr",
        FrameSpan(1006, 1023),
        flags=(Flag(FrameSpan(1004, 1011), "flicker"), Flag(FrameSpan(1021, 1023), "seam")),
    )
    assert placement.files()[0] == "/w/render/layer/faceplate.1010.exr"
    assert placement.files()[-1] == "/w/render/layer/faceplate.1019.exr"
    assert placement.flags_on_record() == [(FrameSpan(86448, 86449), "flicker")]


def test_layer_missing_frames_is_refused_with_the_fix():
    with pytest.raises(ShotError, match="faceplate render --frames 1010-1019"):
        place_layer(_shot(), "/w/f.####.exr", FrameSpan(1010, 1015))
