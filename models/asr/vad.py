"""Silero VAD (the ONNX model from the ``silero-vad`` wheel) run with onnxruntime.

The wheel's own loader imports torch and, for files, torchaudio; the ONNX model needs
neither. Frames are 512 samples at 16 kHz (32 ms); the model also sees the last 64
samples of the previous frame, as Silero's own wrapper does.
"""

from __future__ import annotations

import logging
import threading

import numpy as np

from vhuman.models.types import InputError, VhumanError

from .base import SAMPLE_RATE
from .packaged import silero_onnx_path

log = logging.getLogger(__name__)

FRAME_SAMPLES = 512
CONTEXT_SAMPLES = 64
_session_lock = threading.Lock()
_sessions: dict[str, object] = {}


def _session(path: str) -> object:
    """One onnxruntime session per model file, shared (a session is thread-safe to run)."""
    with _session_lock:
        if path not in _sessions:
            try:
                import onnxruntime as ort
            except ImportError as exc:
                raise VhumanError("Silero VAD needs onnxruntime: pip install onnxruntime") from exc
            options = ort.SessionOptions()
            options.intra_op_num_threads = 1
            options.inter_op_num_threads = 1
            _sessions[path] = ort.InferenceSession(path, sess_options=options,
                                                   providers=["CPUExecutionProvider"])
            log.info("silero vad loaded from %s", path)
        return _sessions[path]


class SileroVAD:
    """Streaming speech probability per 32 ms frame; one instance per audio stream."""

    name = "silero"
    sample_rate = SAMPLE_RATE
    frame_samples = FRAME_SAMPLES

    def __init__(self, model_path: str | None = None) -> None:
        self._sess = _session(str(model_path or silero_onnx_path()))
        self._sr = np.array(SAMPLE_RATE, dtype=np.int64)
        self.reset()

    def reset(self) -> None:
        self._state = np.zeros((2, 1, 128), dtype=np.float32)
        self._context = np.zeros(CONTEXT_SAMPLES, dtype=np.float32)

    def probability(self, frame: np.ndarray) -> float:
        frame = np.asarray(frame, dtype=np.float32).reshape(-1)
        if frame.shape[0] != FRAME_SAMPLES:
            raise InputError(f"vad frame must be {FRAME_SAMPLES} samples, got {frame.shape[0]}")
        x = np.concatenate([self._context, frame])[None, :]
        out, self._state = self._sess.run(  # type: ignore[attr-defined]
            None, {"input": x, "state": self._state, "sr": self._sr})
        self._context = frame[-CONTEXT_SAMPLES:].copy()
        return float(out[0, 0])
