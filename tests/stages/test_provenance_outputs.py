"""Every output says how it was made and under what consent: the ONNX metadata (read with onnx), the layer,
matte and preview headers (OpenImageIO), the review movie's container metadata (PyAV) and the manifest; a
render without a consent reference is refused with nothing written, and a waiver is written in its place."""

from __future__ import annotations

import hashlib
import json
import shutil

import av
import onnx
import OpenImageIO as oiio
import pytest

from faceplate import __version__
from faceplate.cli.main import main
from faceplate.credentials import load_signing_key, sign_files
from faceplate.demo import CONSENT_REF, PLATE_SPACE, build_example
from faceplate.models import ModelConfig
from faceplate.provenance import read_provenance
from faceplate.render.outputs import RenderPaths
from faceplate.stages.runner import run_stage
from faceplate.training import Trainer, TrainSettings
from faceplate.workspace import init_workspace, open_workspace

pytestmark = pytest.mark.slow
FRAMES = (1001, 1002, 1003)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """A shot of the example (frames 1001-1003) with a one-iteration model exported through the stage, and
    the same shot without a consent reference."""
    base = tmp_path_factory.mktemp("provenance")
    plate, source = build_example(base / "example")
    ws = init_workspace(
        base / "shot", plate, "1001-1003", [source], colour_space=PLATE_SPACE, fps="24", consent_ref=CONSENT_REF
    )
    config = ModelConfig(resolution=64, ae_dims=32, e_dims=8, d_dims=8, d_mask_dims=4)
    Trainer(config, TrainSettings(iterations=1)).save(ws.root / "model", loss=1.0)
    run_stage(ws, "export")
    bare = init_workspace(base / "bare", plate, "1001-1003", [source], colour_space=PLATE_SPACE, fps="24")
    shutil.copytree(ws.root / "export", bare.root / "export")
    return ws.root, bare.root, config.config_hash()


def header(path) -> dict[str, str]:
    spec = oiio.ImageInput.open(str(path)).spec()
    return {a.name: a.value for a in spec.extra_attribs if a.name.startswith("faceplate/")}


def movie_metadata(path) -> dict[str, str]:
    with av.open(str(path)) as movie:
        return dict(movie.metadata)


def test_onnx_frames_movie_and_manifest_carry_the_same_provenance(exported, tmp_path):
    shot = shutil.copytree(exported[0], tmp_path / "shot")
    config_hash = exported[2]
    props = {p.key: p.value for p in onnx.load(str(shot / "export" / "generator.onnx")).metadata_props}
    manifest = open_workspace(shot).manifest
    assert props["faceplate/version"] == __version__ and props["faceplate/consent"] == CONSENT_REF
    assert props["faceplate/model_config_hash"] == config_hash == props["config_hash"]
    iteration = props["iterations"]  # the checkpoint's, as export wrote it (a saved, untrained model: 0)
    assert props["faceplate/checkpoint_iteration"] == iteration and props["faceplate/plate"] == manifest.plate.path
    assert props["faceplate/plate_fingerprint"] == f"bytes={manifest.plate.size_bytes} frames=24 size=960x540"
    assert json.loads(props["faceplate/provenance"]) == manifest.last_run("export").provenance

    result = run_stage(open_workspace(shot), "render", {"batch": 4, "device": "cpu"})
    assert result.detail.frames_written == list(FRAMES)
    model_sha = hashlib.sha256((shot / "export" / "generator.onnx").read_bytes()).hexdigest()
    run = open_workspace(shot).manifest.last_run("render")
    export_run = open_workspace(shot).manifest.last_run("export")
    record = run.provenance
    assert record["made_by"]["run"] == run.id and record["model"]["sha256"] == model_sha
    assert record["consent"] == {"ref": CONSENT_REF, "waived": False, "text": CONSENT_REF}
    assert [s["stage"] for s in record["stages"]] == ["init", "export"]
    paths = RenderPaths(shot / "render" / "v001", "faceplate")
    assert json.loads((shot / "render" / "v001" / "version.json").read_text())["provenance"] == record
    for frame in FRAMES:
        for path in (paths.layer(frame), paths.matte(frame), paths.preview(frame)):
            attributes = header(path)
            assert attributes["faceplate/version"] == __version__, path
            assert attributes["faceplate/model_sha256"] == model_sha
            assert attributes["faceplate/checkpoint_iteration"] == iteration, path
            assert attributes["faceplate/model_config_hash"] == config_hash, path
            assert attributes["faceplate/consent"] == CONSENT_REF and attributes["faceplate/consent_waived"] == "false"
            assert attributes["faceplate/plate_fingerprint"] == props["faceplate/plate_fingerprint"]
            assert f"export:{export_run.id}" in attributes["faceplate/stages"].split(), path
            assert (
                json.loads(attributes["faceplate/sources"])[0]["path"] == open_workspace(shot).manifest.sources[0].path
            )
            assert json.loads(attributes["faceplate/provenance"]) == record, path
    movie = movie_metadata(paths.movie)
    assert movie["faceplate/model_sha256"] == model_sha and movie["faceplate/consent"] == CONSENT_REF
    assert json.loads(movie["faceplate/provenance"]) == record


def test_without_consent_render_is_refused_and_a_waiver_is_written_into_every_output(exported, tmp_path, capfd):
    shot = shutil.copytree(exported[1], tmp_path / "bare")
    before = sorted(p.relative_to(shot) for p in shot.rglob("*"))
    assert main(["-q", "render", str(shot), "--device", "cpu"]) == 1
    err = capfd.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "has no consent reference" in err[0] and "--no-consent-ref" in err[0], err
    assert sorted(p.relative_to(shot) for p in shot.rglob("*")) == before and not (shot / "render").exists()

    assert main(["-q", "render", str(shot), "--device", "cpu", "--no-consent-ref"]) == 0
    paths = RenderPaths(shot / "render" / "v001", "faceplate")
    for frame in FRAMES:
        for path in (paths.layer(frame), paths.matte(frame), paths.preview(frame)):
            attributes = header(path)
            assert attributes["faceplate/consent_waived"] == "true" and "faceplate/consent_ref" not in attributes
            assert attributes["faceplate/consent"].startswith("WAIVED"), path
    assert movie_metadata(paths.movie)["faceplate/consent_waived"] == "true"
    run = open_workspace(shot).manifest.last_run("render")
    assert run.inputs["consent"] == {"ref": None, "waived": True} and run.provenance["consent"]["waived"] is True

    # the reference recorded later: every frame is rendered again, so no file still says "waived"
    assert main(["-q", "consent", str(shot), "--ref", "CF-77"]) == 0
    again = run_stage(open_workspace(shot), "render", {"device": "cpu"}).detail
    assert again.reasons == {"consent reference changed": list(FRAMES)} and again.version == "v002"
    assert all(header(paths.layer(f))["faceplate/consent"].startswith("WAIVED") for f in FRAMES), "v001 as it was"
    paths = RenderPaths(shot / "render" / "v002", "faceplate")
    assert {header(paths.layer(f))["faceplate/consent"] for f in FRAMES} == {"CF-77"}
    assert movie_metadata(paths.movie)["faceplate/consent_ref"] == "CF-77"

    tif = run_stage(
        open_workspace(shot),
        "render",
        {"device": "cpu", "frames": "1002", "layer_format": "tif", "name": "tif", "preview": False},
    ).detail
    assert tif.frames_written == [1002] and tif.version == "v003"
    description = (
        oiio.ImageInput.open(str(RenderPaths(shot / "render" / "v003", "tif", "tif").layer(1002)))
        .spec()
        .getattribute("ImageDescription")
    )
    assert json.loads(description)["consent"]["ref"] == "CF-77", "a TIFF layer keeps the record in ImageDescription"


def _name(common_name: str):
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Faceplate tests"),
        ]
    )


def _certificate(subject: str, key, issuer_name, issuer_key, ca: bool, key_id: bool = True):
    """An X.509 v3 certificate valid for a day either side of now: a CA, or a signing leaf with the
    digitalSignature key usage, the emailProtection extended key usage (one c2pa accepts) and, with
    ``key_id``, the issuer's authority key identifier (c2pa refuses a leaf without one)."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import ExtendedKeyUsageOID

    now = dt.datetime.now(dt.timezone.utc)
    usage = x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if not ca:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
    if not ca and key_id:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False
        )
    return builder.sign(issuer_key, hashes.SHA256())


def _pem(item) -> bytes:
    from cryptography.hazmat.primitives import serialization

    if hasattr(item, "private_bytes"):
        return item.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    return item.public_bytes(serialization.Encoding.PEM)


@pytest.fixture(scope="module")
def throwaway_ca(tmp_path_factory):
    """A test CA, a leaf it issued (chain file: leaf then CA) with its key; a plain self-signed certificate
    (no authority key identifier, as quick self-signed certificates are made: c2pa refuses it) and one that
    c2pa signs with but that no trust list holds."""
    from cryptography.hazmat.primitives.asymmetric import ec

    folder = tmp_path_factory.mktemp("pki")
    ca_key, leaf_key, self_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    ca = _certificate("Faceplate test CA", ca_key, _name("Faceplate test CA"), ca_key, ca=True)
    leaf = _certificate("Faceplate test signer", leaf_key, ca.subject, ca_key, ca=False)
    selfsigned = _certificate("self-signed", self_key, _name("self-signed"), self_key, ca=False, key_id=False)
    self_with_id = _certificate("self-signed", self_key, _name("self-signed"), self_key, ca=False)
    files = {
        "ca.pem": _pem(ca),
        "chain.pem": _pem(leaf) + _pem(ca),
        "leaf.key": _pem(leaf_key),
        "self.pem": _pem(selfsigned),
        "self_with_id.pem": _pem(self_with_id),
        "self.key": _pem(self_key),
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    other_ca = _certificate("another CA", self_key, _name("another CA"), self_key, ca=True)
    (folder / "other_ca.pem").write_bytes(_pem(other_ca))
    return folder


def c2pa_manifest(path, anchors: str) -> tuple[str, dict]:
    import c2pa

    with (
        c2pa.Context.from_dict({"trust": {"trust_anchors": anchors}}) as context,
        c2pa.Reader(str(path), context=context) as reader,
    ):
        return reader.get_validation_state(), reader.get_active_manifest()


def test_signed_review_movie_and_previews_validate_against_the_test_ca(exported, throwaway_ca, tmp_path, capfd):
    shot = shutil.copytree(exported[0], tmp_path / "shot")
    pki = throwaway_ca
    assert (
        main(["-q", "render", str(shot), "--device", "cpu", "--sign", str(pki / "self.pem"), str(pki / "self.key")])
        == 1
    )
    err = capfd.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "c2pa refuses this certificate" in err[0] and "issued by a CA" in err[0], err
    assert not (shot / "render").exists(), "a refused certificate writes nothing"

    assert (
        main(["-q", "render", str(shot), "--device", "cpu", "--sign", str(pki / "chain.pem"), str(pki / "leaf.key")])
        == 0
    )
    run = open_workspace(shot).manifest.last_run("render")
    assert run.summary["content_credentials"] == {"files": 4, "movie": True, "signer": "Faceplate test signer"}
    paths = RenderPaths(shot / "render" / "v001", "faceplate")
    anchors = (pki / "ca.pem").read_text()
    for path in [paths.movie] + [paths.preview(f) for f in FRAMES]:
        state, manifest = c2pa_manifest(path, anchors)
        assert state == "Trusted", path
        actions = next(a for a in manifest["assertions"] if a["label"].startswith("c2pa.actions"))["data"]["actions"]
        assert [a["action"] for a in actions] == ["c2pa.opened", "c2pa.placed", "c2pa.edited"]
        assert actions[-1]["digitalSourceType"].endswith("/compositeWithTrainedAlgorithmicMedia")
        ingredients = {i["relationship"]: i["title"] for i in manifest["ingredients"]}
        assert ingredients == {"parentOf": "astronaut.####.exr", "componentOf": "astronaut_src.####.png"}
        provenance = next(a for a in manifest["assertions"] if a["label"] == "com.faceplate.provenance")["data"]
        assert provenance == run.provenance and provenance["consent"]["ref"] == CONSENT_REF
    assert c2pa_manifest(paths.movie, (pki / "other_ca.pem").read_text())[0] == "Valid", (
        "intact but not trusted under a CA that did not issue the signer"
    )
    assert movie_metadata(paths.movie)["faceplate/consent"] == CONSENT_REF, "signing keeps the container metadata"
    assert header(paths.preview(1002))["faceplate/consent"] == CONSENT_REF, "and the PNG text chunks"

    # signed again with nothing to render: each file is signed with the provenance it carries (the first run's)
    assert (
        main(["-q", "render", str(shot), "--device", "cpu", "--sign", str(pki / "chain.pem"), str(pki / "leaf.key")])
        == 0
    )
    later = open_workspace(shot).manifest.last_run("render")
    assert later.id != run.id and later.summary["frames_written"] == ""
    for path in (paths.movie, paths.preview(1003)):
        state, manifest = c2pa_manifest(path, anchors)
        provenance = next(a for a in manifest["assertions"] if a["label"] == "com.faceplate.provenance")["data"]
        assert state == "Trusted" and provenance == read_provenance(path) == run.provenance, path

    # a self-signed certificate c2pa does sign with is never trusted under the studio's CA
    copy = shutil.copy(paths.preview(1001), tmp_path / "self_signed.png")
    sign_files([(copy, run.provenance)], load_signing_key(pki / "self_with_id.pem", pki / "self.key"))
    assert c2pa_manifest(copy, anchors)[0] == "Valid"
