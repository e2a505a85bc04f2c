"""DaVinci Resolve: collect the marked range or the current clip, place the layer on a new video track.

``adapter.py`` uses only calls documented in Resolve's ``Developer/Scripting/README.txt``;
``scripts/Faceplate.py`` is the Workspace > Scripts > Utility entry (copied by ``faceplate plugin install``).
"""
