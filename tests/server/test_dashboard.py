"""The dashboard in a real headless Chromium (Debian's `chromium`, driven over the DevTools protocol): signed in
by the link `faceplate serve` prints, it lists a training job, shows its progress advancing, and cancels it."""

from __future__ import annotations

import shutil

import pytest

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("chromium") is None,
                                 reason="no `chromium` on PATH (Debian: apt-get install chromium); the dashboard test "
                                        "needs a real browser")]

LONG_TRAIN = {"model": {"resolution": 64, "ae_dims": 32, "e_dims": 8, "d_dims": 8, "d_mask_dims": 4},
              "train": {"iterations": 100000, "batch_size": 2, "min_faces": 2, "checkpoint_every": 50,
                        "preview_every": 5, "log_every": 2}}


def done_count(page) -> int:
    return int(page.evaluate("(document.querySelector('tr[data-stage=\"train\"] .bar') || {dataset: {}})"
                             ".dataset.done || 0"))


def test_the_page_lists_a_training_job_shows_it_advance_and_cancels_it(example, extracted_shot, engine_factory,
                                                                       tmp_path):
    pytest.importorskip("websocket", reason="websocket-client drives the browser (pip install -e '.[test]')")
    from cdp import Browser

    roots = example[0]
    shot = roots / "sh_dashboard"
    shutil.copytree(extracted_shot, shot)
    engine = engine_factory(roots)
    job = engine.client.submit(str(shot), stages=["train"], settings={"train": LONG_TRAIN})
    token = (engine.data / "token").read_text().strip()

    with Browser(shutil.which("chromium"), tmp_path / "profile") as page:
        page.open(f"{engine.url}/#token={token}")
        page.wait_for(f"!!document.querySelector('.job-item[data-job-id=\"{job['id']}\"]')", 30, "the job in the list")
        assert "token" not in page.evaluate("location.href"), "the sign-in link is gone from the address bar"
        assert token not in page.evaluate("document.cookie"), "the session cookie is HttpOnly"
        assert page.evaluate("document.getElementById('job-title').textContent") == "sh_dashboard"

        page.wait_for("!!document.querySelector('tr[data-stage=\"train\"] .bar[data-status=\"running\"]')", 120,
                      "training to start")
        first = page.wait_for("parseInt(document.querySelector('tr[data-stage=\"train\"] .bar').dataset.done) || 0",
                              120, "a first iteration")
        page.wait_for(f"parseInt(document.querySelector('tr[data-stage=\"train\"] .bar').dataset.done) > {first}", 60,
                      "the progress to advance")
        assert done_count(page) > first
        label = page.evaluate("document.querySelector('tr[data-stage=\"train\"] .bar .label').textContent")
        assert "/ 100000 it" in label, label
        page.wait_for("!document.getElementById('preview-image').hidden", 60, "the training preview")
        page.wait_for("!document.getElementById('loss-image').hidden", 60, "the loss plot")
        shot_png = page.screenshot(tmp_path / "dashboard-training.png")
        print(f"\ndashboard screenshot (training): {shot_png}")

        page.click("#cancel-button")
        page.wait_for("document.getElementById('job-status').textContent === 'cancelled'", 300,
                      "the page to show the job cancelled")
        assert engine.client.job(job["id"])["status"] == "cancelled"
        assert page.evaluate("document.getElementById('retry-button').disabled") is False
        assert page.evaluate("document.getElementById('cancel-button').disabled") is True
        print(f"dashboard screenshot (cancelled): {page.screenshot(tmp_path / 'dashboard-cancelled.png')}")


def test_the_page_asks_for_the_token_without_the_link(example, engine_factory, tmp_path):
    pytest.importorskip("websocket", reason="websocket-client drives the browser (pip install -e '.[test]')")
    from cdp import Browser

    engine = engine_factory(example[0])
    with Browser(shutil.which("chromium"), tmp_path / "profile") as page:
        page.open(f"{engine.url}/")
        page.wait_for("!document.getElementById('sign-in').hidden", 15, "the sign-in form")
        assert page.evaluate("document.getElementById('dashboard').hidden") is True
        page.evaluate("document.getElementById('token-input').value = 'not-the-token'")
        page.click("#sign-in-form button")
        page.wait_for("document.getElementById('sign-in-error').textContent.includes('wrong token')", 10,
                      "the wrong token refused")
        token = (engine.data / "token").read_text().strip()
        page.evaluate(f"document.getElementById('token-input').value = {token!r}")
        page.click("#sign-in-form button")
        page.wait_for("!document.getElementById('dashboard').hidden", 10, "the dashboard after signing in")
        page.wait_for("!document.getElementById('no-jobs').hidden", 10, "the empty job list")
