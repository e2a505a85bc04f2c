# Faceplate for DaVinci Resolve: Workspace > Scripts > Faceplate Follow.
# Follows the jobs this project sent whose layers are not placed yet (after Resolve restarted, or after the follow
# window was closed) in a window with their progress and a Cancel button, and places each layer as its job ends.
# Copied into the per-user Fusion/Scripts/Utility folder by `faceplate plugin install resolve`.
import sys

PACKAGE_DIR = ""  # written by `faceplate plugin install resolve`: the folder holding faceplate_host

if PACKAGE_DIR and PACKAGE_DIR not in sys.path:
    sys.path.insert(0, PACKAGE_DIR)

from faceplate_host.hosts.resolve.session import follow_from_menu  # noqa: E402

follow_from_menu(globals())
