"""Reporter Q&A: grounded answers with sources; every exchange in the audit log."""

from __future__ import annotations

import asyncio
import base64
import io
import logging
import time

import numpy as np
from fastapi import APIRouter, HTTPException

from vhuman.models.types import InputError, SpeakingStyle, VhumanError

from ...show.qa_segment import call_qa
from ...store.base import QARecord
from ..deps import Reporter, State
from ..schemas import QAIn, QAOut, SourceOut

log = logging.getLogger(__name__)
router = APIRouter(tags=["qa"])


def _wav_base64(text: str, backend: str) -> str:
    """Speak ``text`` with the configured TTS and return a base64 16-bit WAV."""
    import soundfile as sf

    from vhuman.models.tts import get_tts

    tts = get_tts(backend)
    chunks = list(tts.synthesize_iter(text, SpeakingStyle()))
    samples = np.concatenate([c.samples for c in chunks]) if chunks else np.zeros(1, "f4")
    buf = io.BytesIO()
    sf.write(buf, samples, tts.sample_rate, format="WAV", subtype="PCM_16")
    return base64.b64encode(buf.getvalue()).decode("ascii")


@router.post("/v1/qa", response_model=QAOut)
async def ask(body: QAIn, state: State, caller: Reporter) -> QAOut:
    """Answer a question from the knowledge base; ``speak`` adds the spoken answer."""
    qa = state.backends.qa
    if qa is None:
        raise HTTPException(503, "no Q&A engine configured (set VHUMAN_KNOWLEDGE_DIR)")
    if body.speak == "live" and body.show_id not in state.sessions:
        raise HTTPException(404, f"speak=live needs an existing show_id, got {body.show_id!r}")
    t0 = time.perf_counter()
    try:
        answer = await call_qa(qa, body.question)
    except InputError as exc:
        raise HTTPException(422, f"question: {exc}") from None
    latency = time.perf_counter() - t0
    state.metrics.observe("vhuman_qa_latency_seconds", latency)
    sources = [SourceOut(doc=p.doc, start=p.start, end=p.end, text=p.text, score=float(p.score))
               for p in answer.sources]
    out = QAOut(answer=answer.text, answered=answer.answered, short_answer=answer.short,
                confidence=float(answer.confidence), sources=sources,
                latency_ms=round(latency * 1000, 3))
    await asyncio.to_thread(state.store.add_qa, QARecord(
        caller.name, body.question, out.answer, [s.model_dump() for s in sources],
        out.confidence, out.answered, latency))
    if body.speak == "live":
        session = state.sessions[body.show_id or ""]
        await session.wait_ready(30.0)
        handle = await session.performer.say(out.answer, priority=state.settings.chat_priority,
                                             source=f"qa:{caller.name}")
        state.transcript.spoken(session.id, "qa", [handle], out.answer, answered=body.question,
                                sources=["kb" if out.answered else "refusal"])
        out.spoken = True
    elif body.speak == "audio":
        try:
            out.audio_wav_base64 = await asyncio.to_thread(_wav_base64, out.answer,
                                                           state.settings.tts_backend)
        except (ImportError, VhumanError) as exc:
            raise HTTPException(501, f"spoken answer unavailable: {exc}") from None
        out.spoken = True
    return out


@router.get("/v1/qa/log")
async def audit_log(state: State, caller: Reporter,
                    limit: int = 100) -> list[dict[str, object]]:
    """The most recent questions and answers, newest first: a reporter sees their own
    key's, a host the whole audit log."""
    mine = None if caller.may("host") else caller.name
    records = await asyncio.to_thread(state.store.qa_log, max(1, min(limit, 1000)), mine)
    return [r.__dict__ for r in records]
