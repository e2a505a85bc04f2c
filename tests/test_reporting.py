"""The stage contract's pieces: progress with rate and ETA, cancel, log lines reaching the reporter."""

from __future__ import annotations

import logging
import time

import pytest

from faceplate.errors import StageCancelled
from faceplate.reporting import Meter, RecordingReporter, check_cancelled
from faceplate.stages.runner import logs_to


def test_meter_reports_done_total_rate_and_eta():
    reporter = RecordingReporter()
    meter = Meter(reporter, "render", 4, unit="frames")
    time.sleep(0.05)
    meter.advance(2)
    first, last = reporter.of("progress")
    assert (first.done, first.total, first.rate, first.eta_s) == (0, 4, None, None)
    assert (last.task, last.done, last.unit, last.fraction) == ("render", 2, "frames", 0.5)
    assert 0 < last.rate < 2 / 0.05 + 1 and last.eta_s == pytest.approx(2 / last.rate)


def test_cancel_after_n_updates_stops_at_the_next_check():
    reporter = RecordingReporter(cancel_after=3)
    meter = Meter(reporter, "extract plate", 10)
    meter.advance()
    check_cancelled(reporter)
    meter.advance()
    with pytest.raises(StageCancelled, match="next run resumes"):
        check_cancelled(reporter, "at frame 1003")
    assert reporter.cancel_time is not None


def test_engine_log_lines_from_this_thread_reach_the_reporter():
    reporter = RecordingReporter()
    with logs_to(reporter):
        logging.getLogger("faceplate.stages.extract").info("no face in frames %s", "1003-1004")
        logging.getLogger("faceplate.training").debug("not shown")
    logging.getLogger("faceplate.stages.extract").warning("after the stage")
    assert reporter.of("log") == [("info", "no face in frames 1003-1004")]
