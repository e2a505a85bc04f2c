"""`--sign CERT KEY` is checked before anything is rendered: a missing file, a key that is not the certificate's,
half a pair given through the API, each one clear line and nothing written."""

from __future__ import annotations

import numpy as np
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from faceplate.cli.main import main
from faceplate.errors import SettingsError
from faceplate.media import write_image
from faceplate.render.settings import RenderSettings
from faceplate.settings import merge_settings


def _certificate_of(key) -> bytes:
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import NameOID

    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "someone else")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(7)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)


@pytest.fixture()
def shot(tmp_path):
    for frame in range(1001, 1003):
        write_image(tmp_path / "plate" / f"p.{frame:04d}.png", np.full((8, 12, 3), 9, np.uint8))
    assert (
        main(
            [
                "-q",
                "init",
                str(tmp_path / "shot"),
                "--plate",
                str(tmp_path / "plate" / "p.####.png"),
                "--consent-ref",
                "CF-1",
            ]
        )
        == 0
    )
    return tmp_path / "shot"


def test_half_a_signing_pair_or_signing_without_previews_is_refused():
    with pytest.raises(SettingsError, match="both a certificate and its key"):
        merge_settings(RenderSettings, {}, {"sign_cert": "/c.pem"}, "render")
    with pytest.raises(SettingsError, match="drop --no-preview"):
        merge_settings(RenderSettings, {}, {"sign_cert": "/c.pem", "sign_key": "/k.pem", "preview": False}, "render")


def test_unusable_signing_files_are_refused_with_one_line_and_nothing_written(shot, tmp_path, capfd):
    key = ec.generate_private_key(ec.SECP256R1())
    (tmp_path / "k.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    (tmp_path / "not_a_cert.pem").write_text("hello")
    (tmp_path / "other.pem").write_bytes(_certificate_of(ec.generate_private_key(ec.SECP256R1())))
    capfd.readouterr()
    for cert, says in (
        (tmp_path / "missing.pem", "cannot read the certificate"),
        (tmp_path / "not_a_cert.pem", "holds no PEM certificate"),
        (tmp_path / "other.pem", "does not belong to the first certificate"),
    ):
        assert main(["-q", "render", str(shot), "--sign", str(cert), str(tmp_path / "k.pem")]) == 1
        err = capfd.readouterr().err.strip().splitlines()
        assert len(err) == 1 and says in err[0], err
    assert not (shot / "render").exists()
