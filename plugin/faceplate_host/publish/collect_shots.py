"""Collect: one ``faceswap`` instance per clip the host adapter reports as marked."""

import pyblish.api

from faceplate_host.publishing import FAMILY, HOSTS
from faceplate_host.shots import ShotError


class CollectFaceplateShots(pyblish.api.ContextPlugin):
    """The marked clips become instances; clips that cannot be swapped are kept for validation to name."""

    label = "Collect marked clips"
    order = pyblish.api.CollectorOrder
    hosts = HOSTS

    def process(self, context):
        adapter = context.data["faceplate_adapter"]
        if hasattr(adapter, "collect_all"):
            shots, refused = adapter.collect_all()
        else:
            try:
                shots, refused = adapter.collect(), []
            except ShotError as exc:
                shots, refused = [], [exc]
        context.data["faceplate_refused"] = [" ".join(str(exc).split()) for exc in refused]
        for shot in shots:
            instance = context.create_instance(shot.name, family=FAMILY, families=[FAMILY])
            instance.data.update({"shot": shot, "label": f"{shot.name} {shot.record}", "publish": True})
            self.log.info("clip %r: source %s, record %s", shot.name, shot.source, shot.record)
