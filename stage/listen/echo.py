"""Echo suppression: the host's own voice coming back through a microphone.

A guest's speakers play the program; their microphone hears it again, delayed and
coloured by the room. :class:`EchoSuppressor` keeps the program audio the host is
saying (the *reference*, fed from the performer's ticks) and, for each microphone frame,

1. finds the echo's delay (GCC-PHAT between the recent microphone and reference audio,
   re-estimated every half second while the host talks, up to ``max_delay_s``),
2. cancels the echo with a partitioned-block frequency-domain NLMS filter (an echo tail
   of ``tail_s``) on the aligned reference, adapting only when the microphone is not
   louder than the echo explains (so a person talking does not train it away),
3. reports the residual (what the VAD hears) and whether the frame was explained by the
   echo (residual ≥ ``explained_db`` below the microphone while the reference is active).

The listener uses the residual for voice activity and refuses barge-ins whose speech was
mostly echo. When the echo path changes at once (the guest moves the laptop, turns the
speakers up), the running filter no longer cancels it and the new echo sounds like a
person for a second or two; and a guest speaking no louder than the echo passes the
running filter's level check as echo. So before a barge-in is taken, an
:class:`EchoJudge` (below) asks whether the speech is correlated with the program
(:meth:`EchoSuppressor.check`): it finds candidate delays (the strongest GCC-PHAT peaks) in
the last 0.45 s and in the newest 0.3 s alone, trains a fresh filter on just that audio
(a few passes) at each, and measures how much of the last 0.3 s the best one cancels. At
``verify_db`` (6 dB) or more the speech was the host's echo through a new path (which the
suppressor then adopts: fast re-convergence); under ``person_db`` (4 dB) it was a person.
A person talking is not correlated with the program and stays loud in the fresh filter's
residual (measured in ``docs/listening.md``: echo through a new room mostly 8-20 dB
cancelled, people over the echo mostly -5-4 dB).
Mono float32 at 16 kHz, 512-sample frames (the VAD's).
"""

from __future__ import annotations

import logging
import threading
from collections import deque

import numpy as np

from vhuman.dialogue.turns import TurnSettings
from vhuman.models.asr.base import SAMPLE_RATE

log = logging.getLogger(__name__)
_EPS = 1e-10


class _BlockNlms:
    """A partitioned-block frequency-domain NLMS filter (overlap-save, ``partitions``
    blocks of ``n`` samples: an echo tail of ``partitions * n``)."""

    def __init__(self, n: int, partitions: int) -> None:
        bins = n + 1
        self.n, self.partitions = n, partitions
        self.X = np.zeros((partitions, bins), dtype=np.complex128)
        self.W = np.zeros((partitions, bins), dtype=np.complex128)
        self.power = np.full(bins, 1e-6)
        self.prev = np.zeros(n)

    def step(self, x: np.ndarray, d: np.ndarray, mu: float) -> np.ndarray:
        """Filter reference block ``x`` against microphone block ``d``; adapt with step
        ``mu`` (0: no adaptation). Returns the residual ``d - echo estimate``."""
        n = self.n
        xf = np.fft.rfft(np.concatenate([self.prev, x]))
        self.prev = x
        self.X = np.roll(self.X, 1, axis=0)
        self.X[0] = xf
        e = d - np.fft.irfft((self.W * self.X).sum(axis=0))[n:]
        self.power = 0.9 * self.power + 0.1 * np.abs(xf) ** 2
        if mu > 0:
            ef = np.fft.rfft(np.concatenate([np.zeros(n), e]))
            norm = self.partitions * (self.power + 0.05 * float(self.power.mean())) + _EPS
            gt = np.fft.irfft(mu * np.conj(self.X) * ef / norm, axis=1)
            gt[:, n:] = 0.0  # gradient constraint: a causal filter of one block
            self.W += np.fft.rfft(gt, axis=1)
        return e


class EchoSuppressor:
    """Reference-based echo cancellation and echo detection for one microphone."""

    def __init__(self, *, frame: int = 512, tail_s: float = 0.16, max_delay_s: float = 0.6,
                 step: float = 0.7, explained_db: float = 8.0,
                 active_dbfs: float = -50.0, verify_db: float = 6.0,
                 verify_windows_s: tuple[float, ...] = (0.45, 0.3),
                 verify_candidates: int = 3, person_db: float | None = 4.0) -> None:
        self.n = frame
        self.partitions = max(1, int(np.ceil(tail_s * SAMPLE_RATE / frame)))
        self.max_delay = int(max_delay_s * SAMPLE_RATE)
        self.step = step
        self.explained = 10 ** (-explained_db / 10)
        self.verify_db = verify_db
        self.verify_windows_s = verify_windows_s
        self.verify_candidates = verify_candidates
        self.person_db = person_db
        self.active = frame * (10 ** (active_dbfs / 20)) ** 2
        keep = self.max_delay + (self.partitions + 4) * frame + 2 * SAMPLE_RATE
        self._ref = np.zeros(keep, dtype=np.float32)  # newest reference at the end
        self._ref_written = 0  # reference samples received in total
        self._mic_read = 0  # microphone samples processed in total
        self._mic_hist = np.zeros(SAMPLE_RATE, dtype=np.float32)
        self._lock = threading.Lock()
        self.delay = 0  # samples of echo delay beyond stream alignment
        self._candidate: int | None = None
        self._located = False
        # reference energies of the last frames (echo tail), mic/reference energy ratios
        self._recent = np.zeros(max(3, int(tail_s * 2 * SAMPLE_RATE / frame)))
        self._ratios = np.zeros(int(4 * SAMPLE_RATE / frame))
        self._ratio_at = 0
        self._talk = False  # the microphone is louder than the echo path explains
        self._since_estimate = 0
        self._nlms = _BlockNlms(frame, self.partitions)
        self.frames = 0
        self.echo_frames = 0
        self.verified = 0  # speech runs check() found to be echo through a new path (adopted)
        self.last_check: tuple[int, float] | None = None  # (delay, dB cancelled) of the last

    # -- reference side (any thread) -------------------------------------------------
    def reference(self, samples: np.ndarray) -> None:
        """Append program audio (16 kHz mono) as it is played."""
        samples = np.asarray(samples, dtype=np.float32).reshape(-1)
        with self._lock:
            k = min(samples.size, self._ref.size)
            self._ref = np.roll(self._ref, -k)
            self._ref[-k:] = samples[-k:]
            self._ref_written += samples.size

    def _aligned(self, n: int, extra: int = 0) -> np.ndarray:
        """The ``n + extra`` reference samples that played while the microphone recorded its
        current ``n`` samples, ``delay`` earlier (zeros where none was played)."""
        with self._lock:
            # reference index aligned with the end of the current mic frame
            end_abs = self._mic_read - self.delay
            offset = self._ref_written - end_abs  # samples after it already received
            end = self._ref.size - max(0, offset)
            start = end - n - extra
            out = np.zeros(n + extra, dtype=np.float32)
            if end <= 0:
                return out
            src = self._ref[max(0, start):end]
            out[-src.size:] = src
            return out

    # -- microphone side -------------------------------------------------------------
    def process(self, frame: np.ndarray) -> tuple[np.ndarray, bool]:
        """Cancel the echo in one microphone frame; returns (residual, explained by echo)."""
        d = np.asarray(frame, dtype=np.float64).reshape(-1)
        self._mic_read += d.size
        self._mic_hist = np.concatenate([self._mic_hist[d.size:], d.astype(np.float32)])
        self._since_estimate += d.size
        if self._since_estimate >= (SAMPLE_RATE // 2 if self._located else SAMPLE_RATE // 4):
            self._since_estimate = 0
            self._estimate_delay()
        x = self._aligned(self.n).astype(np.float64)
        ref_energy, mic_energy = float(x @ x), float(d @ d)
        self._track_gain(mic_energy, ref_energy)
        e, y = self._filter(x, d)
        self.frames += 1
        res_energy = float(e @ e)
        active = float(self._recent.max()) > self.active
        explained = active and (res_energy <= self.explained * mic_energy or not self._talk)
        self.echo_frames += int(explained)
        return e.astype(np.float32), explained

    def _track_gain(self, mic: float, ref: float) -> None:
        """Learn the echo path's energy gain (median over the last seconds of mic energy
        against the loudest recent reference frame: the room's tail keeps ringing after
        the reference drops) and say whether the microphone is 6 dB louder than the echo
        of the recent reference explains (a person talking)."""
        self._recent = np.roll(self._recent, 1)
        self._recent[0] = ref
        loudest = float(self._recent.max())
        if loudest > self.active:
            self._ratios[self._ratio_at % self._ratios.size] = mic / loudest
            self._ratio_at += 1
        known = self._ratios[: min(self._ratio_at, self._ratios.size)]
        if known.size < 30:  # under a second of the host: take what is heard as its echo
            self._talk = mic > self.active and loudest <= self.active
            return
        gain = float(np.median(known))
        self._talk = bool(mic > 4.0 * gain * loudest + self.active)

    def _filter(self, x: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # double talk (the person speaking) makes the residual larger than the mic's echo
        # share: adapt slowly then, so the filter keeps the echo path
        mu = self.step * (0.02 if self._talk else 1.0) if float(x @ x) > self.active else 0.0
        e = self._nlms.step(x, d, mu)
        return e, d - e

    # -- is this speech the program? ---------------------------------------------------
    def check(self, test_s: float = 0.3, passes: int = 3, *,
              adopt: bool = True) -> float | None:
        """How many dB of the last ``test_s`` of microphone audio a fresh filter cancels:
        at a delay found in the last ``train_s`` alone (the strongest GCC-PHAT peaks,
        ``verify_candidates`` of them) and trained on just that audio, best over the
        ``train_s`` of ``verify_windows_s`` (the longer window finds the delay surely;
        the newest 0.3 s alone holds only the new path when it changed within the longer
        one). At ``verify_db`` or more, and ``adopt``, the suppressor takes that delay and
        filter (the path changed). None while no program plays or no delay stands out."""
        best: tuple[float, int, _BlockNlms] | None = None
        for train_s in self.verify_windows_s:
            found = self._check(train_s, test_s, passes)
            if found is not None and (best is None or found[0] > best[0]):
                best = found
            if best is not None and best[0] >= self.verify_db:
                break
        if best is None:
            return None
        cancelled, delay, fresh = best
        self.last_check = (delay, cancelled)
        if cancelled >= self.verify_db and adopt:
            log.info("speech verified as the host's echo through a new path (delay %d -> %d)",
                     self.delay, delay)
            self.delay, self._located, self._candidate = delay, True, delay
            self._nlms.W = fresh.W.copy()
            self._ratio_at = 0  # learn the new path's gain
            self.verified += 1
        return cancelled

    def _check(self, train_s: float, test_s: float,
               passes: int) -> tuple[float, int, _BlockNlms] | None:
        n = min(self._mic_hist.size, int(train_s * SAMPLE_RATE)) // self.n * self.n
        mic = self._mic_hist[-n:].astype(np.float64)
        if n == 0 or float(mic @ mic) < self.active:
            return None
        saved, self.delay = self.delay, 0
        ref = self._aligned(n, self.max_delay + self.n).astype(np.float64)
        self.delay = saved
        if float(ref @ ref) < self.active * 4:
            return None
        best: tuple[float, int, _BlockNlms] | None = None
        for delay in self._gcc_delays(mic, ref[self.n:], self.verify_candidates):
            cancelled, fresh = self._fresh_filter(mic, ref, delay, test_s, passes)
            if best is None or cancelled > best[0]:
                best = (cancelled, delay, fresh)
        return best

    def _fresh_filter(self, mic: np.ndarray, ref: np.ndarray, delay: int, test_s: float,
                      passes: int) -> tuple[float, _BlockNlms]:
        """A filter trained from nothing on ``mic`` against ``ref`` at ``delay``; the dB
        it cancels of the last ``test_s``."""
        n = mic.size
        # mic[i] ~ ref[self.n + self.max_delay + i - delay]
        off = self.n + self.max_delay - delay
        fresh = _BlockNlms(self.n, self.partitions)
        residual: list[np.ndarray] = []
        for _ in range(passes):
            fresh.prev = ref[off - self.n:off].copy()
            fresh.X[:] = 0.0
            residual = []
            for i in range(0, n, self.n):
                x = ref[off + i:off + i + self.n]
                mu = self.step if float(x @ x) > self.active else 0.0
                residual.append(fresh.step(x, mic[i:i + self.n], mu))
        tail = np.concatenate(residual)[-int(test_s * SAMPLE_RATE):]
        said = mic[-tail.size:]
        return float(10 * np.log10((said @ said + _EPS) / (tail @ tail + _EPS))), fresh

    def _gcc_delay(self, mic: np.ndarray, ref: np.ndarray) -> int | None:
        """The echo delay (samples) of ``mic`` in ``ref`` (``max_delay`` samples longer,
        ending aligned with it) by GCC-PHAT, a little early so the filter spans the
        peak; None without a clear peak."""
        found = self._gcc_delays(mic, ref, 1)
        return found[0] if found else None

    def _gcc_delays(self, mic: np.ndarray, ref: np.ndarray, count: int) -> list[int]:
        """Up to ``count`` echo delays by GCC-PHAT, strongest first, each a clear peak
        (4 times the median) at least half a frame from a stronger one; a short window
        of speech has false peaks (its pitch repeats), so a check may try several."""
        size = 1 << int(np.ceil(np.log2(mic.size + ref.size)))
        cross = np.fft.rfft(mic, size) * np.conj(np.fft.rfft(ref, size))
        corr = np.fft.irfft(cross / (np.abs(cross) + _EPS), size)
        # mic[i] ~ ref[i + max_delay - delay], so the correlation peaks at lag
        # delay - max_delay (<= 0): window index w is the delay w
        window = np.abs(np.concatenate([corr[size - self.max_delay:], corr[:1]]))
        floor = 4 * float(np.median(window)) + _EPS
        peaks: list[int] = []
        for at in np.argsort(window)[::-1]:
            if float(window[at]) <= floor or len(peaks) == count:
                break
            if all(abs(int(at) - p) > self.n // 2 for p in peaks):
                peaks.append(int(at))
        return [max(0, p - self.n // 4) for p in peaks]

    def _estimate_delay(self) -> None:
        """GCC-PHAT between the last second of microphone audio and the reference."""
        mic = self._mic_hist.astype(np.float64)
        if float(mic @ mic) < self.active:
            return
        saved, self.delay = self.delay, 0
        ref = self._aligned(mic.size, self.max_delay).astype(np.float64)
        self.delay = saved
        if float(ref @ ref) < self.active * 4:
            return
        found = self._gcc_delay(mic, ref)
        if found is None:
            return
        # the filter spans tail_s from a little before the peak, so a path that moves by
        # less than a quarter of that needs no new delay; a new one must be seen twice
        candidate = found
        confirmed = self._candidate is not None and abs(candidate - self._candidate) <= self.n // 4
        self._candidate = candidate
        if confirmed and (not self._located or abs(candidate - self.delay) > self.n // 2):
            self._nlms.W[:] = 0.0  # a different path: relearn it
            self._ratio_at = 0
            self.delay, self._located = candidate, True


class EchoJudge:
    """Whether a run of speech heard while the host talks is a person (a barge-in) or the
    host's own echo, for one listener. Counts the run's frames the running echo filter
    explained; when the run reaches ``barge_in_s``, a fresh filter's check
    (:meth:`EchoSuppressor.check`) settles it while the program plays: ``verify_db`` or
    more cancelled is the host's echo (through a new path, which the suppressor adopts
    when the running filter had not explained the run); under ``person_db``, where the
    running filter agrees (it did not explain the run), a person; otherwise unsure, and the
    checks that follow decide; with no program to check against, the running filter's
    word. A suppressor with ``person_db`` None only lets the check confirm echo (the rule
    before people were checked for, kept to measure against).

    While a turn judged echo goes on, it is checked again every ``barge_in_s``: a person
    who starts talking inside a turn the echo opened still barges in, once ``CHECKS``
    checks in a row find the newest audio not the program's echo (under ``verify_db``)
    while the running filter left at least a fifth of the speech frames since the last
    check unexplained (``EXPLAINED_AT_MOST``). Each condition alone is wrong too often on
    the host's echo right after its path changed; together they were never wrong on the
    tuning audio (``docs/listening.md``). An unsure first check counts as one of those
    checks (none when it was between the thresholds and the filter explained the run)."""

    CHECKS = 2
    EXPLAINED_AT_MOST = 0.8

    def __init__(self, settings: TurnSettings, frame_s: float,
                 echo: EchoSuppressor | None) -> None:
        self.echo = echo
        self.half_s = 0.5 * settings.barge_in_s
        self.period = max(1, round(settings.barge_in_s / frame_s))
        self.frame_s = frame_s
        self.run_s = 0.0  # seconds of speech in this run that the echo filter explained
        self._due: int | None = None  # frames to the next check of a turn judged echo
        self._lows = 0  # checks in a row that found a person
        # the last voiced frames (up to a check's period): did the running filter explain them
        self._explained: deque[bool] = deque(maxlen=self.period)

    def frame(self, voiced: bool, echo_only: bool) -> None:
        """One frame of the turn (``voiced``: in a run of speech)."""
        self.run_s = self.run_s + (self.frame_s if echo_only else 0.0) if voiced else 0.0
        if voiced:
            self._explained.append(echo_only)

    def speaking(self) -> bool:
        """The run reached ``barge_in_s``: True when it is (so far) the host's echo."""
        explained = self.run_s > self.half_s
        self._due, self._lows = None, 0
        if self.echo is None:
            return explained
        cancelled = self.echo.check(adopt=not explained)
        if cancelled is None:
            echo = explained
        elif self.echo.person_db is None:  # the check only confirms echo; no rechecks
            return cancelled >= self.echo.verify_db or explained
        elif cancelled >= self.echo.verify_db:
            echo = True
        elif cancelled < self.echo.person_db:
            echo, self._lows = explained, 1
        else:  # partly correlated with the program: the next check decides
            echo, self._lows = True, 0 if explained else 1
        if echo:
            self._due = self.period
        return echo

    def person_now(self, speaking: bool) -> bool:
        """Each frame of a turn judged echo (``speaking``: the turn goes on): True once
        a check finds a person talking in it."""
        if self._due is None or self.echo is None or not speaking:
            return False
        self._due -= 1
        if self._due > 0:
            return False
        self._due = self.period
        cancelled = self.echo.check(adopt=False)
        heard = list(self._explained)
        self._explained.clear()
        unexplained = bool(heard) and sum(heard) <= self.EXPLAINED_AT_MOST * len(heard)
        self._lows = self._lows + 1 if cancelled is not None \
            and cancelled < self.echo.verify_db and unexplained else 0
        if self._lows < self.CHECKS:
            return False
        log.info("a person spoke in a turn the host's echo opened (%.1f dB cancelled)",
                 cancelled)
        self._due, self._lows = None, 0
        return True

    def reset(self) -> None:
        """The turn ended."""
        self.run_s, self._due, self._lows = 0.0, None, 0
        self._explained.clear()
