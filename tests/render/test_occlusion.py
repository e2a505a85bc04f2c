"""The occlusion cue on a real face crop (scikit-image's astronaut): the destination's "reconstruction" is
the plate's own crop, softened and slightly off everywhere as a young model draws it; the plate gets a
prop pasted over the mouth. What the cue takes out is the prop; the settings decide when it applies."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from render_helpers import prepared_astronaut

from faceplate.media.colour import WORKING_SPACE, ColourTransform
from faceplate.render.merge import merge_face
from faceplate.render.occlusion import occlusion_map
from faceplate.render.settings import MergeSettings

RESOLUTION = 64


@pytest.fixture(scope="module")
def face(astronaut):
    """(prepared face, its soft reconstruction, the plate crop with a prop, the prop's crop mask)."""
    _, prepared = prepared_astronaut(astronaut, RESOLUTION)
    own = np.clip(cv2.GaussianBlur(prepared.crop, (0, 0), 1.5) * 0.95 + 0.02, 0, 1)
    prop = np.zeros((RESOLUTION, RESOLUTION), np.uint8)
    mouth = prepared.landmarks[48:60]
    x0, y0 = np.floor(mouth.min(0)).astype(int) - 2
    x1, y1 = np.ceil(mouth.max(0)).astype(int) + 2
    prop[y0:y1, x0:x1] = 1
    prepared.crop = prepared.crop.copy()
    prepared.crop[prop.astype(bool)] = (0.15, 0.6, 0.25)
    return prepared, own, prop.astype(bool)


def test_the_map_covers_the_prop_and_little_else(face):
    prepared, own, prop = face
    occluded = occlusion_map(prepared.crop, own, prepared.hull, MergeSettings().occlusion_threshold) > 0.5
    # the error is measured blurred at the model's scale: its edge reaches a few pixels past the prop's
    near = cv2.dilate(prop.astype(np.uint8), np.ones((7, 7), np.uint8)).astype(bool)
    away = (prepared.hull > 0.5) & ~near
    assert (occluded & prop).sum() / prop.sum() > 0.95, "the prop is taken out"
    assert (occluded & away).sum() / away.sum() < 0.02, "the face around it stays"


@pytest.mark.parametrize(
    ("occlusion", "learned", "takes_out"),
    [("auto", False, True), ("auto", True, False), ("on", True, True), ("off", False, False)],
)
def test_the_setting_decides_when_the_cue_applies(face, occlusion, learned, takes_out):
    prepared, own, prop = face
    ones = np.ones_like(prepared.hull)
    settings = MergeSettings(colour_transfer="none", mask="learned" if learned else "landmark", occlusion=occlusion)
    colour = ColourTransform(WORKING_SPACE)
    _, with_own, _ = merge_face(prepared, own, ones, ones if learned else None, settings, colour, 0, own)
    _, without, _ = merge_face(prepared, own, ones, ones if learned else None, settings, colour, 0)
    lost = without.sum() - with_own.sum()
    assert (lost > 0.3 * prop.sum()) == takes_out, lost


def test_a_model_exported_before_the_cue_renders_without_it_and_refuses_on(tmp_path, caplog):
    """A FaceplateGenerator.1 file (swap and mask only): auto renders with one warning, on is refused."""
    import torch

    from faceplate.errors import RenderError
    from faceplate.export.onnx_export import export_module
    from faceplate.render.generator import OnnxGenerator
    from faceplate.stages.render import _check_occlusion

    class Older(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(3, 4, 1)

        def forward(self, x):
            y = torch.sigmoid(self.conv(x))
            return y[:, :3], y[:, 3:]

    meta = {"schema": "FaceplateGenerator.1", "resolution": "16", "face_type": "whole_face"}
    path = export_module(
        Older(), torch.rand(2, 3, 16, 16), tmp_path / "g.onnx", ["face"], ["swapped", "mask"], meta
    ).path
    generator = OnnxGenerator(path, "cpu")
    assert not generator.reconstructs and generator.generate(np.random.rand(1, 16, 16, 3))[2] is None
    _check_occlusion({"auto"}, generator)
    assert "has no reconstruction output" in caplog.text and "faceplate export" in caplog.text
    with pytest.raises(RenderError, match="--occlusion on: .*g.onnx has no reconstruction output; export it again"):
        _check_occlusion({"on", "auto"}, generator)
