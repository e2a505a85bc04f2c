"""Shot QC and the review report.

``measure``: every rendered frame against its plate, on aligned crops (``frames``), with the shared
judge (``faceplate.quality``); ``verdict``: limits (``settings``) -> each frame's reasons, flagged
ranges, the shot's checks; ``report``: the offline HTML page and its JSON. The stages are
``faceplate.stages.qc`` and ``faceplate.stages.report``.
"""
