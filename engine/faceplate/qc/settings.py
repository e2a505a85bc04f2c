"""QC and report settings: the limits a frame or a shot is held to, remembered by the shot.

The defaults are what a supervisor would sign off without looking: the source's identity in at
least 9 frames of 10 (dlib's same-person distance), expression followed at least as well as the
judge's training target (0.6), the head within 15 degrees of the plate's (the pose estimate from 7
landmarks is noisy on small faces), no frame flickering more than twice the plate, no seam with
twice the plate's edge energy, skin colour within 5 CIEDE2000 units (a difference a viewer sees side
by side, not across a cut), at least half the plate's fine detail (the judge's target). Imports no
torch or dlib (the CLI builds its flags from here).
"""

from __future__ import annotations

from pydantic import field_validator

from faceplate.media.frames import check_frame_list
from faceplate.settings import setting, stage_settings


@stage_settings
class QcSettings:
    identity_distance: float = setting(0.6, "a frame shows the source when its face is within this embedding distance "
                                       "of the source's mean face and nearer it than the plate's own face (dlib: 0.6 "
                                       "= same person)", ge=0.0, le=2.0)
    min_identity_share: float = setting(0.9, "share of frames recognised as the source for the shot to pass",
                                        ge=0.0, le=1.0)
    max_expression: float = setting(1.0, "per-frame expression error (0 = follows the plate, 1 = no better than a "
                                    "frozen face)", ge=0.0, le=100.0)
    max_expression_ratio: float = setting(0.6, "the shot's mean expression error for it to pass", ge=0.0, le=100.0)
    min_expression_motion: float = setting(0.012, "below this much change of the plate face's shape (mean landmark "
                                           "movement over the face's size) the expression is not checked: a still "
                                           "face has nothing to follow, only landmark noise (~0.01)", ge=0.0, le=1.0)
    max_pose_deg: float = setting(15.0, "largest yaw, pitch or roll difference from the plate's head, degrees",
                                  ge=0.0, le=180.0)
    max_flicker: float = setting(2.0, "frame-to-frame change inside the matte over the plate's, face motion taken out",
                                 ge=1.0, le=100.0)
    max_seam: float = setting(2.0, "gradient energy along the matte's edge over the plate's", ge=1.0, le=100.0)
    max_delta_e: float = setting(5.0, "CIEDE2000 between the skin's mean colour and the plate's", ge=0.0, le=100.0)
    min_sharpness: float = setting(0.5, "the face's fine detail (Laplacian energy of the skin) over the plate's; the "
                                   "judge's training target", ge=0.0, le=10.0)
    identity_every: int = setting(1, "embed the swapped face every N frames (the costliest measure: 60-90 ms a face on "
                                  "a CPU)", ge=1, le=1000)
    frames: str | None = setting(None, "subset to check, plate numbers, e.g. 1001-1010,1050", remember=False)
    force: bool = setting(False, "check again even when nothing changed since the last check", remember=False)
    gate: bool = setting(False, "fail (exit non-zero with the verdict line) when the shot fails QC: a farm job's "
                         "QC gate", remember=False)

    _frames_listed = field_validator("frames")(check_frame_list)


@stage_settings
class ReportSettings:
    worst_frames: int = setting(6, "frames shown side by side (plate | swap | matte), worst first", ge=0, le=100)
    previews: int = setting(4, "latest training previews shown", ge=0, le=50)
