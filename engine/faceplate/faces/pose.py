"""Head pose (yaw, pitch, roll in degrees) from 68 landmarks.

Yaw and pitch come from ``cv2.solvePnP`` of seven rigid landmarks (nose bridge, tip and base,
inner and outer eye corners: no mouth or jaw, which move with expression) against a generic head, in crop space where the camera is taken as a pinhole
with focal length = crop size. Roll is the eye line's angle on the plate (the crop removes it).
Accurate to a few degrees: enough for 15-degree coverage bins and pose rules.

Signs: yaw > 0 when the face turns towards the image's right, pitch > 0 when it looks up,
roll > 0 when the head tilts clockwise in the image.
"""

from __future__ import annotations

import cv2
import numpy as np

POSE_POINTS = [27, 30, 33, 36, 39, 42, 45]
# Generic head in 0.2 mm units; x right, y down, z away from the camera (nose tip = origin).
_HEAD_3D = np.array(
    [
        (0.0, -190.0, 90.0),  # nasion
        (0.0, 0.0, 0.0),  # nose tip
        (0.0, 45.0, 75.0),  # subnasale
        (-225.0, -170.0, 135.0),  # outer eye corners
        (-80.0, -170.0, 110.0),  # inner eye corners
        (80.0, -170.0, 110.0),
        (225.0, -170.0, 135.0),
    ],
    np.float64,
)


def estimate_pose(
    crop_landmarks: np.ndarray, crop_size: int, plate_landmarks: np.ndarray
) -> tuple[float, float, float]:
    """(yaw, pitch, roll) degrees for one face; crop-space and plate-space landmarks ``[68, 2]``."""
    points = np.ascontiguousarray(np.asarray(crop_landmarks, np.float64)[POSE_POINTS])
    camera = np.array([[crop_size, 0, crop_size / 2], [0, crop_size, crop_size / 2], [0, 0, 1]], np.float64)
    ok, rvec, _ = cv2.solvePnP(_HEAD_3D, points, camera, None, flags=cv2.SOLVEPNP_ITERATIVE)
    if not ok:
        return 0.0, 0.0, roll_angle(plate_landmarks)
    rotation, _ = cv2.Rodrigues(rvec)
    pitch, yaw = _euler_pitch_yaw(rotation)
    return round(yaw, 2), round(pitch, 2), round(roll_angle(plate_landmarks), 2)


def _euler_pitch_yaw(rotation: np.ndarray) -> tuple[float, float]:
    """Pitch (about x) and yaw (about y) of ``rotation = Rz @ Ry @ Rx``, degrees, signs as documented."""
    yaw = np.degrees(np.arcsin(np.clip(-rotation[2, 0], -1.0, 1.0)))
    pitch = np.degrees(np.arctan2(rotation[2, 1], rotation[2, 2]))
    pitch = (pitch + 90.0) % 180.0 - 90.0  # solvePnP may return the model flipped: 161 means -19
    return float(-pitch), float(-yaw)


def roll_angle(plate_landmarks: np.ndarray) -> float:
    """Angle of the line from the right eye's centre to the left eye's centre, degrees."""
    pts = np.asarray(plate_landmarks, np.float64)
    dx, dy = pts[42:48].mean(0) - pts[36:42].mean(0)
    return float(np.degrees(np.arctan2(dy, dx)))
