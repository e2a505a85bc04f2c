"""Video plates through PyAV (FFmpeg): exact frame numbers, random access and fast sequential reads.

Frame k of the stream in presentation order is plate frame ``first_frame + k``. The index of
a decoded frame comes from its timestamp, never from counting after a seek, so random
access lands on exactly the frame a sequential decode would give.
"""

from __future__ import annotations

import itertools
import os
from fractions import Fraction
from typing import Iterator

import av
import numpy as np

from faceplate.errors import MediaError
from faceplate.media.frames import FrameRange
from faceplate.media.plate import Plate, PlateInfo

# Decode forward instead of seeking when the target is at most this many frames ahead (about a
# long GOP); intra-only codecs (ProRes, DNxHD, MJPEG) seek exactly, so only the next frame is near.
_FORWARD_WINDOW = 48
_REEXPORT = "re-export it as H.264/ProRes or an image sequence"


class VideoPlate(Plate):
    def __init__(self, path: str | os.PathLike, first_frame: int = 1001) -> None:
        self._path = str(path)
        self._first = first_frame
        if not os.path.isfile(self._path):
            raise MediaError(f"cannot open video {self._path}: no such file; check the path")
        try:
            self._container = av.open(self._path)
        except (av.FFmpegError, OSError, UnicodeDecodeError) as exc:
            raise MediaError(
                f"cannot decode {self._path}: unreadable codec or not a video ({exc}); {_REEXPORT}"
            ) from exc
        try:
            self._stream = _video_stream(self._container, self._path)
            self._stream.thread_type = "AUTO"  # frame+slice threads; only fast sequential reads need it
            self._setup()
        except BaseException:
            self._container.close()
            raise

    def _setup(self) -> None:
        stream = self._stream
        fps = stream.average_rate or stream.guessed_rate or stream.base_rate
        if not fps:
            raise MediaError(f"cannot read the frame rate of {self._path}; {_REEXPORT}")
        self._fps, self._tb = Fraction(fps), Fraction(stream.time_base or Fraction(1, 1))
        pix_fmt = stream.codec_context.format
        bits = max((c.bits for c in pix_fmt.components), default=8) if pix_fmt else 8
        self._rgb_format = "rgb48le" if bits > 8 else "rgb24"  # keep 10/12-bit precision in uint16
        self._reformatter = av.video.reformatter.VideoReformatter()
        self._forward_window = 1 if stream.codec_context.codec.intra_only else _FORWARD_WINDOW
        self._origin: int | None = None  # pts of frame 0, set by the first decode
        first_frame = self._rewind_and_peek()
        # Display-matrix rotation, counter-clockwise degrees (np.rot90's sense); PyAV < 14 lacks it.
        self._rotation = round((getattr(first_frame, "rotation", 0) or 0) / 90) * 90 % 360
        width, height = first_frame.width, first_frame.height
        if self._rotation in (90, 270):
            width, height = height, width
        count = self._frame_count()
        self.info = PlateInfo(
            path=self._path,
            kind="video",
            width=width,
            height=height,
            fps=self._fps,
            frame_range=FrameRange(self._first, self._first + count - 1),
            timecode=_timecode(self._container, stream),
            rotation=self._rotation,
            bit_depth=bits,
            is_float=False,
        )

    # -- decoding ---------------------------------------------------------------------------

    def _rewind_and_peek(self) -> "av.VideoFrame":
        """Decode frame 0 (fixing the pts origin) and leave the cursor just before it."""
        self._cursor, self._cursor_next = self._decode_run(expected=0), 0
        index, frame = next(self._cursor, (None, None))
        if frame is None:
            raise MediaError(f"cannot decode {self._path}: the video stream holds no decodable frame; {_REEXPORT}")
        self._cursor = itertools.chain([(index, frame)], self._cursor)
        return frame

    def _decode_run(self, expected: int) -> Iterator[tuple[int, "av.VideoFrame"]]:
        """Yield ``(index, frame)`` from the demuxer's current position; damage raises naming the frame."""
        packets = self._container.demux(self._stream)
        output_yet = False
        while True:
            packet = None
            try:
                packet = next(packets)
                decoded = packet.decode()
            except StopIteration:
                return
            except av.FFmpegError as exc:
                # Frame threads report an error a few packets late but still output frames in order,
                # so the damaged frame is the next one due; before any output, it is this packet's.
                late = not output_yet and packet is not None and packet.pts is not None
                self._damaged(
                    self._index_of(packet.pts) if late else expected, getattr(exc, "strerror", None) or str(exc), exc
                )
            for frame in decoded:
                if frame.pts is not None and self._origin is None:
                    self._origin = frame.pts
                index = expected if frame.pts is None else self._index_of(frame.pts)
                if frame.is_corrupt:  # FFmpeg concealed an error (H.264 does): the picture is not the real frame
                    self._damaged(index, "the decoder flagged the picture as corrupt")
                expected, output_yet = index + 1, True
                yield index, frame

    def _index_of(self, pts: int) -> int:
        return round((pts - (self._origin or 0)) * self._tb * self._fps)

    def _damaged(self, index: int, why: str, cause: Exception | None = None) -> None:
        self._cursor_next = None  # the decoder's state is unknown now: the next read seeks
        raise MediaError(
            f"cannot decode frame {self._first + index} of {self._path}: {why}; the file is damaged, {_REEXPORT}"
        ) from cause

    def _seek(self, index: int) -> None:
        pts = (self._origin or 0) + round(Fraction(index) / self._fps / self._tb)
        # Some demuxers (MPEG-PS) land a GOP late when asked for the very first timestamp; a
        # second before it gives the start, where the demuxer allows it (AVI refuses).
        targets = [pts - round(1 / self._tb), pts] if index <= 0 else [pts]
        for target in targets:
            try:
                self._container.seek(target, stream=self._stream, backward=True)
                break
            except av.FFmpegError as exc:
                if target == targets[-1]:
                    raise MediaError(
                        f"cannot seek to frame {self._first + index} of {self._path}: {exc}; {_REEXPORT}"
                    ) from exc
        self._cursor, self._cursor_next = self._decode_run(expected=index), None

    def _frame_at(self, index: int) -> "av.VideoFrame":
        """Decode exactly frame ``index``: keep decoding forward when near, else seek back to a keyframe."""
        if self._cursor_next is not None and 0 <= index - self._cursor_next < self._forward_window:
            try:
                frame, _ = self._decode_until(index)
            except MediaError:
                frame = None  # damage between here and there: a seek may skip it
            if frame is not None:
                return frame
        backoff = 0
        while True:
            start = max(index - backoff, 0)
            self._seek(start)
            frame, retry = self._decode_until(index)
            if frame is not None:
                return frame
            if not retry or start == 0:
                raise MediaError(
                    f"cannot decode frame {self._first + index} of {self._path} (plate frames {self.info.frame_range}): "
                    f"the stream has no frame at that time (truncated file or variable frame rate); {_REEXPORT}"
                )
            # Demuxers seek imprecisely (MPEG-PS can land past the target or just after a keyframe's
            # start, decoding nothing): start earlier.
            backoff = max(2 * backoff, 16)

    def _decode_until(self, index: int) -> tuple["av.VideoFrame | None", bool]:
        """Advance the cursor to ``index``; return (frame or None, whether a seek from earlier may find it)."""
        first = True
        for got, frame in self._cursor:
            self._cursor_next = got + 1
            if got == index:
                return frame, False
            if got > index:
                return None, first  # past it at once: the seek overshot; past it later: no such frame
            first = False
        self._cursor_next = None
        return None, first  # nothing decoded at all: the seek landed where no picture starts

    def _to_array(self, frame: "av.VideoFrame", index: int) -> np.ndarray:
        # One reformatter per plate so swscale's context is built once, not per frame.
        try:
            pixels = self._reformatter.reformat(frame, format=self._rgb_format).to_ndarray()
        except (av.FFmpegError, ValueError) as exc:
            raise MediaError(
                f"cannot convert frame {self._first + index} of {self._path} "
                f"({frame.format.name}) to RGB: {exc}; {_REEXPORT}"
            ) from exc
        if self._rotation:
            pixels = np.rot90(pixels, k=self._rotation // 90)
        return np.ascontiguousarray(pixels)  # PyAV's view skips row padding with strides

    # -- public API -------------------------------------------------------------------------

    def read(self, frame: int) -> np.ndarray:
        """Exact frame ``frame``. Reading frames in order decodes forward without seeking, which
        is how the inherited ``iter_frames`` decodes the stream once."""
        self._check_frame(frame)
        if self._container is None:  # PyAV crashes (segfault) on a closed container: refuse first
            raise MediaError(f"cannot read frame {frame} of {self._path}: the plate was closed; open it again")
        return self._to_array(self._frame_at(frame - self._first), frame - self._first)

    def close(self) -> None:
        if self._container is not None:
            self._cursor, self._cursor_next = iter(()), None
            self._container.close()
            self._container = None

    def _frame_count(self) -> int:
        """``nb_frames`` when the header has it (MP4/MOV); else decode the tail to find the last frame."""
        stream = self._stream
        if stream.frames > 0:
            return stream.frames
        # Durations only estimate (an MPEG-PS of 75 frames says 2.98 s, i.e. 74.5 frames), so the
        # estimate is only where to start decoding; without one, packets are counted (no decode).
        if stream.duration:
            estimate = round(stream.duration * self._tb * self._fps)
        elif self._container.duration:
            estimate = round(Fraction(self._container.duration, av.time_base) * self._fps)
        else:
            try:
                estimate = sum(1 for packet in self._container.demux(self._stream) if packet.size)
            except av.FFmpegError as exc:
                raise MediaError(f"cannot count the frames of {self._path}: {exc}; {_REEXPORT}") from exc
        backoff = 2
        while True:  # a seek may land where nothing decodes (MPEG-PS): back off until frames come
            start = max(estimate - backoff, 0)
            self._seek(start)
            last = None
            try:
                for last, _ in self._cursor:  # noqa: B007 - the loop only finds the last frame
                    pass
            except MediaError:
                return max(estimate, 1)  # a damaged tail: reading that frame will name it
            if last is not None or start == 0:
                self._cursor_next = None
                return (last or 0) + 1
            backoff *= 4


def _video_stream(container: "av.container.InputContainer", path: str) -> "av.video.stream.VideoStream":
    if not container.streams.video:
        kinds = ", ".join(sorted({s.type for s in container.streams})) or "nothing"
        raise MediaError(f"{path} has no video stream (it holds {kinds}); pick the picture file, or {_REEXPORT}")
    return container.streams.video[0]


def _timecode(container: "av.container.InputContainer", stream: "av.stream.Stream") -> str | None:
    """Start timecode from the video stream, the container, or a QuickTime tmcd data stream."""
    sources = [stream.metadata, container.metadata] + [s.metadata for s in container.streams if s.type == "data"]
    for metadata in sources:
        for key, value in metadata.items():
            if key.lower() == "timecode" and value:
                return value
    return None
