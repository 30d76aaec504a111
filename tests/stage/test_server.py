"""The API server with a fake performer, brain and Q&A: roles, chat, Q&A, shows, control."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from vhuman.stage.server import Backends, ServerSettings, create_app
from vhuman.stage.store import SQLiteStore
from vhuman.stage.testing_performer import FakeBrain, FakePerformer, FakeQA

HOST, REPORTER, VIEWER = "host-key-123", "reporter-key-123", "viewer-key-123"
H = {"Authorization": f"Bearer {HOST}"}
R = {"X-API-Key": REPORTER}


class Env:
    def __init__(self, client: TestClient, performers: dict[str, FakePerformer],
                 store: SQLiteStore) -> None:
        self.client, self.performers, self.store = client, performers, store


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    performers: dict[str, FakePerformer] = {}

    def performer(show_id: str, rundown: object) -> FakePerformer:
        performers[show_id] = FakePerformer(0.01)
        return performers[show_id]

    settings = ServerSettings(api_keys={HOST: "host", REPORTER: "reporter", VIEWER: "viewer"},
                              max_body_bytes=4096, chat_rate_burst=3, chat_rate_per_s=0.2,
                              _env_file=None)  # type: ignore[call-arg]
    store = SQLiteStore(tmp_path / "server.db")
    backends = Backends(performer, lambda s, r: FakeBrain(),
                        FakeQA({"final": "The final is on Sunday at 8 pm."}))
    with TestClient(create_app(settings, backends=backends, store=store)) as client:
        yield Env(client, performers, store)


def test_roles_by_api_key(env: Env) -> None:
    c = env.client
    assert c.post("/v1/qa", json={"question": "When is the final?"}).status_code == 401
    assert c.post("/v1/qa", json={"question": "x"}, headers={"X-API-Key": "wrong-key-1"}
                  ).status_code == 401
    r = c.post("/v1/qa", json={"question": "x"}, headers={"X-API-Key": VIEWER})
    assert r.status_code == 403 and "reporter" in r.json()["detail"]
    assert c.post("/v1/shows/main/control/gesture", json={"name": "wave"},
                  headers=R).status_code == 403
    assert c.post("/v1/shows/main/control/gesture", json={"name": "wave"},
                  headers=H).status_code == 200
    assert env.performers["main"].gestures == ["wave"]
    assert c.post("/v1/qa", json={"question": "When is the final?"}, headers=H).status_code == 200


def test_chat_post_is_logged_and_bad_input_gets_clear_4xx(env: Env) -> None:
    c = env.client
    ok = c.post("/v1/chat", json={"viewer": "Ann", "text": "Hello from Oslo!"})
    assert ok.status_code == 202 and ok.json()["accepted"]
    assert env.store.chats("main")[-1].text == "Hello from Oslo!"
    assert c.post("/v1/chat", json={"viewer": "Bo", "text": "hello from oslo"}
                  ).status_code == 409
    assert c.post("/v1/chat", json={"viewer": "Cy", "text": "you are shit"}).status_code == 422
    assert c.post("/v1/chat", json={"viewer": "<b>x</b>", "text": "hi"}).status_code == 422
    assert c.post("/v1/chat", json={"viewer": "Ann", "text": "hi", "admin": True}
                  ).status_code == 422
    bad = c.post("/v1/chat", content=b'{"viewer": "Ann", "text": ', headers={
        "content-type": "application/json"})
    assert bad.status_code == 422 and "JSON" in json.dumps(bad.json())
    huge = c.post("/v1/chat", json={"viewer": "Ann", "text": "x" * 10_000})
    assert huge.status_code == 413
    codes = [c.post("/v1/chat", json={"viewer": "Dee", "text": f"msg number {i}"}).status_code
             for i in range(6)]
    assert codes[:3] == [202] * 3 and codes[3:] == [429] * 3
    # An unknown key is an anonymous viewer where those are allowed (OpenAI-style clients
    # always send a key); it never gains more than the viewer role.
    assert c.post("/v1/chat", json={"viewer": "Eve", "text": "hi"},
                  headers={"X-API-Key": "nonsense-key"}).status_code == 202
    assert c.post("/v1/shows/main/control/gesture", json={"name": "wave"},
                  headers={"X-API-Key": "nonsense-key"}).status_code == 401
    # dropped messages are logged too (the audit trail keeps what was refused)
    stored = [r.text for r in env.store.chats("main", limit=50)]
    assert "you are shit" in stored and stored.count("msg number 0") == 1
    assert c.get("/healthz").json()["status"] == "ok"


def test_websocket_chat_acks_answers_by_name_and_survives_garbage(env: Env) -> None:
    c = env.client
    with c.websocket_connect("/v1/chat/ws?viewer=Sam") as ws:
        ws.send_text("{not json")
        err = ws.receive_json()
        assert err["type"] == "error" and "malformed JSON" in err["detail"]
        ws.send_text(json.dumps({"text": "<img src=x onerror=alert(1)> Why so blue?",
                                 "ref": "r1"}))
        events = [ws.receive_json() for _ in range(3)]
        ack = next(e for e in events if e["type"] == "ack")
        assert ack["accepted"] and ack["ref"] == "r1" and ack["id"]
        echo = next(e for e in events if e["type"] == "chat")
        assert echo["viewer"] == "Sam" and "alert(1)" in echo["text"]
        reply = next(e for e in events if e["type"] == "reply")
        assert reply["to"] == "Sam" and reply["text"].startswith("Sam, thanks for asking")
    spoken = env.performers["main"].spoken()
    assert spoken and spoken[0].startswith("Sam, thanks")


def test_viewer_page_loads_the_live_client_and_inserts_text_safely(env: Env) -> None:
    c = env.client
    page = c.get("/", follow_redirects=True)
    assert page.status_code == 200 and page.url.path == "/shows/main/view"
    html = page.text
    assert '<video id="video"' in html and 'src="web/viewer.js"' in html
    assert 'src="web/viewer-page.js"' in html
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self';" in csp  # no inline JS
    assert "<script>" not in html
    for script in ("/shows/main/web/viewer.js", "/shows/main/web/viewer-page.js"):
        js = c.get(script)
        assert js.status_code == 200 and "textContent" in js.text, script
        assert "innerHTML" not in js.text and "insertAdjacentHTML" not in js.text
    assert "attachStream" in c.get("/shows/main/web/viewer-page.js").text
    assert c.get("/shows/main/web/../app.py").status_code == 404
    # one viewer page: the live router's own page is not mounted here, the aliases lead to it
    assert c.get("/viewer", follow_redirects=True).url.path == "/shows/main/view"
    assert c.get("/shows/main/viewer", follow_redirects=True).url.path == "/shows/main/view"
    assert c.get("/shows/nope/view").status_code == 404
    assert "/v1/qa" in c.get("/openapi.json").json()["paths"]
    assert c.get("/docs").status_code == 200


def test_page_chat_goes_into_the_show_queue_and_fake_shows_have_no_video(env: Env) -> None:
    c = env.client
    r = c.post("/shows/main/webrtc/offer", json={"type": "offer", "sdp": "v=0\r\n"})
    assert r.status_code == 400 and "no video stream" in r.json()["detail"]
    assert c.post("/shows/nope/webrtc/offer", json={"type": "offer", "sdp": "v=0"}
                  ).status_code == 404
    c.post("/v1/shows", json={"id": "other"}, headers=H)
    # the page has no socket of its own: it chats over the one viewer chat socket
    with pytest.raises(WebSocketDisconnect), c.websocket_connect(
            "/shows/other/viewer/chat") as ws:
        ws.receive_json()
    with c.websocket_connect("/v1/shows/other/chat/ws") as ws:
        ws.send_json({"viewer": "Pia", "text": "<b>hello</b> from the page", "ref": "p1"})
        ack = next(e for e in iter(ws.receive_json, None) if e["type"] == "ack")
        assert ack["accepted"] is True and ack["ref"] == "p1"
        ws.send_json({"viewer": "Pia", "text": "you are shit", "ref": "p2"})
        refused = next(e for e in iter(ws.receive_json, None) if e["type"] == "ack")
        assert (refused["accepted"], refused["reason"], refused["id"]) == (
            False, "moderated", ack["id"] + 1)
    stored = [(r.viewer, r.text, r.source) for r in env.store.chats("other")]
    assert ("Pia", "<b>hello</b> from the page", "ws") in stored
    assert not any(r.viewer == "Pia" for r in env.store.chats("main"))  # isolated
    for _ in range(100):  # the brain answers it on that show's performer
        if env.performers["other"].spoken():
            break
        import time
        time.sleep(0.02)
    assert env.performers["other"].spoken()[0].startswith("Pia, thanks for asking")
    assert env.performers["main"].spoken() == []


def test_reporter_qa_with_sources_audit_log_and_live_speech(env: Env) -> None:
    c = env.client
    r = c.post("/v1/qa", json={"question": "When is the final?", "speak": "live",
                               "show_id": "main"}, headers=R)
    body = r.json()
    assert r.status_code == 200 and body["answered"] and body["spoken"]
    assert body["answer"] == "The final is on Sunday at 8 pm."
    assert body["sources"][0]["doc"] == "facts.md" and body["confidence"] == 0.9
    unknown = c.post("/v1/qa", json={"question": "Who won in 1930?"}, headers=R).json()
    assert not unknown["answered"] and unknown["sources"] == [] and unknown["short_answer"] == ""
    assert c.post("/v1/qa", json={"question": "   "}, headers=R).status_code == 422
    assert c.post("/v1/qa", json={"question": "a", "speak": "live", "show_id": "zz"},
                  headers=R).status_code == 404
    log = c.get("/v1/qa/log", headers=R).json()
    assert [e["question"] for e in log] == ["Who won in 1930?", "When is the final?"]
    assert log[1]["key_name"].startswith("reporter:") and REPORTER not in json.dumps(log)
    assert "The final is on Sunday at 8 pm." in env.performers["main"].spoken()


def test_openai_compatible_chat_completions(env: Env) -> None:
    c = env.client
    msgs = [{"role": "system", "content": "be nice"},
            {"role": "user", "content": "Tell me about dancing"}]
    r = c.post("/v1/chat/completions", json={"model": "nova", "messages": msgs}, headers=H)
    body = r.json()
    assert r.status_code == 200 and body["object"] == "chat.completion"
    assert body["choices"][0]["message"]["content"].startswith("Thanks for asking about Tell")
    with c.stream("POST", "/v1/chat/completions",
                  json={"messages": msgs, "stream": True}, headers=H) as s:
        lines = [ln for ln in s.iter_lines() if ln.startswith("data: ")]
    assert lines[-1] == "data: [DONE]"
    chunks = [json.loads(ln[6:]) for ln in lines[:-1]]
    text = "".join(ch["choices"][0]["delta"].get("content", "") for ch in chunks)
    assert text == "Thanks for asking about Tell me about dancing. Sentence 2 here."
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    bad = c.post("/v1/chat/completions", json={"messages": msgs[:1]}, headers=H)
    assert bad.status_code == 400 and "user" in bad.json()["error"]["message"]


RUNDOWN = """show: {title: Server Show, id: s1}
segments:
  - type: say
    lines: [one two three four five six seven eight nine ten]
  - type: pause
    duration: 600
  - type: say
    lines: [the end]
"""


def test_show_lifecycle_and_isolation(env: Env) -> None:
    c = env.client
    bad = c.post("/v1/shows", json={"rundown_yaml": "show: {title: X}\nsegments:\n"
                                                    "  - type: dnace\n"}, headers=H)
    assert bad.status_code == 422
    assert "rundown_yaml:3:11: segments[0].type" in bad.json()["detail"]["problems"][0]
    assert c.post("/v1/shows", json={"rundown_yaml": RUNDOWN}, headers=R).status_code == 403
    made = c.post("/v1/shows", json={"rundown_yaml": RUNDOWN, "start": True}, headers=H)
    assert made.status_code == 201 and made.json()["id"] == "s1"
    assert c.post("/v1/shows", json={"rundown_yaml": RUNDOWN}, headers=H).status_code == 409
    assert c.get("/v1/shows/s1").json()["show"]["state"] == "running"
    assert c.post("/v1/shows/s1/pause", headers=H).json()["detail"]["show"]["state"] == "paused"
    assert c.post("/v1/shows/s1/resume", headers=H).json()["detail"]["show"]["state"] == \
        "running"
    assert c.post("/v1/shows/s1/skip", headers=H).status_code == 200
    stop = c.post("/v1/shows/s1/stop", headers=H)
    assert stop.status_code == 200
    assert c.post("/v1/shows/s1/stop", headers=H).status_code == 409
    assert c.post("/v1/shows/nope/start", headers=H).status_code == 404
    # chat to one show never reaches the other
    assert c.post("/v1/shows/s1/chat", json={"viewer": "Iso", "text": "only s1"}
                  ).status_code == 202
    assert all(r.show_id == "s1" for r in env.store.chats("s1"))
    assert not any(r.text == "only s1" for r in env.store.chats("main"))
    assert "only s1" not in " ".join(env.performers["main"].spoken())
    names = [s["id"] for s in c.get("/v1/shows", headers=H).json()]
    assert sorted(names) == ["main", "s1"]
    events = [e["event"] for e in c.get("/v1/shows/s1/log", headers=H).json()]
    assert events[0] == "show_started" and "paused" in events and "resumed" in events
    assert c.delete("/v1/shows/s1", headers=H).status_code == 200


def test_host_control_routes(env: Env) -> None:
    c, p = env.client, env.performers["main"]
    assert c.post("/v1/shows/main/control/say", json={"text": "Hello all", "emotion": "happy"},
                  headers=H).status_code == 200
    assert c.post("/v1/shows/main/control/emotion", json={"emotion": "excited",
                                                          "intensity": 0.9},
                  headers=H).status_code == 200
    assert c.post("/v1/shows/main/control/emotion", json={"emotion": "furious"},
                  headers=H).status_code == 422
    assert c.post("/v1/shows/main/control/dance", json={"music": "/no/song.ogg"},
                  headers=H).status_code == 422
    assert c.post("/v1/shows/main/control/overlay", json={"card": {"name": "Cap"}},
                  headers=H).status_code == 200
    assert c.post("/v1/shows/main/control/interrupt", json={"reason": "test"},
                  headers=H).status_code == 200
    methods = [name for name, _ in p.calls]
    assert methods[:2] == ["interrupt", "say"] and "set_emotion" in methods
    assert p.overlay == {"name": "Cap"} and p.emotion.value == "excited"


def test_metrics_expose_latency_and_queue_depth(env: Env) -> None:
    c = env.client
    with c.websocket_connect("/v1/chat/ws?viewer=Met") as ws:
        ws.send_text(json.dumps({"text": "How do metrics work?"}))
        for _ in range(3):
            if ws.receive_json()["type"] == "reply":
                break
    c.post("/v1/qa", json={"question": "When is the final?"}, headers=R)
    text = ""
    for _ in range(50):
        text = c.get("/metrics").text
        if "vhuman_chat_first_audio_seconds_count" in text:
            break
    assert 'vhuman_chat_first_audio_seconds_count{show="main"} 1' in text
    assert 'vhuman_chat_queue_depth{show="main"} 0' in text
    assert "vhuman_qa_latency_seconds_bucket" in text
    assert 'vhuman_performer_fps{show="main"} 30' in text
    assert 'vhuman_stage_latency_seconds{show="main",stage="tts_first_audio"}' in text
    assert "# TYPE vhuman_http_request_seconds histogram" in text


def test_anonymous_viewers_can_be_turned_off(tmp_path: Path) -> None:
    settings = ServerSettings(api_keys={VIEWER: "viewer"}, allow_anonymous_viewers=False,
                              cors_origins=["https://example.org"],
                              _env_file=None)  # type: ignore[call-arg]
    backends = Backends(lambda s, r: FakePerformer(0.01), lambda s, r: FakeBrain())
    app = create_app(settings, backends=backends, store=SQLiteStore(tmp_path / "a.db"))
    with TestClient(app) as c:
        assert c.post("/v1/chat", json={"viewer": "A", "text": "hi"}).status_code == 401
        assert c.post("/v1/chat", json={"viewer": "A", "text": "hi"},
                      headers={"X-API-Key": VIEWER}).status_code == 202
        pre = c.options("/v1/chat", headers={"Origin": "https://example.org",
                                             "Access-Control-Request-Method": "POST"})
        assert pre.headers["access-control-allow-origin"] == "https://example.org"
        from starlette.websockets import WebSocketDisconnect
        with pytest.raises(WebSocketDisconnect), c.websocket_connect("/v1/chat/ws") as ws:
            ws.receive_json()
        with c.websocket_connect(f"/v1/chat/ws?key={VIEWER}&viewer=K") as ws:
            ws.send_text(json.dumps({"text": "keyed hello"}))
            assert ws.receive_json()["type"] in ("ack", "chat")
    with pytest.raises(ValueError, match="at least 8"):
        ServerSettings(api_keys={"short": "host"}, _env_file=None)  # type: ignore[call-arg]


def test_qa_spoken_answer_as_wav(tmp_path: Path) -> None:
    import base64
    import io

    import soundfile as sf

    settings = ServerSettings(api_keys={REPORTER: "reporter"}, tts_backend="espeak",
                              _env_file=None)  # type: ignore[call-arg]
    backends = Backends(lambda s, r: FakePerformer(0.01), None,
                        FakeQA({"final": "The final is on Sunday."}))
    with TestClient(create_app(settings, backends=backends,
                               store=SQLiteStore(tmp_path / "q.db"))) as c:
        r = c.post("/v1/qa", json={"question": "When is the final?", "speak": "audio"},
                   headers=R)
        assert r.status_code == 200, r.text
        audio, rate = sf.read(io.BytesIO(base64.b64decode(r.json()["audio_wav_base64"])))
        assert rate > 8000 and 0.5 < len(audio) / rate < 5.0  # about a second of speech
        assert abs(audio).max() > 0.05
        # no brain configured: the OpenAI route says so instead of failing
        assert c.post("/v1/chat/completions", json={"messages": [
            {"role": "user", "content": "hi"}]}).status_code == 503


def test_websocket_flood_and_name_rotation_are_refused_show_goes_on(env: Env) -> None:
    c = env.client
    with c.websocket_connect("/v1/chat/ws") as ws:
        ws.send_text(json.dumps({"viewer": "Flo", "text": "first!"}))
        ws.send_text(json.dumps({"viewer": "NotFlo", "text": "second"}))
        seen: list[dict] = []
        while len([e for e in seen if e["type"] in ("ack", "error")]) < 2:
            seen.append(ws.receive_json())
        replies = [e for e in seen if e["type"] in ("ack", "error")]
        assert replies[0]["type"] == "ack" and replies[0]["accepted"]
        assert replies[1]["type"] == "error" and "chats as 'Flo'" in replies[1]["detail"]
        for i in range(30):
            ws.send_text(json.dumps({"text": f"spam {i}"}))
        outcomes = []
        while len(outcomes) < 30:
            event = ws.receive_json()
            if event["type"] == "error":
                outcomes.append("error")
            elif event["type"] == "ack":
                outcomes.append(event["reason"] or "accepted")
        assert outcomes.count("error") >= 20  # connection limit (10 burst, 2/s)
        assert "accepted" not in outcomes[5:]  # and the per-viewer limit
    assert c.get("/healthz").json()["status"] == "ok"
    assert c.post("/v1/chat", json={"viewer": "Calm", "text": "still working?"}
                  ).status_code == 202
