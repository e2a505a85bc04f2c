"""Integrate: the rendered layer goes back into the host through its adapter (the OTIO writer for files)."""

import pyblish.api

from faceplate_host.jobs import placement_for, submitted
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
            raise RuntimeError(f"clip {instance.data['shot'].name!r}: nothing placed, its engine job did not finish "
                               f"(see the error above); publish again once it is fixed")
        placement = placement_for(options.client(), submitted(instance), track_name=options.track_name)
        context.data["faceplate_adapter"].place(placement)
        instance.data["placement"] = placement
        self.log.info("clip %r: layer %s at record %s on track %s", placement.shot, placement.layer_pattern,
                      placement.record, placement.track_name)
