# Faceplate add-on for Blender's Video Sequencer (Sequencer > Strip > Faceplate).
# Copied into the per-user add-ons folder by `faceplate plugin install blender`; the host package it
# uses is copied beside it (python/) or found at PACKAGE_DIR.
import os
import sys

bl_info = {
    "name": "Faceplate",
    "author": "Faceplate",
    "version": (0, 1, 0),
    "blender": (4, 2, 0),
    "location": "Video Sequencer > Strip > Faceplate",
    "description": "Per-shot face replacement: send the selected strip to the Faceplate engine, get the layer back",
    "category": "Sequencer",
}

PACKAGE_DIR = ""  # written by `faceplate plugin install blender`: the folder holding faceplate_host

if not PACKAGE_DIR:
    PACKAGE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "python")
if PACKAGE_DIR not in sys.path:
    sys.path.insert(0, PACKAGE_DIR)


def register():
    from faceplate_host.hosts.blender import addon

    addon.register()


def unregister():
    from faceplate_host.hosts.blender import addon

    addon.unregister()
