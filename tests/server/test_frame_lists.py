"""Frame lists sent to a real engine stay spans: a 20-million-frame render is checked against the shot, not
expanded (bench/frames.py measures the server's memory and latency meanwhile)."""

from __future__ import annotations

import pytest
from server_helpers import init_example_shot

from faceplate_host.client import EngineError


def test_a_huge_render_frame_list_fails_its_job_naming_the_frames_outside_the_shot(example, engine_factory):
    roots, plate, source = example
    shot = init_example_shot(roots / "sh_frames", plate, source)
    engine = engine_factory(roots)
    job = engine.client.submit(str(shot), stages=["render"], settings={"render": {"frames": "1-20000000"}})
    final = engine.client.watch(job["id"], lambda event: None, poll_s=0.1, timeout_s=120)
    assert final["status"] == "failed", final
    assert "frames 1-1000,1005-20000000 are outside the shot range 1001-1004" in final["error"]
    assert engine.healthy()


@pytest.mark.parametrize("frames, words", [("0-99999999999", "999999999"), (",".join(["1001"] * 10001), "10001 parts")])
def test_a_frame_list_past_a_cap_is_refused_at_submission_naming_the_cap(example, engine_factory, frames, words):
    roots, plate, source = example
    shot = init_example_shot(roots / f"sh_caps_{len(frames)}", plate, source)
    engine = engine_factory(roots)
    with pytest.raises(EngineError) as refused:
        engine.client.submit(str(shot), stages=["render"], settings={"render": {"frames": frames}})
    assert refused.value.status == 422 and "frames" in str(refused.value) and words in str(refused.value)
