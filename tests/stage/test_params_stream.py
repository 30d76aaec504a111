"""The animation-parameter WebSocket: hello, then one JSON or binary frame per tick."""

from __future__ import annotations

import asyncio
import json
import socket

import numpy as np

from vhuman.models.tts import get_tts
from vhuman.stage.live import LiveConfig, LivePerformer
from vhuman.stage.outputs.params import decode_binary, params_router


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _serve(perf: LivePerformer):
    import uvicorn
    from fastapi import FastAPI

    app = FastAPI()
    app.include_router(params_router({"host": perf}))
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    return server, task, port


def test_params_stream_json_and_binary_follow_speech() -> None:
    import websockets

    async def main() -> dict:
        perf = LivePerformer(LiveConfig(fps=30, width=64, height=64), tts=get_tts("espeak"))
        await perf.start()
        server, task, port = await _serve(perf)
        out: dict = {}
        try:
            async with websockets.connect(f"ws://127.0.0.1:{port}/params?performer=host") as ws, \
                    websockets.connect(f"ws://127.0.0.1:{port}/params?format=binary") as wb:
                hello = json.loads(await ws.recv())
                bhello = json.loads(await wb.recv())
                await perf.say("Hello, I am talking now with my mouth wide open.")
                frames, bins = [], []
                while len(frames) < 60:
                    frames.append(json.loads(await ws.recv()))
                    bins.append(decode_binary(await wb.recv(), len(bhello["morphs"]),
                                              len(bhello["bones"])))
                out.update(hello=hello, frames=frames, bins=bins)
            async with websockets.connect(f"ws://127.0.0.1:{port}/params?format=xml") as bad:
                out["bad"] = json.loads(await bad.recv())
            await asyncio.sleep(0.1)
            out["outputs_after"] = len(perf.outputs)
        finally:
            server.should_exit = True
            await task
            await perf.close()
        return out

    out = asyncio.run(main())
    hello, frames, bins = out["hello"], out["frames"], out["bins"]
    assert hello["type"] == "hello" and "viseme_aa" in hello["morphs"] and "head" in hello["bones"]
    assert hello["vrm_expressions"]["viseme_aa"] == "aa"
    indices = [f["i"] for f in frames]
    assert indices == sorted(indices) and len(set(indices)) == len(indices)
    assert any(f["speaking"] for f in frames)
    mouth = [max((w for k, w in f["morph"].items() if k.startswith("viseme_")), default=0.0)
             for f in frames if f["speaking"]]
    assert max(mouth) > 0.3  # the mouth really moves with the voice
    q = np.array(frames[-1]["bones"]["head"])
    assert abs(np.linalg.norm(q) - 1.0) < 1e-3
    assert any(b["speaking"] for b in bins)
    assert all(abs(np.linalg.norm(b["rotations"], axis=1) - 1).max() < 1e-3 for b in bins)
    assert out["bad"]["type"] == "error" and "format" in out["bad"]["detail"]
    assert out["outputs_after"] == 0  # clients that left are unsubscribed
