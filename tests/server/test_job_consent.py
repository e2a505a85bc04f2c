"""A job that renders needs the shot's consent reference: given in the new shot's body (and recorded by its
init), or waived in the render settings; otherwise it is refused at submission (422), before any work."""

from __future__ import annotations

import pytest
from server_helpers import shot_spec

from faceplate.workspace import init_workspace, open_workspace
from faceplate_host.client import EngineError


def test_consent_reference_is_recorded_and_a_render_without_one_is_refused(example, engine_factory):
    roots, plate, source = example
    client = engine_factory(roots).client

    spec = shot_spec(plate, source) | {"consent_ref": "CF-0042 signed"}
    job = client.submit(str(roots / "sh_consent"), stages=["review"], shot=spec)
    client.watch(job["id"], lambda e: None, poll_s=0.2, timeout_s=120)
    assert open_workspace(roots / "sh_consent").manifest.consent_ref == "CF-0042 signed"

    bare = init_workspace(roots / "sh_no_consent", plate, "1001-1004", colour_space=spec["colour_space"]).root
    before = len(client.jobs())
    with pytest.raises(EngineError) as refused:
        client.submit(str(bare), stages=["extract", "render"])
    assert (refused.value.status, refused.value.code) == (422, "consent_refused")
    assert "shot.consent_ref" in str(refused.value) and "waive_consent" in str(refused.value)
    with pytest.raises(EngineError) as new_shot:
        client.submit(str(roots / "sh_new"), shot=shot_spec(plate, source) | {"consent_ref": None})
    assert new_shot.value.code == "consent_refused" and not (roots / "sh_new").exists()
    with pytest.raises(EngineError) as blank:
        client.submit(str(roots / "sh_new"), shot=shot_spec(plate, source) | {"consent_ref": "a\nb"})
    assert blank.value.code == "consent_refused" and "line break" in str(blank.value)
    assert len(client.jobs()) == before, "refused jobs are not recorded"

    client.submit(str(bare), stages=["review"])  # no render: no consent needed
    waived = client.submit(str(bare), stages=["render"], settings={"render": {"waive_consent": True}})
    assert waived["spec"]["settings"]["render"] == {"waive_consent": True}
