"""Content credentials (C2PA) on what a reviewer watches: the review movie and the preview frames.

``faceplate render SHOT --sign CERT KEY`` embeds a signed C2PA manifest in ``render/vNNN/<name>_preview.mp4``
and every preview PNG of the frames rendered: the plate is the parent ingredient (``c2pa.opened``),
the sources are component ingredients (``c2pa.placed``), and a ``c2pa.edited`` action declares the
result AI-edited (digitalSourceType ``compositeWithTrainedAlgorithmicMedia``: a face made by a trained
model, composited into captured footage). The Faceplate provenance record (consent included) rides
along as the assertion ``com.faceplate.provenance``. The layer and matte EXRs are not signed: C2PA
has no EXR binding; their headers carry the provenance instead.

CERT is a PEM chain (the signing certificate first, then its issuers); KEY its PEM private key (EC
P-256/384/521, RSA or Ed25519). c2pa (0.38 / c2pa-rs 0.91) refuses a certificate without the
digitalSignature key usage, an accepted extended key usage (e.g. emailProtection, documentSigning) or
an authority key identifier, which rules out the usual quick self-signed certificate; one it does
sign with still reads back ``Trusted`` only where the reader's trust list holds its issuer (a
self-signed one: ``Valid`` at best). The key is checked by signing a tiny image before anything is
rendered, so a refused certificate costs one line and no files.

Imports c2pa only when signing or reading.
"""

from __future__ import annotations

import io
import os
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from faceplate import __version__
from faceplate.atomic import atomic_path
from faceplate.errors import RenderError

COMPOSITE_AI = "http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia"
PROVENANCE_LABEL = "com.faceplate.provenance"
MIME = {
    ".mp4": "video/mp4",
    ".mov": "video/quicktime",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
    ".exr": "image/x-exr",
    ".dpx": "image/x-dpx",
    ".mpg": "video/mpeg",
    ".mpeg": "video/mpeg",
    ".avi": "video/x-msvideo",
    ".mkv": "video/x-matroska",
    ".webm": "video/webm",
}
_SETTINGS = {
    "builder": {"thumbnail": {"enabled": False}},  # review frames need no thumbnail of themselves
    "verify": {"verify_after_sign": False},
}  # trust is the reader's to judge, with its own trust list


@dataclass(frozen=True)
class SigningKey:
    cert_pem: bytes
    key_pem: bytes
    alg: str  # es256 | es384 | es512 | ps256 | ed25519
    subject: str  # the signing certificate's common name, for the artist's line


def load_signing_key(cert_path: str | os.PathLike, key_path: str | os.PathLike) -> SigningKey:
    """Read ``--sign CERT KEY``; RenderError naming the file when either cannot be used."""
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
    from cryptography.hazmat.primitives.serialization import load_pem_private_key
    from cryptography.x509.oid import NameOID

    cert_pem, key_pem = _read(cert_path, "certificate"), _read(key_path, "private key")
    try:
        cert = x509.load_pem_x509_certificates(cert_pem)[0]
    except ValueError:
        raise RenderError(
            f"--sign: {cert_path} holds no PEM certificate; give the signing certificate (then its issuers) in PEM"
        ) from None
    try:
        key = load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError):
        raise RenderError(f"--sign: {key_path} holds no unencrypted PEM private key") from None
    if isinstance(key, ec.EllipticCurvePrivateKey):
        alg = {256: "es256", 384: "es384", 521: "es512"}.get(key.curve.key_size)
    elif isinstance(key, rsa.RSAPrivateKey):
        alg = "ps256"
    else:
        alg = "ed25519" if isinstance(key, ed25519.Ed25519PrivateKey) else None
    if alg is None:
        raise RenderError(f"--sign: the key in {key_path} is not one C2PA signs with (EC P-256/384/521, RSA, Ed25519)")
    if _public_der(key.public_key()) != _public_der(cert.public_key()):
        raise RenderError(f"--sign: the key in {key_path} does not belong to the first certificate in {cert_path}")
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return SigningKey(cert_pem, key_pem, alg, str(names[0].value) if names else cert.subject.rfc4514_string())


def _public_der(public_key) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return public_key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)


def _read(path, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise RenderError(f"--sign: cannot read the {what} {path}: {exc.strerror}") from None


def _signer(key: SigningKey):
    import c2pa

    return c2pa.Signer.from_info(c2pa.C2paSignerInfo(key.alg.encode(), key.cert_pem, key.key_pem, None))


def check_can_sign(key: SigningKey) -> None:
    """Sign a 1x1 PNG in memory: RenderError (one line) when c2pa refuses the certificate, before any render."""
    import c2pa

    try:
        with _signer(key) as signer, c2pa.Context.from_dict(_SETTINGS) as context:
            builder = c2pa.Builder(
                {"claim_generator_info": [_generator()], "title": "check", "format": "image/png"}, context=context
            )
            builder.sign(signer, "image/png", io.BytesIO(_one_pixel_png()), io.BytesIO())
    except c2pa.C2paError as exc:
        raise RenderError(
            f"--sign: c2pa refuses this certificate ({_first_line(exc)}); use one issued by a CA, with "
            "an authority key identifier, the digitalSignature key usage and an accepted extended key "
            "usage such as emailProtection or documentSigning"
        ) from None


def _one_pixel_png() -> bytes:
    """A valid 1x1 grey PNG, made with the standard library (the signing check needs any PNG)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)  # 1x1, 8-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\x80")) + chunk(b"IEND", b"")
    )


def _first_line(exc: Exception) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0]


def _generator() -> dict[str, str]:
    return {"name": "Faceplate", "version": __version__}


def _mime(path: str) -> str:
    return MIME.get(Path(path.replace("#", "0")).suffix.lower(), "application/octet-stream")


def manifest_definition(record: dict[str, Any], title: str, mime: str) -> dict[str, Any]:
    """The C2PA manifest of one review file: plate (parent) and sources (components) as ingredients,
    opened -> placed -> edited (AI composite), and the provenance record."""
    plate = record["plate"]
    sources = record["sources"]
    ingredients = [
        {
            "title": Path(plate["path"]).name,
            "format": _mime(plate["path"]),
            "relationship": "parentOf",
            "label": "plate",
            "description": f"plate {plate['path']} ({plate['fingerprint']}), frames {plate['range']}",
        }
    ]
    ingredients += [
        {
            "title": Path(s["path"]).name,
            "format": _mime(s["path"]),
            "relationship": "componentOf",
            "label": f"source-{i}",
            "description": f"source identity {s['path']} ({s['fingerprint']})",
        }
        for i, s in enumerate(sources, 1)
    ]
    model = record.get("model") or {}
    actions = [{"action": "c2pa.opened", "parameters": {"ingredientIds": ["plate"]}}]
    if sources:
        actions.append(
            {
                "action": "c2pa.placed",
                "parameters": {"ingredientIds": [f"source-{i}" for i in range(1, len(sources) + 1)]},
            }
        )
    actions.append(
        {
            "action": "c2pa.edited",
            "digitalSourceType": COMPOSITE_AI,
            "softwareAgent": _generator(),
            "description": f"face replaced by a per-shot trained model (sha256 {model.get('sha256')}, "
            f"iteration {model.get('iteration')}); consent: {record['consent']['text']}",
        }
    )
    return {
        "claim_generator_info": [_generator()],
        "title": title,
        "format": mime,
        "ingredients": ingredients,
        "assertions": [
            {"label": "c2pa.actions", "data": {"actions": actions}},
            {"label": PROVENANCE_LABEL, "data": record},
        ],
    }


def sign_files(files: list[tuple[Path, dict[str, Any]]], key: SigningKey) -> list[Path]:
    """Embed a signed manifest in each file (path, its provenance record), in place (atomically: a
    failure leaves the file as it was)."""
    import c2pa

    signed = []
    with _signer(key) as signer, c2pa.Context.from_dict(_SETTINGS) as context:
        for path, record in files:
            mime = MIME.get(path.suffix.lower())
            builder = c2pa.Builder(manifest_definition(record, path.name, mime), context=context)
            try:
                with open(path, "rb") as source, atomic_path(path) as tmp, open(tmp, "w+b") as dest:
                    builder.sign(signer, mime, source, dest)
            except c2pa.C2paError as exc:
                raise RenderError(f"cannot sign {path}: {_first_line(exc)}") from None
            signed.append(path)
    return signed


def read_credentials(path: str | os.PathLike, trust_anchors_pem: str | None = None) -> dict[str, Any]:
    """The active C2PA manifest of ``path`` and its validation state (``Trusted`` when the signer chains to
    ``trust_anchors_pem``, ``Valid`` when intact but not trusted, ``Invalid`` otherwise); None manifest when
    the file carries none."""
    import c2pa

    settings = {"trust": {"trust_anchors": trust_anchors_pem}} if trust_anchors_pem else {}
    with c2pa.Context.from_dict(settings) as context:
        try:
            reader = c2pa.Reader(str(path), context=context)
        except c2pa.C2paError.ManifestNotFound:
            return {"state": None, "manifest": None, "results": None}
        with reader:
            return {
                "state": reader.get_validation_state(),
                "manifest": reader.get_active_manifest(),
                "results": reader.get_validation_results(),
            }
