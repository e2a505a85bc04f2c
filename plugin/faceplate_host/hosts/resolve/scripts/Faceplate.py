# Faceplate for DaVinci Resolve: Workspace > Scripts > Faceplate.
# A dialog asks for the identity to put in, the consent reference and the budget (preview, review, final, or
# 30m / 2h / 5000it), prefilled from FACEPLATE_SOURCE, FACEPLATE_CONSENT_REF and FACEPLATE_BUDGET.
# Sends the marked range (or the clip under the playhead) to the Faceplate engine and puts the comp
# layer on a new video track when the job is done. Progress prints to Workspace > Console.
# Copied into the per-user Fusion/Scripts/Utility folder by `faceplate plugin install resolve`.
import os
import sys

PACKAGE_DIR = ""  # written by `faceplate plugin install resolve`: the folder holding faceplate_host

if PACKAGE_DIR and PACKAGE_DIR not in sys.path:
    sys.path.insert(0, PACKAGE_DIR)

from faceplate_host.hosts.resolve.session import run_from_menu  # noqa: E402

run_from_menu(globals(), os.environ.get("FACEPLATE_SOURCE", ""), os.environ.get("FACEPLATE_BUDGET", ""))
