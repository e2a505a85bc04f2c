"""Editor adapters, one folder per host: ``nuke``, ``resolve``, ``blender``.

Each holds a thin ``adapter.py`` (the host's marked clips into ``Shot``; a ``LayerPlacement``
into the host's own nodes/tracks/strips) and the files the host itself loads (``startup/`` or
``scripts/``: not packages, copied by ``faceplate plugin install``). The host's own module
(``nuke``, ``bpy``, ``DaVinciResolveScript``) is imported lazily inside functions, so this package
imports in any Python. Submitting, waiting and placing are ``faceplate_host.jobs``'s (the same calls
the pyblish plug-ins make); ``progress.py`` turns engine events into a progress-bar fraction.
"""
