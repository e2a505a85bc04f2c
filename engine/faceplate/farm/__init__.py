"""Farm scale-out: a shot, or a timeline of shots, as one Open Job Description job.

``template`` builds the job (one step per stage, render in frame chunks, an optional identity step)
with ``parameters`` (its parameter definitions), ``limits`` (timeouts, host requirements) and ``node``
(the engine's environment on a node); ``export`` checks the shots and writes ``template.yaml`` +
``parameters.json``, ``bundle`` the Deadline Cloud job bundle's files beside them; ``mapping`` is
``--map FROM=TO``; ``local`` runs a job through the OpenJD reference runtime (``openjd run``). See docs/farm.md.
"""

OPENJD_ENV = "FACEPLATE_OPENJD"  # set by the job for every action: the CLI then speaks openjd_progress / openjd_fail
