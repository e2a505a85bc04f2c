"""Faceplate host side: what DaVinci Resolve and Nuke load.

Imports only the standard library, pyblish-base and opentimelineio, so it runs inside a
host's own Python where torch and OpenCV are absent.
"""

__version__ = "0.1.0"
