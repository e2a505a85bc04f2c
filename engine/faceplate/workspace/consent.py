"""The shot's consent/rights reference, and the rule render applies to it.

A shot names the consent or rights behind it: a release-form id, a contract or a ticket, whatever
the production tracks ("CF-2291 signed 2026-11-02, J. Doe"). It is part of what the shot *is*, like
its plate and sources, so it lives in the manifest (``consent_ref``) rather than in a stage's
settings: export, render and the report all read the same one, and no stage's settings change can
alter it in passing. It is given at ``faceplate init --consent-ref TEXT`` (server: ``shot.consent_ref``)
or later with ``faceplate consent SHOT --ref TEXT``, which is recorded as a ``consent`` run in the
shot's history, so who changed it and when stays on record.

Render refuses a shot without one, with one line and before anything is written, unless the caller
waives it for that run (``--no-consent-ref``; API: ``settings.render.waive_consent``); the waiver is
written into every output in the reference's place.
"""

from __future__ import annotations

from dataclasses import dataclass

from faceplate.errors import ConsentError

MAX_LENGTH = 500  # it is written into every EXR header and movie: a reference, not a document
WAIVER_TEXT = "WAIVED: rendered with --no-consent-ref; no consent reference recorded"
NONE_TEXT = "NONE: no consent reference recorded"  # outputs made before render (the ONNX export) of such a shot
MISSING = (
    "shot {shot} has no consent reference: record the release or rights for the person depicted with "
    "`faceplate consent SHOT --ref TEXT` (or `faceplate init --consent-ref TEXT`), or render with "
    "--no-consent-ref to waive it (the waiver is written into every output)"
)


@dataclass(frozen=True)
class Consent:
    """What a render records: the shot's reference, or that it was waived for the run."""

    ref: str | None
    waived: bool = False

    @property
    def text(self) -> str:
        """The one string outputs carry: the reference, the waiver, or that there is none."""
        if self.ref:
            return self.ref
        return WAIVER_TEXT if self.waived else NONE_TEXT

    def as_dict(self) -> dict:
        return {"ref": self.ref, "waived": self.waived}


def clean_consent_ref(text: str | None) -> str:
    """The reference as stored: stripped, one line of printable text, at most MAX_LENGTH characters."""
    ref = (text or "").strip()
    if not ref:
        raise ConsentError(
            "the consent reference is empty; give the release-form id, contract or ticket that "
            "covers the person depicted (e.g. --consent-ref 'CF-2291')"
        )
    if len(ref) > MAX_LENGTH:
        raise ConsentError(
            f"the consent reference is {len(ref)} characters; keep it to {MAX_LENGTH} (an id or "
            "a short note pointing at the document, not the document itself)"
        )
    if any(not ch.isprintable() for ch in ref):
        raise ConsentError(
            f"the consent reference {ref[:40]!r}... holds a line break or control character; "
            "give it as one line of text"
        )
    return ref


def check_consent(consent_ref: str | None, waived: bool, shot: str) -> Consent:
    """The one consent rule, for every caller (render, `faceplate run`, the server's submit, farm export):
    the consent a render of ``shot`` records; ConsentError (one line) when there is no reference to record
    and the caller did not waive it."""
    if consent_ref:
        return Consent(consent_ref)
    if waived:
        return Consent(None, waived=True)
    raise ConsentError(MISSING.format(shot=shot))


def set_consent_ref(workspace, text: str) -> str:
    """Record ``text`` as the shot's consent reference (a ``consent`` run in its history); returns it as stored."""
    ref = clean_consent_ref(text)
    with workspace.locked("consent"):
        previous = workspace.manifest.consent_ref
        with workspace.stage_run("consent", {}, {"consent_ref": ref, "previous": previous}) as run:
            workspace.update(lambda m: setattr(m, "consent_ref", ref))
            run.outputs = {"manifest": workspace.manifest_path.name}
    return ref
