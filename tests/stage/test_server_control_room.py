"""The control room and press desk API: browser sign-in (signed session cookie + CSRF),
the pages and their assets, run-of-show timeline / reorder / insert, the chat desk and
the knowledge-base document list. Fake performer and Q&A; no browser (see
``test_control_room_browser.py`` for the pages in Chromium)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from vhuman.stage.server import Backends, ServerSettings, create_app
from vhuman.stage.server.keys import key_name
from vhuman.stage.server.pagesession import SESSION_COOKIE, issue
from vhuman.stage.server.routes.control_chat import grade_line, reply_row
from vhuman.stage.store import SQLiteStore
from vhuman.stage.testing_performer import FakeAnswer, FakeBrain, FakePassage, FakePerformer

HOST, REPORTER, VIEWER = "host-key-123", "reporter-key-123", "viewer-key-123"
H = {"Authorization": f"Bearer {HOST}"}
RUNDOWN = """show:
  title: Desk test
segments:
  - type: say
    id: hello
    lines: ["Hello there.", "Second line."]
  - type: say
    id: middle
    lines: ["In the middle."]
  - type: say
    id: bye
    lines: ["Good night."]
"""


class KBQA:
    """A Q&A engine over two documents, shaped like ``dialogue.QAEngine`` (``kb.docs``)."""

    def __init__(self) -> None:
        text = "The final is on Sunday at 8 pm. Tickets cost 20 euros."
        self.kb = type("KB", (), {"docs": {
            "schedule.md": {"title": "Schedule", "text": text, "sentences": [[0, 31, ""],
                                                                              [32, 55, ""]]},
            "venues.md": {"title": "", "text": "The arena has 9,000 seats.",
                          "sentences": [[0, 26, ""]]}}})()

    async def answer_async(self, question: str) -> FakeAnswer:
        if "final" in question.lower():
            return FakeAnswer("The final is on Sunday at 8 pm.",
                              [FakePassage("schedule.md", 0, 31, "The final is on Sunday at 8 pm.",
                                           0.9)], 0.9, True)
        return FakeAnswer("The kit doesn't say.",
                          [FakePassage("venues.md", 0, 26, "The arena has 9,000 seats.", 0.2)],
                          0.2, False)


def _app(tmp_path: Path, *, brain: bool = False, ttl: float = 3600.0) -> Any:
    settings = ServerSettings(api_keys={HOST: "host", REPORTER: "reporter", VIEWER: "viewer"},
                              media_root=tmp_path, session_ttl_s=ttl, chat_rate_burst=10,
                              _env_file=None)  # type: ignore[call-arg]
    backends = Backends(lambda s, r: FakePerformer(0.01),
                        (lambda s, r: FakeBrain()) if brain else None, KBQA())
    return create_app(settings, backends=backends, store=SQLiteStore(tmp_path / "desk.db"))


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    (tmp_path / "shows").mkdir()
    (tmp_path / "shows" / "desk.yaml").write_text(RUNDOWN)
    (tmp_path / "songs").mkdir()
    (tmp_path / "songs" / "tune.musicxml").write_text("<score-partwise/>")
    with TestClient(_app(tmp_path)) as c:
        yield c


def _sign_in(c: TestClient, key: str) -> str:
    r = c.post("/v1/session", json={"key": key})
    assert r.status_code == 200, r.text
    return str(r.json()["csrf"])


def test_sign_in_sets_a_keyless_cookie_and_actions_need_the_csrf_token(client: TestClient) -> None:
    c = client
    wrong = c.post("/v1/session", json={"key": "not-a-key-at-all"})
    assert wrong.status_code == 401 and wrong.json()["detail"]["reason"] == "wrong_key"
    assert c.get("/v1/session").json()["detail"]["reason"] == "signed_out"
    csrf = _sign_in(c, HOST)
    cookie = c.cookies.get(SESSION_COOKIE)
    assert cookie and HOST not in cookie  # the key itself never travels again
    me = c.get("/v1/session").json()
    assert me["role"] == "host" and me["name"].startswith("host:") and me["csrf"] == csrf
    # reads go with the cookie alone; actions need the page's CSRF token
    assert c.get("/v1/shows/main").json()["id"] == "main"
    no_token = c.post("/v1/shows/main/control/gesture", json={"name": "wave"})
    assert no_token.status_code == 403 and "CSRF" in no_token.json()["detail"]
    ok = c.post("/v1/shows/main/control/gesture", json={"name": "wave"},
                headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 200
    assert c.delete("/v1/session").status_code == 200
    assert c.get("/v1/shows/main/log").status_code == 401


def test_reporter_session_reaches_qa_but_not_host_control(client: TestClient) -> None:
    csrf = _sign_in(client, REPORTER)
    t = {"X-CSRF-Token": csrf}
    r = client.post("/v1/qa", json={"question": "When is the final?"}, headers=t)
    assert r.status_code == 200 and r.json()["answered"]
    assert client.post("/v1/shows/main/control/say", json={"text": "hi"},
                       headers=t).status_code == 403
    docs = client.get("/v1/qa/documents").json()
    assert [d["name"] for d in docs] == ["schedule.md", "venues.md"]
    assert docs[0]["title"] == "Schedule" and docs[1]["title"] == "venues.md"
    text = client.get("/v1/qa/document", params={"name": "schedule.md"}).json()["text"]
    assert text[0:31] == "The final is on Sunday at 8 pm."
    assert client.get("/v1/qa/document", params={"name": "../etc"}).status_code == 404
    log = client.get("/v1/qa/log").json()
    assert [r["question"] for r in log] == ["When is the final?"]


def test_expired_forged_and_revoked_sessions_are_refused_with_a_reason(tmp_path: Path) -> None:
    with TestClient(_app(tmp_path)) as c:
        settings = c.app.state.vhuman.settings  # type: ignore[attr-defined]
        name = key_name(HOST, "host")
        old, _ = issue(settings, "host", name, now=time.time() - 10 * 3600)
        c.cookies.set(SESSION_COOKIE, old)
        r = c.get("/v1/session")
        assert r.status_code == 401 and r.json()["detail"]["reason"] == "expired"
        r = c.get("/v1/shows/main/log")
        assert r.status_code == 401 and "expired" in r.json()["detail"]
        good, _ = issue(settings, "host", name)
        forged = good.split(".")[0] + ".AAAA"
        c.cookies.set(SESSION_COOKIE, forged)
        assert c.get("/v1/session").json()["detail"]["reason"] == "invalid"
        # a session of a key that is no longer configured
        gone, _ = issue(settings, "host", "host:0000000000")
        c.cookies.set(SESSION_COOKIE, gone)
        assert c.get("/v1/session").json()["detail"]["reason"] == "invalid"
        # a bearer key still works beside a bad cookie (API clients are not affected)
        assert c.get("/v1/shows/main/log", headers=H).status_code == 200


def test_pages_and_assets_are_served_without_inline_script(client: TestClient) -> None:
    for path in ("/control", "/press"):
        r = client.get(path)
        assert r.status_code == 200 and "script-src 'self'" in r.headers["content-security-policy"]
        assert "<script>" not in r.text and "style=" not in r.text
        for src in ("/ui/desk/desk.js", "/ui/desk/desk.css"):
            assert src in r.text
    js = client.get("/ui/control/control.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("application/javascript")
    again = client.get("/ui/control/control.js", headers={"If-None-Match": js.headers["etag"]})
    assert again.status_code == 304
    assert client.get("/ui/control/../app.py").status_code == 404
    assert client.get("/ui/desk/nope.js").status_code == 404


def test_library_lists_media_root_files_and_repertoire(client: TestClient) -> None:
    lib = client.get("/v1/control/library", headers=H).json()
    assert lib["rundowns"] == ["shows/desk.yaml"] and lib["scores"] == ["songs/tune.musicxml"]
    assert "happy" in lib["emotions"] and "wave" in lib["gestures"] and lib["dance_styles"]
    assert client.get("/v1/control/library", headers={"X-API-Key": REPORTER}).status_code == 403


def test_bad_rundown_gets_line_numbered_problems(client: TestClient) -> None:
    bad = RUNDOWN.replace("  - type: say\n    id: bye", "  - type: bogus\n    id: bye")
    r = client.post("/v1/shows", json={"rundown_yaml": bad, "id": "b"}, headers=H)
    assert r.status_code == 422
    problems = r.json()["detail"]["problems"]
    assert any(p.startswith("rundown_yaml:10:") and "segments[2].type" in p for p in problems), \
        problems


def test_timeline_reorder_and_insert(client: TestClient) -> None:
    c = client
    r = c.post("/v1/shows", json={"rundown_path": "shows/desk.yaml", "id": "t"}, headers=H)
    assert r.status_code == 201, r.text
    tl = c.get("/v1/shows/t/control/timeline", headers=H).json()
    assert [s["id"] for s in tl["segments"]] == ["hello", "middle", "bye"]
    assert [s["status"] for s in tl["segments"]] == ["next", "pending", "pending"]
    assert tl["segments"][1]["planned_start_s"] == tl["segments"][0]["planned_s"]
    tl = c.post("/v1/shows/t/control/reorder", json={"order": ["bye", "hello", "middle"]},
                headers=H).json()
    assert [s["id"] for s in tl["segments"]] == ["bye", "hello", "middle"]
    assert [s["index"] for s in tl["segments"]] == [0, 1, 2]
    r = c.post("/v1/shows/t/control/reorder", json={"order": ["bye"]}, headers=H)
    assert r.status_code == 409 and "every segment" in r.json()["detail"]
    tl = c.post("/v1/shows/t/control/insert", headers=H, json={
        "segment": {"type": "say", "lines": ["Breaking news!"]}, "after": "bye"}).json()
    assert [s["id"] for s in tl["segments"]] == ["bye", "live-4", "hello", "middle"]
    assert tl["segments"][1]["summary"] == "Breaking news!"
    bad = c.post("/v1/shows/t/control/insert", headers=H,
                 json={"segment": {"type": "sing", "score": "../../etc/passwd"}})
    assert bad.status_code == 422 and bad.json()["detail"]["problems"]
    dup = c.post("/v1/shows/t/control/insert", headers=H,
                 json={"segment": {"type": "say", "id": "bye", "lines": ["x"]}})
    assert dup.status_code == 409
    # the show plays the new order, inserted segment included
    assert c.post("/v1/shows/t/start", headers=H).status_code == 200
    runner = c.app.state.vhuman.sessions["t"].runner  # type: ignore[attr-defined]
    for _ in range(200):
        if runner.state == "finished":
            break
        time.sleep(0.05)
    started = [e["id"] for e in runner.events if e["event"] == "segment_started"]
    assert started == ["bye", "live-4", "hello", "middle"]
    tl = c.get("/v1/shows/t/control/timeline", headers=H).json()
    assert {s["status"] for s in tl["segments"]} == {"done"}
    assert all(s["started_s"] is not None for s in tl["segments"])


def test_chat_desk_queue_block_skip_and_drops(client: TestClient) -> None:
    c = client
    for viewer, text, gift in (("Ann", "What is the score?", 0), ("Bo", "hello all", 5),
                               ("Cy", "second from Cy", 0)):
        # a gift lifts priority only from a verified source: here the host records it
        assert c.post("/v1/chat", json={"viewer": viewer, "text": text, "gift": gift},
                      headers=H if gift else None).status_code == 202
    assert c.post("/v1/chat", json={"viewer": "Dee", "text": "you are shit"}).status_code == 422
    desk = c.get("/v1/shows/main/control/chat", headers=H).json()
    assert not desk["answering"]  # no brain in this fixture: the queue stays
    assert desk["queue_detail"] and desk["waiting"] == 3
    queue = desk["queue"]
    assert [m["viewer"] for m in queue][0] == "Bo"  # the gift goes first
    ann = next(m for m in queue if m["viewer"] == "Ann")
    assert ann["question"] and ann["first_time"] and ann["waiting_s"] >= 0
    dee = next(d for d in desk["dropped"] if d["viewer"] == "Dee")
    assert dee["reason"] == "moderated" and dee["detail"]  # and why
    r = c.post("/v1/shows/main/control/chat/block", json={"viewer": "Cy"}, headers=H)
    assert r.status_code == 200 and "1 queued" in r.json()["detail"]
    refused = c.post("/v1/chat", json={"viewer": "Cy", "text": "let me back in"})
    assert refused.json()["reason"] == "blocked"
    assert c.post(f"/v1/shows/main/control/chat/{ann['id']}/skip", headers=H).status_code == 200
    assert c.post(f"/v1/shows/main/control/chat/{ann['id']}/skip", headers=H).status_code == 404
    desk = c.get("/v1/shows/main/control/chat", headers=H).json()
    assert [m["viewer"] for m in desk["queue"]] == ["Bo"] and desk["blocked"] == ["Cy"]
    assert {d["reason"] for d in desk["dropped"]} >= {"moderated", "blocked", "skipped"}
    no_brain = c.post(f"/v1/shows/main/control/chat/{desk['queue'][0]['id']}/answer", headers=H)
    assert no_brain.status_code == 409
    assert c.post("/v1/shows/main/control/chat/unblock", json={"viewer": "Cy"},
                  headers=H).status_code == 200
    assert c.post("/v1/chat", json={"viewer": "Cy", "text": "thanks for that"}
                  ).status_code == 202


def test_answer_now_speaks_the_reply_and_logs_it(tmp_path: Path) -> None:
    with TestClient(_app(tmp_path, brain=True)) as c:
        state = c.app.state.vhuman  # type: ignore[attr-defined]
        session = state.sessions["main"]

        async def hold_free_chat() -> None:  # so the message waits for the host
            session.free_chat_task.cancel()

        c.portal.call(hold_free_chat)  # type: ignore[attr-defined]
        assert c.post("/v1/chat", json={"viewer": "Eve", "text": "How tall is the tower?"}
                      ).status_code == 202
        queue = c.get("/v1/shows/main/control/chat", headers=H).json()["queue"]
        assert [m["viewer"] for m in queue] == ["Eve"]
        r = c.post(f"/v1/shows/main/control/chat/{queue[0]['id']}/answer", headers=H)
        assert r.status_code == 200 and r.json()["detail"] == "answering Eve"
        assert c.get("/v1/shows/main/control/chat", headers=H).json()["queue"] == []
        spoken = []
        for _ in range(200):
            spoken = [e for e in state.store.show_events("main") if e.event == "spoken"]
            if spoken:
                break
            time.sleep(0.05)
        assert spoken and spoken[0].data["viewer"] == "Eve"
        assert "thanks for asking about How tall" in spoken[0].data["text"]
        replies = c.get("/v1/shows/main/control/chat", headers=H).json()["replies"]
        assert replies[0]["viewer"] == "Eve" and replies[0]["asked"] == "How tall is the tower?"
        graded = grade_line("How tall is the tower?", replies[0]["text"], "Vivi", "Eve")
        assert replies[0]["graded_by"] == "desk"
        assert (replies[0]["grade"], replies[0]["faults"]) == (graded[0], list(graded[1]))


def test_reply_grades_on_the_chat_desk() -> None:
    # the producer's rubric (dialogue.grading): a reply that says the message back is a 0
    # with its fault; a plain, kind answer is a 2; the brain's own grade is kept as is
    echo = reply_row({"answered": "what is your favourite food today",
                   "text": "What is your favourite food today? Pizza!", "viewer": "Eve"}, 1.0, "Vivi")
    assert (echo.grade, echo.faults, echo.graded_by) == (0, ["echo"], "desk")
    good = reply_row({"answered": "hi, how are you?", "viewer": "Eve",
                   "text": "Hello Eve! I am doing great, thanks for asking."}, 1.0, "Vivi")
    assert (good.grade, good.faults) == (2, [])
    narrated = reply_row({"answered": "hi, how are you?", "viewer": "Eve",
                       "text": "Vivi is happy to see you."}, 1.0, "Vivi")
    assert narrated.grade == 0 and narrated.faults == ["third-person"]
    own = reply_row({"answered": "hi", "text": "Hello!", "grade": 1}, 1.0, "Vivi")
    assert (own.grade, own.graded_by, own.faults) == (1, "brain", [])
    host_line = reply_row({"answered": None, "text": "Welcome back."}, 1.0, "Vivi")
    assert host_line.grade is None and host_line.graded_by is None


def test_press_microphones_need_a_reporter_and_are_their_openers(tmp_path: Path) -> None:
    with TestClient(_app(tmp_path)) as c:
        assert c.post("/v1/press/mic", json={"sdp": "v=0", "type": "offer"}).status_code == 401
        r = c.get("/v1/press/mic/not-a-peer", headers=H)
        assert r.status_code == 404 and r.json()["detail"] == "no such microphone"
        assert c.delete("/v1/press/mic/not-a-peer", headers=H).status_code == 404


def test_camera_route_validates_and_refuses_a_performer_without_camera(tmp_path: Path) -> None:
    with TestClient(_app(tmp_path)) as c:
        bad = c.post("/v1/shows/main/control/camera", json={"shot": "drone"}, headers=H)
        assert bad.status_code == 422
        r = c.post("/v1/shows/main/control/camera", json={"shot": "close_up"}, headers=H)
        assert r.status_code == 409 and "no camera shots" in r.json()["detail"]
        assert c.post("/v1/shows/main/control/camera", json={"shot": "wide"},
                      headers={"Authorization": f"Bearer {REPORTER}"}).status_code == 403


def test_library_lists_every_score_format_sing_reads(tmp_path: Path) -> None:
    from vhuman.stage.server.routes.control_desk import _scan

    for name in ("lied.mxl", "karaoke.kar", "tune.mid", "song.musicxml", "notes.txt"):
        (tmp_path / name).write_bytes(b"")
    assert _scan(tmp_path)["scores"] == ["karaoke.kar", "lied.mxl", "song.musicxml", "tune.mid"]
