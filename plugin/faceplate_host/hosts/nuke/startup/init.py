# Faceplate for Nuke, loaded from NUKE_PATH in every session (GUI and terminal): no UI here,
# only the host package on Python's path. The menu is added by menu.py.
import os
import sys

PACKAGE_DIR = ""  # written by `faceplate plugin install nuke`: the folder holding faceplate_host

if not PACKAGE_DIR and "__file__" in globals():
    PACKAGE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "python")
if PACKAGE_DIR and PACKAGE_DIR not in sys.path:
    sys.path.insert(0, PACKAGE_DIR)
