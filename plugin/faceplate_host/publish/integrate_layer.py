"""Integrate: the rendered layer goes back into the host through its adapter (the OTIO writer for files)."""

import pyblish.api

from faceplate_host.jobs import placed_message, placement_for, submitted
from faceplate_host.publishing import FAMILY, HOSTS


class IntegrateLayer(pyblish.api.InstancePlugin):
    label = "Place the layer on the timeline"
    order = pyblish.api.IntegratorOrder
    families = [FAMILY]
    hosts = HOSTS

    def process(self, instance):
        context = instance.context
        options = context.data["faceplate"]
        if not instance.data.get("rendered"):
            raise RuntimeError(
                f"clip {instance.data['shot'].name!r}: nothing placed, its engine job did not finish "
                f"(see the error above); publish again once it is fixed"
            )
        placement = placement_for(options.client(), submitted(instance), track_name=options.track_name)
        context.data["faceplate_adapter"].place(placement)
        instance.data["placement"] = placement
        failed_qc = placement.metadata.get("qc_passed") is False
        (self.log.warning if failed_qc else self.log.info)(
            "%s (%s)", placed_message(placement), placement.layer_pattern
        )
