"""Writing and probing media files with PyAV: MP4 (H.264 + AAC), WebM, WAV.

:class:`MediaWriter` takes video frames and audio incrementally, so the offline renderer
and the live recorder share it; it keeps the video exactly as long as the audio (within
one frame) by padding/trimming at :meth:`close`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from vhuman.models.types import InputError, VhumanError

log = logging.getLogger(__name__)


class OutputError(VhumanError):
    """An output file or stream could not be opened or written."""


def check_writable(path: str | Path) -> Path:
    """Resolve an output path, create its folder, and fail early if it cannot be written."""
    out = Path(path).expanduser()
    if out.is_dir():
        raise InputError(f"output path {out} is a directory; give a file name such as {out}/clip.mp4")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with open(out, "ab"):
            pass
    except OSError as exc:
        raise InputError(f"cannot write output file {out}: {exc.strerror or exc}") from exc
    return out


_CONTAINERS = {".mp4": ("mp4", "libx264", "aac", "yuv420p"),
               ".mov": ("mov", "libx264", "aac", "yuv420p"),
               ".mkv": ("matroska", "libx264", "aac", "yuv420p"),
               ".flv": ("flv", "libx264", "aac", "yuv420p"),
               ".webm": ("webm", "libvpx-vp9", "libopus", "yuv420p")}


class MediaWriter:
    """Encode RGB(A) frames and mono float audio into one file.

    ``alpha=True`` with a ``.webm`` path writes VP9 with an alpha channel (yuva420p), the
    format OBS's media/browser sources composite directly.
    """

    def __init__(self, path: str | Path, *, width: int, height: int, fps: float,
                 sample_rate: int | None, preset: str = "veryfast", crf: int = 20,
                 alpha: bool = False, container: str | None = None,
                 video_options: dict[str, str] | None = None,
                 open_options: dict[str, str] | None = None) -> None:
        """``video_options`` extend the encoder's options (e.g. ``{"g": "60"}``);
        ``open_options`` go to the muxer/protocol (e.g. ``{"rw_timeout": "5000000"}``)."""
        import av

        self.path = Path(path) if "://" not in str(path) else path  # type: ignore[assignment]
        suffix = Path(str(path)).suffix.lower() if container is None else ""
        fmt, vcodec, acodec, pix = _CONTAINERS.get(suffix, ("mp4", "libx264", "aac", "yuv420p"))
        if container is not None:
            fmt = container
            vcodec, acodec, pix = (("libx264", "aac", "yuv420p") if container != "webm"
                                   else ("libvpx-vp9", "libopus", "yuv420p"))
        if alpha:
            if vcodec != "libvpx-vp9":
                raise InputError("transparent output needs a .webm file (VP9 with alpha)")
            pix = "yuva420p"
        if width % 2 or height % 2:
            raise InputError(f"video size must be even for H.264/VP9, got {width}x{height}")
        self.width, self.height, self.fps = width, height, float(fps)
        self.sample_rate = sample_rate
        self.alpha = alpha
        self._frames = 0
        self._samples = 0
        self._last_image: np.ndarray | None = None
        try:
            self._container = av.open(str(path), "w", format=fmt, options=open_options or {})
        except Exception as exc:  # noqa: BLE001 - FFmpeg raises many kinds
            raise OutputError(f"cannot open output {path}: {exc}") from exc
        rate = Fraction(fps).limit_denominator(1001)
        video = self._container.add_stream(vcodec, rate=rate)
        if not isinstance(video, av.VideoStream):
            raise OutputError(f"{vcodec} did not open a video stream in {path}")
        self._video: av.VideoStream = video
        self._video.width, self._video.height = width, height
        self._video.pix_fmt = pix
        self._video.time_base = Fraction(1, 1) / rate
        if vcodec == "libx264":
            self._video.options = {"preset": preset, "crf": str(crf), "tune": "animation"}
        else:
            self._video.options = {"crf": str(crf + 10), "b": "0", "deadline": "realtime",
                                   "cpu-used": "8", "row-mt": "1"}
        if video_options:
            self._video.options = {**dict(self._video.options), **video_options}
        self._audio: av.AudioStream | None = None
        self._audio_resampler: av.AudioResampler | None = None
        if sample_rate:
            arate = sample_rate if acodec == "aac" else 48000
            audio = self._container.add_stream(acodec, rate=arate)
            if not isinstance(audio, av.AudioStream):
                raise OutputError(f"{acodec} did not open an audio stream in {path}")
            self._audio = audio
            self._audio.layout = "mono"
            if arate != sample_rate:
                self._audio_resampler = av.AudioResampler(format="fltp", layout="mono", rate=arate)

    @property
    def frames_written(self) -> int:
        return self._frames

    @property
    def audio_seconds(self) -> float:
        return self._samples / float(self.sample_rate or 1)

    def write_video(self, image: np.ndarray) -> None:
        """Append one RGB (H, W, 3) or RGBA (H, W, 4) uint8 frame."""
        import av

        if image.shape[:2] != (self.height, self.width):
            raise InputError(f"frame is {image.shape[1]}x{image.shape[0]}, writer expects "
                             f"{self.width}x{self.height}")
        fmt = "rgba" if image.shape[2] == 4 else "rgb24"
        if not self.alpha and fmt == "rgba":
            image, fmt = np.ascontiguousarray(image[..., :3]), "rgb24"
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format=fmt)
        frame.pts = self._frames
        self._frames += 1
        self._last_image = image
        for packet in self._video.encode(frame):
            self._container.mux(packet)

    def write_video_at(self, index: int, image: np.ndarray) -> None:
        """Write ``image`` as frame ``index``: gaps before it repeat the last picture;
        a frame at or before one already written is ignored."""
        while self._frames < index and self._last_image is not None:
            self.write_video(self._last_image)
        if self._frames <= index:
            self.write_video(image)

    def write_audio(self, samples: np.ndarray) -> None:
        """Append mono float32 samples in [-1, 1]."""
        import av

        if self._audio is None or not self.sample_rate or len(samples) == 0:
            return
        data = np.clip(np.asarray(samples, dtype=np.float32), -1.0, 1.0).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(data), format="fltp", layout="mono")
        frame.sample_rate = self.sample_rate
        frame.pts = self._samples
        frame.time_base = Fraction(1, self.sample_rate)
        self._samples += data.shape[1]
        frames = self._audio_resampler.resample(frame) if self._audio_resampler else [frame]
        for f in frames:
            for packet in self._audio.encode(f):
                self._container.mux(packet)

    def close(self, *, match_audio: bool = True) -> None:
        """Pad video to the audio length (repeat last frame), flush encoders, close."""
        if match_audio and self._audio is not None and self._last_image is not None:
            target = int(round(self.audio_seconds * self.fps))
            while self._frames < target:
                self.write_video(self._last_image)
        for packet in self._video.encode(None):
            self._container.mux(packet)
        if self._audio is not None:
            if self._audio_resampler is not None:
                for f in self._audio_resampler.resample(None):
                    for packet in self._audio.encode(f):
                        self._container.mux(packet)
            for packet in self._audio.encode(None):
                self._container.mux(packet)
        self._container.close()

    def __enter__(self) -> MediaWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class MediaInfo:
    """What :func:`probe` found in a media file."""

    video_codec: str | None
    audio_codec: str | None
    width: int
    height: int
    fps: float
    video_frames: int
    video_duration: float
    audio_duration: float
    sample_rate: int
    pix_fmt: str | None = None


def keyframe_interval(fps: float, seconds: float = 2.0) -> str:
    """Frames between keyframes (``g``) for one keyframe every ``seconds``: what live
    ingest servers expect, and the fragment length of live MP4 recordings."""
    return str(max(1, int(round(seconds * fps))))


def live_video_options(fps: float) -> dict[str, str]:
    """x264 options live ingest servers expect: a keyframe every 2 s, no B-frames, no
    lookahead latency."""
    gop = keyframe_interval(fps)
    return {"tune": "zerolatency", "g": gop, "keyint_min": gop, "bf": "0"}


def probe(path: str | Path) -> MediaInfo:
    """Decode a file's streams and report codecs, sizes and exact durations."""
    import av

    with av.open(str(path)) as container:
        vs = next(iter(container.streams.video), None)
        as_ = next(iter(container.streams.audio), None)
        vframes, vdur, adur = 0, 0.0, 0.0
        vcodec = vs.codec_context.name if vs else None
        acodec = as_.codec_context.name if as_ else None
        fps = float(vs.average_rate) if vs and vs.average_rate else 0.0
        width = vs.codec_context.width if vs else 0
        height = vs.codec_context.height if vs else 0
        pix = vs.codec_context.pix_fmt if vs else None
        sr = as_.codec_context.sample_rate if as_ else 0
        streams = [s for s in (vs, as_) if s is not None]
        for frame in container.decode(*streams):
            if isinstance(frame, av.VideoFrame):
                vframes += 1
            elif isinstance(frame, av.AudioFrame):
                adur += frame.samples / float(frame.sample_rate)
        if vs is not None and fps:
            vdur = vframes / fps
        if as_ is not None and as_.duration and as_.time_base is not None:
            # The container's duration honours the encoder delay/padding (edit list) that
            # decoding AAC exposes as ~1024 extra samples.
            adur = float(as_.duration * as_.time_base)
    return MediaInfo(vcodec, acodec, width, height, fps, vframes, vdur, adur, sr, pix)


def write_wav(path: str | Path, samples: np.ndarray, sample_rate: int) -> Path:
    """Write mono float audio as 16-bit PCM WAV."""
    import soundfile as sf

    out = check_writable(path)
    sf.write(str(out), np.asarray(samples, dtype=np.float32), sample_rate, subtype="PCM_16")
    return out
