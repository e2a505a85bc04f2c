"""Extract: send every shot to the engine, then wait for each (progress in the log; cancel honoured)."""

import pyblish.api

from faceplate_host.jobs import event_text, require_done, submit_shot, submitted, waiver
from faceplate_host.publishing import FAMILY, HOSTS, validation_failed


class ExtractSubmitShots(pyblish.api.ContextPlugin):
    """All shots are submitted before waiting, so the engine runs them side by side."""

    label = "Submit the shots to the engine"
    order = pyblish.api.ExtractorOrder
    hosts = HOSTS

    def process(self, context):
        if validation_failed(context):  # pyblish stops first; this guards a host that registered its own test
            raise RuntimeError(
                "validation failed: nothing was submitted; fix what the validators name and publish again"
            )
        options = context.data["faceplate"]
        client = options.client()
        for instance in context:
            if instance.data.get("publish") is False or "job" in instance.data:
                continue
            settings = waiver(options.settings, options.stages) if options.no_consent_ref else options.settings
            shot = instance.data["shot"].with_(budget=options.budget) if options.budget else instance.data["shot"]
            job = submit_shot(
                client,
                shot,
                options.sources,
                options.shots_dir,
                consent_ref=options.consent_ref or None,
                settings=settings or None,
                stages=options.stages,
            )
            instance.data["job"] = job
            self.log.info("clip %r: engine job %s -> %s", job.shot.name, job.job_id, job.workspace)


class ExtractWaitForLayer(pyblish.api.InstancePlugin):
    label = "Wait for the rendered layer"
    order = pyblish.api.ExtractorOrder + 0.1
    families = [FAMILY]
    hosts = HOSTS

    def process(self, instance):
        options = instance.context.data["faceplate"]
        job = submitted(instance)
        client = options.client()

        def show(event):
            text = event_text(event)
            if text:
                self.log.info("%s: %s", job.shot.name, text)

        final = client.watch(job.job_id, show, poll_s=options.poll_s, cancelled=options.cancel.is_set)
        require_done(final, job.shot)
        instance.data["rendered"] = True
