"""Nuke: collect from selected Read nodes, place the layer as a Read merged over the plate.

``adapter.py`` talks to Nuke's Python API (``nuke`` imported inside functions); ``nk.py`` writes
the same graph as a ``.nk`` snippet and reads ``.nk`` scripts; ``runner.py`` follows the engine job
on a worker thread; ``startup/`` holds ``init.py``/``menu.py`` for ``NUKE_PATH``.
"""
