"""Whisper (faster-whisper / CTranslate2) as an embedded, offline recogniser.

The model comes from PyPI packages (:func:`models.asr.packaged.whisper_dir`) or a local
faster-whisper folder. Decoding is greedy at temperature 0 with no timestamps (the
fastest setting that still recognises the reference recordings well; ``bench listen``
measures it). The language is detected per call and held to ``languages``: a turn whose
most likely language is outside that list with high probability is reported as
``unsupported_language`` rather than transcribed into nonsense; an unsure detection
keeps the speaker's previous language (``prior``). Mandarin comes out of
Whisper mostly in traditional characters; it is converted to simplified (OpenCC ``tw2s``).
"""

from __future__ import annotations

import logging
import math
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from vhuman.models.text.language import LANGUAGE_NAMES
from vhuman.models.types import InputError, VhumanError

from .base import SAMPLE_RATE, Transcription
from .packaged import whisper_dir

log = logging.getLogger(__name__)

UNSUPPORTED_PROBABILITY = 0.6
"""A detected language outside ``languages`` at or above this probability is refused."""
WINDOWS = ("fit", "full")
FIT_PAD_S = 2.0
"""Silence after the audio in a fitted encoder window (less made the model loop more)."""
FIT_MIN_S = 10.0
"""The shortest fitted window outside :data:`SHORT_FIT_LANGUAGES`: a 3 s turn in a 5 s
window lost words that a 10 s one keeps (a short Spanish turn, a Mandarin name), for
about 0.1 s more per decode on 2 cores."""
SHORT_FIT_LANGUAGES = ("en",)
"""Languages heard as well in the shortest fitted window (audio + FIT_PAD_S): English
word error rate 1.7 % in both on the recordings here, so it keeps the faster window."""
FIT_MAX_S = 28.0
"""Longer audio is always decoded in the 30 s window."""
LONG_S = 30.0
"""Longer audio goes through faster-whisper's sliding 30 s windows."""
MAX_TOKENS = 448
TOKENS_PER_S = 12.0
"""A fitted decode producing more tokens than ``20 + TOKENS_PER_S * seconds`` is a loop."""
SURE_LANGUAGE = 0.8
"""A language detected in a fitted window below this probability is detected again in the
30 s window (short windows confuse close languages: Spanish heard as Portuguese)."""
PRIOR_SURE = 0.9
"""A ``prior`` language (the speaker's last one) is kept over a detection less sure than
this when the model gives the prior at least :data:`PRIOR_FLOOR`: a short turn of a
Spanish speaker is otherwise heard as Portuguese (0.68-0.83 on the recordings here),
while a speaker who changes language is detected at 0.95 or more."""
PRIOR_FLOOR = 0.05
LOOP_PENALTY = 1.3
"""Repetition penalty of the second try after a loop (short audio, under ~2 s, loops in a
fitted window: "produced the block. produced the block. …"); a second loop → 30 s window."""


def to_simplified(text: str) -> str:
    """Traditional → simplified Chinese (OpenCC's Taiwan phrases config)."""
    return _converter().convert(text)


_opencc: Any = None
_opencc_lock = threading.Lock()


def _converter() -> Any:
    global _opencc
    with _opencc_lock:
        if _opencc is None:
            try:
                import opencc
            except ImportError as exc:
                raise VhumanError("simplified Chinese output needs opencc: pip install opencc-py") from exc
            _opencc = opencc.OpenCC("tw2s")
        return _opencc


@dataclass(frozen=True)
class _Decoded:
    text: str
    avg_logprob: float
    no_speech: float


class WhisperRecognizer:
    """faster-whisper on CPU (int8) or GPU (float16) with the packaged Whisper model.

    ``window``: ``fit`` (default) runs the encoder on the audio heard plus
    :data:`FIT_PAD_S` of silence instead of Whisper's fixed 30 s window (CTranslate2
    takes any length up to 30 s; a 5 s turn encodes several times faster). A fitted decode
    that loops (too many tokens for the audio, or repetitive text) is decoded again from
    the same encoder output with a repetition penalty, then, if it still loops, in the
    30 s window; ``full`` always uses the 30 s window.

    ``workers`` decodes run at once, each on ``threads`` CPU threads (CTranslate2's
    ``num_workers`` and ``cpu_threads``). On a 2-core CPU one Whisper-base decode is no
    faster on 2 threads than on 1 (0.58 s for an 8.7 s turn either way), so two
    one-thread decodes side by side let a live turn's final recognition start at once
    instead of waiting behind a partial (0.60 s instead of 0.82–1.0 s in
    ``docs/listening.md``).
    """

    sample_rate = SAMPLE_RATE

    def __init__(self, model: str = "base", *, model_dir: str | Path | None = None,
                 device: str = "auto", compute_type: str | None = None, threads: int = 1,
                 workers: int = 2, beam_size: int = 1, languages: Sequence[str] | None = None,
                 simplified_chinese: bool = True, window: str = "fit") -> None:
        try:
            from faster_whisper import WhisperModel
        except ImportError as exc:
            raise VhumanError("speech recognition needs faster-whisper: "
                              "pip install faster-whisper") from exc
        if threads < 1 or workers < 1:
            raise InputError(f"whisper threads and workers: at least 1, got {threads}, {workers}")
        if window not in WINDOWS:
            raise InputError(f"whisper window: {window!r}; use {' | '.join(WINDOWS)}")
        if device == "auto":
            device = _cuda_device()
        path = Path(model_dir) if model_dir is not None else whisper_dir(model)
        self.name = f"whisper-{model if model_dir is None else Path(model_dir).name}"
        self.device = device
        self.compute_type = compute_type or ("float16" if device == "cuda" else "int8")
        self.beam_size = beam_size
        self.window = window
        self.languages = tuple(languages) if languages else tuple(LANGUAGE_NAMES)
        self.simplified_chinese = simplified_chinese
        self._model = WhisperModel(str(path), device=device, compute_type=self.compute_type,
                                   cpu_threads=threads, num_workers=workers)
        self.workers = workers
        self._lock = threading.BoundedSemaphore(workers)  # decodes at once
        self.fallbacks = 0  # fitted decodes redone with the 30 s window
        log.info("whisper %s loaded on %s (%s)", path, device, self.compute_type)

    def transcribe_partial(self, audio: np.ndarray, *, language: str | None = None,
                           prompt: str | None = None,
                           prior: str | None = None) -> Transcription:
        """The words so far of a turn still being spoken: as :meth:`transcribe`, but never
        in the 30 s window, which costs several partials' time: a fitted decode that still
        loops after the second try is given up (status ``empty``; the next partial or the
        final hears those words), and an unsure language is not detected again."""
        return self.transcribe(audio, language=language, prompt=prompt, prior=prior,
                               full_window=False)

    def transcribe(self, audio: np.ndarray, *, language: str | None = None,
                   prompt: str | None = None, prior: str | None = None,
                   full_window: bool = True) -> Transcription:
        """See :class:`Recognizer`; ``prior``: the language the speaker spoke last, kept
        when the detection of this audio is unsure (:data:`PRIOR_SURE`); ``full_window``
        False: never fall back to the 30 s window (:meth:`transcribe_partial`)."""
        audio = np.ascontiguousarray(audio, dtype=np.float32).reshape(-1)
        seconds = audio.shape[0] / SAMPLE_RATE
        if seconds < 0.1 or not np.any(audio):
            return Transcription("", status="empty", detail="no audio", seconds=seconds)
        if seconds > LONG_S:
            return self._transcribe_long(audio, language, prompt)
        with self._lock:
            fit = self.window == "fit" and seconds <= FIT_MAX_S
            expected = language or prior  # the wider fitted window unless it is English
            wide = fit and bool(expected) and expected not in SHORT_FIT_LANGUAGES
            encoded = self._encode(audio, fit, wide)
            lang, lang_p = language or "", 1.0 if language else 0.0
            if language is None:
                probs = self._detect(encoded)
                lang = max(probs, key=lambda c: probs[c])
                if fit and full_window and probs[lang] < SURE_LANGUAGE:  # unsure: 30 s one
                    probs = self._detect(self._encode(audio, False))
                    lang = max(probs, key=lambda c: probs[c])
                if prior and prior != lang and prior in self.languages \
                        and probs[lang] < PRIOR_SURE and probs.get(prior, 0.0) >= PRIOR_FLOOR:
                    log.info("unsure language %s (%.2f): the speaker's %s (%.2f) kept", lang,
                             probs[lang], prior, probs[prior])
                    lang = prior
                lang_p = probs[lang]
                if lang not in self.languages:
                    allowed = max(self.languages, key=lambda c: probs.get(c, 0.0))
                    if lang_p >= UNSUPPORTED_PROBABILITY or probs.get(allowed, 0.0) < 0.05:
                        return Transcription("", language=lang, language_probability=lang_p,
                                             status="unsupported_language",
                                             detail=f"heard {LANGUAGE_NAMES.get(lang, lang)}; "
                                                    f"understood: {', '.join(self.languages)}",
                                             seconds=seconds)
                    lang, lang_p = allowed, probs.get(allowed, 0.0)
                if fit and not wide and lang not in SHORT_FIT_LANGUAGES \
                        and seconds + FIT_PAD_S < FIT_MIN_S:
                    encoded = self._encode(audio, fit, True)  # heard in the wider window
            decoded = self._generate(encoded, lang, prompt, seconds, guard=fit)
            if decoded is None:  # a loop in the fitted window: again, repeating less
                decoded = self._generate(encoded, lang, prompt, seconds, guard=True,
                                         repetition_penalty=LOOP_PENALTY)
            if decoded is None and not full_window:
                return Transcription("", language=lang, language_probability=lang_p,
                                     status="empty", detail="decode ran away", seconds=seconds)
            if decoded is None:  # still astray: the 30 s window
                self.fallbacks += 1
                decoded = self._generate(self._encode(audio, False), lang, prompt, seconds,
                                         guard=False)
        assert decoded is not None
        text = decoded.text.strip()
        if lang == "zh" and self.simplified_chinese:
            text = to_simplified(text)
        if not text:
            return Transcription("", language=lang, language_probability=lang_p,
                                 status="empty", detail="no words recognised", seconds=seconds)
        return Transcription(text, language=lang,
                             confidence=_confidence(decoded.avg_logprob, decoded.no_speech),
                             language_probability=round(float(lang_p), 4), seconds=seconds,
                             words=tuple(text.split()))

    def _transcribe_long(self, audio: np.ndarray, language: str | None,
                         prompt: str | None) -> Transcription:
        """Audio longer than one window: faster-whisper's own sliding windows."""
        seconds = audio.shape[0] / SAMPLE_RATE
        with self._lock:
            segments, info = self._model.transcribe(
                audio, language=language, task="transcribe", beam_size=self.beam_size,
                temperature=0.0, condition_on_previous_text=False,
                initial_prompt=prompt or None, without_timestamps=True, vad_filter=False)
            segs = list(segments)
        lang = info.language
        text = "".join(s.text for s in segs).strip()
        if lang == "zh" and self.simplified_chinese:
            text = to_simplified(text)
        if not segs or not text:
            return Transcription("", language=lang, status="empty",
                                 detail="no words recognised", seconds=seconds)
        weights = [max(1, len(s.text)) for s in segs]
        logp = sum(w * s.avg_logprob for w, s in zip(weights, segs, strict=True)) / sum(weights)
        return Transcription(text, language=lang,
                             confidence=_confidence(logp, max(s.no_speech_prob for s in segs)),
                             language_probability=round(float(info.language_probability), 4),
                             seconds=seconds, words=tuple(text.split()))

    # -- the model, through CTranslate2 -------------------------------------------------
    def _encode(self, audio: np.ndarray, fit: bool, wide: bool = False) -> Any:
        """Encoder output for ``audio``: fitted (audio + FIT_PAD_S of silence; ``wide``: at
        least FIT_MIN_S in all) or the 30 s window Whisper was trained on."""
        import ctranslate2

        extractor = self._model.feature_extractor
        window = extractor.n_samples
        pad = max(0, window - audio.size) if not fit else \
            max(int(FIT_PAD_S * SAMPLE_RATE), int(FIT_MIN_S * SAMPLE_RATE) - audio.size) if wide \
            else int(FIT_PAD_S * SAMPLE_RATE)
        padded = np.concatenate([audio[:window], np.zeros(pad, np.float32)])[:window]
        features = extractor(padded)[:, : extractor.nb_max_frames]
        if not fit and features.shape[1] < extractor.nb_max_frames:
            features = np.pad(features, ((0, 0), (0, extractor.nb_max_frames - features.shape[1])))
        view = ctranslate2.StorageView.from_array(np.ascontiguousarray(features[None]))
        return self._model.model.encode(view, to_cpu=False)

    def _detect(self, encoded: Any) -> dict[str, float]:
        """Language probabilities (ISO 639-1 code → probability) from the encoder output."""
        results = self._model.model.detect_language(encoded)[0]
        return {token[2:-2]: float(p) for token, p in results}

    def _generate(self, encoded: Any, language: str, prompt: str | None, seconds: float,
                  *, guard: bool, repetition_penalty: float = 1.0) -> _Decoded | None:
        """Greedy decode without timestamps; None when ``guard`` finds a runaway decode."""
        from faster_whisper.tokenizer import Tokenizer
        from faster_whisper.transcribe import get_compression_ratio, get_suppressed_tokens

        model = self._model.model
        tokenizer = Tokenizer(self._model.hf_tokenizer, model.is_multilingual,
                              task="transcribe", language=language)
        tokens: list[int] = []
        if prompt:
            tokens = [tokenizer.sot_prev, *tokenizer.encode(" " + prompt.strip())[-200:]]
        tokens += [*tokenizer.sot_sequence, tokenizer.no_timestamps]
        limit = min(MAX_TOKENS, len(tokens) + int(20 + TOKENS_PER_S * seconds)) if guard \
            else MAX_TOKENS
        result = model.generate(encoded, [tokens], beam_size=self.beam_size, patience=1,
                                length_penalty=1, max_length=limit, return_scores=True,
                                repetition_penalty=repetition_penalty,
                                return_no_speech_prob=True, suppress_blank=True,
                                suppress_tokens=list(get_suppressed_tokens(tokenizer, [-1])))[0]
        ids = [t for t in result.sequences_ids[0] if t < tokenizer.eot]
        text = tokenizer.decode(ids)
        if guard and (len(ids) >= limit - len(tokens) - 1 or _repeats(text)
                      or (len(text) > 24 and get_compression_ratio(text) > 2.4)):
            log.info("fitted whisper decode of %.1fs ran away (%d tokens); 30 s window",
                     seconds, len(ids))
            return None
        avg_logprob = float(result.scores[0]) * len(ids) / (len(ids) + 1) if ids else -5.0
        return _Decoded(text, avg_logprob, float(result.no_speech_prob))


_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def _repeats(text: str) -> bool:
    """Whether ``text`` says the same run of words twice (4 words, or 6 Chinese, Japanese
    or Korean characters): how a decoding loop starts; people seldom do it in one turn."""
    cjk = len(_CJK.findall(text)) > len(text) // 3
    units = [c for c in text if c.strip() and c.isalnum()] if cjk else \
        re.sub(r"[^\w\s']", " ", text.lower()).split()
    n = 6 if cjk else 4
    seen: set[tuple[str, ...]] = set()
    for i in range(len(units) - n + 1):
        gram = tuple(units[i:i + n])
        if gram in seen:
            return True
        seen.add(gram)
    return False


def _confidence(avg_logprob: float, no_speech: float) -> float:
    """Mean token probability times the chance that there was speech at all."""
    speech = 1.0 - no_speech
    return round(max(0.0, min(1.0, math.exp(avg_logprob) * (0.5 + 0.5 * speech))), 4)


def _cuda_device() -> str:
    try:
        import ctranslate2

        return "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
    except Exception:  # noqa: BLE001 - no CUDA runtime: CPU
        return "cpu"
