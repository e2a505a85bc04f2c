"""What speeds up the first minutes: the warp ramping in, the learning rate decaying over a
--minutes run's expected iterations, and a library caller's unset settings taking a profile."""

from __future__ import annotations

import itertools
import time
from types import SimpleNamespace

import torch
from training_helpers import random_faces

from faceplate.models import ModelConfig
from faceplate.training import Trainer, TrainSettings
from faceplate.training import loop as loop_module
from faceplate.training.data import make_batch
from faceplate.training.loop import TrainLoop

TINY = ModelConfig(resolution=64, ae_dims=16, e_dims=8, d_dims=8, d_mask_dims=4)


def test_the_warp_ramps_in_and_is_then_as_without_a_ramp():
    src, dst = random_faces(res=64), random_faces(res=64, seed=1)
    plain = dict(batch_size=2, colour_augment=False, colour_transfer=False)
    ramped, full = TrainSettings(warp_ramp=100, **plain), TrainSettings(warp_ramp=0, **plain)
    start = make_batch(src, dst, 0, ramped)
    assert torch.allclose(start.dst_in, start.dst_target, atol=1e-6), "no warp at the ramp's start"
    half, whole = make_batch(src, dst, 50, ramped), make_batch(src, dst, 50, full)
    assert torch.equal(half.dst_target, whole.dst_target)
    gap = lambda b: float((b.dst_in - b.dst_target).abs().mean())  # noqa: E731
    assert 0 < gap(half) < gap(whole)
    assert torch.equal(make_batch(src, dst, 100, ramped).dst_in, make_batch(src, dst, 100, full).dst_in)


def test_a_minutes_run_decays_the_learning_rate_over_its_expected_iterations(tmp_path, monkeypatch):
    # the loop's clock moves 20 ms at each reading: how many steps fit in the budget does not depend on the load
    ticks = itertools.count()
    monkeypatch.setattr(
        loop_module,
        "time",
        SimpleNamespace(perf_counter=lambda: next(ticks) * 0.02, time=time.time, monotonic=time.monotonic),
    )
    settings = TrainSettings(
        iterations=None,
        minutes=0.1,
        batch_size=2,
        lr=1e-3,
        lr_warmup=1,
        log_every=1,
        checkpoint_every=10**6,
        preview_every=10**6,
        device="cpu",
    )
    trainer = Trainer(TINY, settings)
    assert trainer.lr_at(10**6) == 1e-3, "no horizon yet: no decay"
    TrainLoop(trainer, random_faces(res=64), random_faces(res=64, seed=1), tmp_path / "model").run()
    assert trainer.lr_horizon is not None and trainer.lr_horizon > 20
    assert trainer.lr_at(trainer.lr_horizon) == settings.lr * settings.lr_min_fraction
    loop = TrainLoop(trainer, random_faces(res=64), random_faces(res=64, seed=1), tmp_path / "model")
    lrs = [r["lr"] for r in loop.log.records]
    assert lrs[-1] < lrs[20] <= 1e-3, "decaying within the run"


def test_a_library_callers_unset_settings_take_the_profile_of_its_device():
    trainer = Trainer(TINY, TrainSettings(iterations=10, device="cpu"))
    assert (trainer.settings.lr, trainer.settings.lr_warmup, trainer.settings.warp_ramp) == (5e-4, 50, 500)
    assert Trainer(TINY, TrainSettings(iterations=10, lr=1e-4, device="cpu")).settings.lr == 1e-4


def _train_steps(threads, iterations, seconds: dict[int, float]) -> list[int]:
    """The thread count each iteration trains at, each step taking ``seconds[count]``."""
    import torch

    seen = []
    for iteration in iterations:
        threads.use(iteration)
        seen.append(torch.get_num_threads())
        threads.timed(iteration, seconds[seen[-1]])
    return seen


def test_the_cpu_thread_count_follows_whichever_trains_faster_and_is_restored():
    import torch

    from faceplate.training.threads import CpuThreads

    before = torch.get_num_threads()
    threads = CpuThreads((2, 1), trial=2, every=5)
    seen = _train_steps(threads, range(1, 12), {2: 0.5, 1: 0.1})  # a loaded CPU: one thread is faster
    assert seen[:6] == [2, 2, 2, 1, 1, 1]  # each candidate: one settling step, two timed
    assert seen[6:] == [1] * 5  # the faster one until the next round
    seen = _train_steps(threads, range(12, 23), {2: 0.1, 1: 0.5})  # the load went away
    assert seen == [2, 2, 2, 1, 1, 1] + [2] * 5 and threads.chosen == {0: 1, 1: 2}
    threads.restore()
    assert torch.get_num_threads() == before


def test_a_resumed_run_trains_each_iteration_at_the_count_the_killed_run_used_whatever_the_load_now():
    from faceplate.training.threads import CpuThreads

    killed = CpuThreads((2, 1), trial=2, every=5)
    before_kill = _train_steps(killed, range(1, 10), {2: 0.5, 1: 0.1})
    checkpoint = dict(killed.chosen)  # saved at iteration 9, in the round's stretch at the chosen count
    lost = _train_steps(killed, range(10, 16), {2: 0.5, 1: 0.1})  # trained, then killed before the next save
    resumed = CpuThreads((2, 1), trial=2, every=5, chosen=checkpoint)  # another process, the machine now idle
    assert _train_steps(resumed, range(10, 16), {2: 0.1, 1: 0.5}) == lost == [1, 1, 2, 2, 2, 1]
    assert before_kill == [2, 2, 2, 1, 1, 1, 1, 1, 1]
    resumed.restore()


def test_the_cpu_thread_candidates_respect_the_thread_count_set_for_the_process():
    import torch

    from faceplate.training.threads import CpuThreads

    before = torch.get_num_threads()
    try:
        torch.set_num_threads(3)  # e.g. OMP_NUM_THREADS on a farm node: never more than that
        assert CpuThreads.for_device(torch.device("cpu")).candidates == (3, 1)
        torch.set_num_threads(1)
        assert CpuThreads.for_device(torch.device("cpu")) is None
        assert CpuThreads.for_device(torch.device("cuda")) is None
    finally:
        torch.set_num_threads(before)
