from faceplate.workspace.clips import probe_clip
from faceplate.workspace.manifest import ClipInfo, Manifest, StageRun
from faceplate.workspace.workspace import Workspace, init_workspace, open_workspace, read_manifest

__all__ = [
    "ClipInfo",
    "Manifest",
    "StageRun",
    "Workspace",
    "init_workspace",
    "open_workspace",
    "probe_clip",
    "read_manifest",
]
