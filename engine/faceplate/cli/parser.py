"""The `faceplate` argument parser: argparse, with two changes every subcommand inherits.

A value that starts with '-' but is no option (``--range -5--1``, ``--pose-margin -inf``, ``--erode -2``)
is taken as the option's value, so the setting's own check answers it in one line naming the flag;
and a usage error (unknown flag, missing value) is one line, not the usage block.
"""

from __future__ import annotations

import argparse
import re

# negative numbers, ranges of them and -inf/-nan: argparse tells a value from an unknown option with this
_DASHED_VALUE = re.compile(r"^-(?:\d|\.\d|inf|nan)", re.IGNORECASE)


class FaceplateParser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = _DASHED_VALUE  # read by argparse's _parse_optional

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")
