"""Whether what a stage reads was made from the shot's current plate and sources.

A faceset's header lists the clips it was extracted from with their fingerprints (``clips``); a model
carries a digest of the shot's media it was trained on (``media`` in its checkpoint sidecar and in the
exported ONNX metadata). After ``faceplate init --force`` with other footage the files on disk still
describe the old clip: each stage compares them with the manifest and refuses stale ones, naming the
stage to re-run. Files made before these records existed carry none and are not checked.
"""

from __future__ import annotations

import hashlib
import json

from faceplate.errors import WorkspaceError
from faceplate.workspace.clips import FINGERPRINT
from faceplate.workspace.manifest import ClipInfo, Manifest


def shot_clips(manifest: Manifest) -> dict[str, ClipInfo]:
    """The shot's clips by the label their faces carry: ``plate``, ``source0``, ``source1``..."""
    return {"plate": manifest.plate, **{f"source{i}": clip for i, clip in enumerate(manifest.sources)}}


def clip_key(clip: ClipInfo) -> dict:
    """What identifies a clip's footage: its fingerprint and colour space, not where it lies (relink keeps
    what was made from it); only the path where init took no fingerprint."""
    if clip.size_bytes is None:
        return {"colour_space": clip.colour_space, "path": clip.path}
    return {"colour_space": clip.colour_space, **{k: getattr(clip, k) for k in FINGERPRINT}}


def media_digest(manifest: Manifest) -> str:
    """One token for all of the shot's footage (plate and sources), recorded with a trained model."""
    keys = {label: clip_key(clip) for label, clip in shot_clips(manifest).items()}
    return hashlib.sha256(json.dumps(keys, sort_keys=True).encode()).hexdigest()[:16]


def clip_changes(recorded: dict, clip: ClipInfo | None) -> str:
    """How ``clip`` (None: the shot has no such clip now) differs from a faceset's record of it; '' if not."""
    if clip is None:
        return "the shot no longer has that clip"
    now = clip_key(clip)
    return "; ".join(f"{k} {recorded[k]} then, {now[k]} now" for k in now if k in recorded and recorded[k] != now[k])


def check_faceset_media(manifest: Manifest, header: dict, folder, root) -> None:
    """WorkspaceError naming the clip and what changed when the faceset in ``folder`` was extracted from other
    footage than the shot's (``header``: the faceset index's first line)."""
    clips = shot_clips(manifest)
    for recorded in header.get("clips") or []:
        label = recorded.get("label") if isinstance(recorded, dict) else None
        changed = clip_changes(recorded, clips.get(label)) if label else ""
        if changed:
            raise WorkspaceError(
                f"the faceset {folder} was extracted from other footage than the shot's {label} "
                f"({changed}); re-run `faceplate extract {root}`, then curate, mask, train and export"
            )


def check_model_media(manifest: Manifest, recorded: str | None, what: str, rerun: str) -> None:
    """WorkspaceError when a model (``what``) records other media than the shot's now; ``rerun`` says how to
    make a current one."""
    if recorded and recorded != media_digest(manifest):
        raise WorkspaceError(
            f"{what} was trained on other footage than the shot's plate and sources now (the shot "
            f"was re-initialised since); {rerun}"
        )
