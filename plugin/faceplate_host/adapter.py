"""The one interface every editor adapter implements (Nuke, Resolve, Blender, an OTIO file).

An adapter only translates: the host's marked clips into ``Shot`` descriptions, and a computed
``LayerPlacement`` into the host's own track/node/strip calls. Everything else (validation,
submission, waiting, where the layer goes) is shared and lives in this package, so the pyblish
plug-ins drive every host through these three calls.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from faceplate_host.shots import LayerPlacement, Shot


@runtime_checkable
class HostAdapter(Protocol):
    host: str  # "nuke", "resolve", "blender", "otio": the pyblish ``hosts`` name

    def collect(self) -> list[Shot]:
        """The clips the artist marked or selected, in timeline order; raise ShotError naming a clip
        that cannot be swapped (retimed, reversed, no media)."""

    def place(self, placement: LayerPlacement) -> None:
        """Put the layer on the timeline/node graph exactly as ``placement`` says, and its QC flags as
        markers where the host has them; raise ShotError when the host did not do what was asked."""

    def select(self, shot: Shot) -> None:
        """Show the artist the clip (a pyblish action on a failed validation)."""
