"""Per-viewer and show memory in SQLite: names, visits, questions, preferences, moderation.

Durable by default (WAL journal, one commit per write) so a crash loses nothing; ``":memory:"``
gives a throwaway store for tests. Viewer names are matched case-insensitively.
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vhuman.models.types import InputError, VhumanError

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS viewers (
  key TEXT PRIMARY KEY, name TEXT NOT NULL, first_seen REAL NOT NULL, last_seen REAL NOT NULL,
  visits INTEGER NOT NULL DEFAULT 1, preferences TEXT NOT NULL DEFAULT '{}');
CREATE TABLE IF NOT EXISTS messages (
  id INTEGER PRIMARY KEY AUTOINCREMENT, viewer TEXT, ts REAL NOT NULL, role TEXT NOT NULL,
  text TEXT NOT NULL, emotion TEXT, source TEXT);
CREATE INDEX IF NOT EXISTS messages_viewer ON messages(viewer, ts);
CREATE TABLE IF NOT EXISTS show_memory (key TEXT PRIMARY KEY, value TEXT NOT NULL, ts REAL NOT NULL);
CREATE TABLE IF NOT EXISTS moderation_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT, ts REAL NOT NULL, viewer TEXT, reason TEXT NOT NULL,
  text TEXT NOT NULL);
"""

_PREFERENCE = re.compile(
    r"\bmy (?:favou?rite) ([a-z ]{2,30}?) is ([\w' -]{2,40})"
    r"|\bi (?:really )?(?:love|like|enjoy|adore) ([\w' -]{2,40})",
    re.IGNORECASE,
)
# Where a viewer is (key "city") and a favourite sport in Spanish or Chinese.
_CITY = re.compile(
    r"\b(?i:i live in|i'm from|i am from|watching from|greetings from|(?:hello|hi|hey|love|waves?) from|"
    r"vivo en|soy de|desde)\s+(?:the\s+)?"
    r"([A-ZÀ-Ý][\w'-]+(?:\s+[A-ZÀ-Ý][\w'-]+)?)|我(?:住在|在|来自)([\u4e00-\u9fff]{2,4}?)(?:看|住|，|。|$)")
_SPORT = re.compile(r"\bmi deporte favorito es (?:el |la )?([\wáéíóúñ]+)|我最喜欢的运动是([\u4e00-\u9fff]{1,6})|"
                    r"^(?!\W*¿)\W*(?:el |la )?(?!cu[áa]l\b|qu[ée]\b)([\wáéíóúñ]+(?: [\wáéíóúñ]+)?) es mi deporte favorito|"
                    r"([\u4e00-\u9fff]{1,6})是我最喜欢的运动", re.I)
# "curling is my favourite sport": the thing first.
_PREFERENCE_FIRST = re.compile(
    r"^\W*(?:the\s+)?([\w' -]{2,30}?) (?:is|are) (?:definitely |really |totally )?my (?:favou?rite|fave) "
    r"([a-z]{2,20}(?: [a-z]{2,20})?)\b\W*$", re.I)
_ASK = {
    "name": re.compile(r"\b(?:what'?s|what is) my name\b|\bwho am i\b|c[óo]mo me llamo|我叫什么", re.I),
    "city": re.compile(r"\bwhere (?:do i live|i live|am i from|i'm from|am i watching from)\b|\bd[óo]nde vivo\b|我住在哪", re.I),
    "sport": re.compile(r"\bmy favou?rite sport\b(?!\s+is)|\bmi deporte favorito\b(?!\s+es)|我最喜欢(?:什么|哪个)运动",
                        re.I),
}
_RECALL_LINES = {
    "city": {"en": "You're watching from {v}! I remember.", "es": "¡Nos ves desde {v}! Me acuerdo.",
             "zh": "你在{v}看直播，我记得！"},
    "sport": {"en": "Your favourite sport is {v}! I remember.", "es": "¡Tu deporte favorito es {v}! Me acuerdo.",
              "zh": "你最喜欢的运动是{v}，我记得！"},
}

# Asked before the viewer said it: the host cannot know, so it asks.
_NOT_TOLD = {
    "city": {"en": "You haven't told me yet! Where are you watching from?",
             "es": "¡Todavía no me lo has dicho! ¿Desde dónde nos ves?", "zh": "你还没告诉我呢！你在哪里看直播？"},
    "sport": {"en": "You haven't told me yet! What's your favourite sport?",
              "es": "¡Todavía no me lo has dicho! ¿Cuál es tu deporte favorito?", "zh": "你还没告诉我呢！你最喜欢什么运动？"},
}

_QUESTION_WORD = re.compile(r"\W*(?:what|which|who|where|whatever|cu[áa]l|qu[ée]|qui[ée]n|d[óo]nde)\b|什么|哪|谁|啥", re.I)
_ASKING = re.compile(r"[?？]|^\W*(?:what|where|who|which|do you know|cu[áa]l|d[óo]nde|qu[ée])\b|什么|哪", re.I)


def recall(text: str, record: ViewerRecord | None, language: str = "en") -> str | None:
    """The answer to "where do I live?" / "what's my favourite sport?" from what this viewer
    said before, or that they have not said it yet and what it is (None: not such a
    question, or no record of the viewer: never guessed)."""
    if record is None:
        return None
    for key in ("city", "sport"):
        if _ASK[key].search(text):
            value = record.preferences.get(key) or (
                record.preferences.get("favourite sport") if key == "sport" else None)
            if value:
                return _RECALL_LINES[key].get(language, _RECALL_LINES[key]["en"]).format(v=value)
            if _ASKING.search(text):  # "curling is my favourite sport" tells, it does not ask
                return _NOT_TOLD[key].get(language, _NOT_TOLD[key]["en"])
    return None


@dataclass
class ViewerRecord:
    """What the character knows about one viewer."""

    name: str
    first_seen: float = 0.0
    last_seen: float = 0.0
    visits: int = 0
    preferences: dict[str, str] = field(default_factory=dict)
    recent_questions: list[str] = field(default_factory=list)

    @property
    def known(self) -> bool:
        """True once the viewer has been seen before."""
        return self.visits > 0


def viewer_key(name: str) -> str:
    """Normalized lookup key of a viewer name; raises :class:`InputError` when empty."""
    key = " ".join(str(name).split()).casefold()[:64]
    if not key:
        raise InputError("viewer: name must not be empty")
    return key


_NAME = re.compile(  # the lead phrase in any case; the name itself capitalised
    r"\b(?i:my name is|my name's|call me|i am called|i'm|i am|me llamo|mi nombre es|soy)\s+"
    r"([A-ZÀ-Ý][\w'-]{1,30}(?:\s+[A-ZÀ-Ý][\w'-]{1,30})?)|我叫\s*([\u4e00-\u9fff]{1,4}|\w{1,12})",
)
_NOT_NAMES = frozenset("not just a an the so very really here back sad happy fine ok okay "
                       "watching from in at with".split())
# "I'm Canadian", "soy Española": a nationality or language is no name.
_NOT_NAMES |= frozenset(
    "canadian american british english spanish french german italian chinese japanese korean "
    "norwegian swedish finnish danish dutch mexican chilean argentinian brazilian irish scottish "
    "español española inglés inglesa francés francesa alemán alemana chino china mexicano mexicana".split())


def extract_name(text: str) -> str | None:
    """The name a viewer gives for themself ("my name is Carlos", "me llamo Ana", "我叫小明")."""
    m = _NAME.search(text)
    if not m:
        return None
    name = (m.group(1) or m.group(2) or "").strip(" .!,")
    first = name.split()[0].lower() if name else ""
    if not name or first in _NOT_NAMES or re.search(r"什么|啥|谁|哪", name):
        return None  # "我叫什么名字？" asks the name, it does not give one
    return name[:1].upper() + name[1:]


def extract_preferences(text: str) -> dict[str, str]:
    """Simple preferences stated in a message ("my favourite sport is curling"), and the
    name a viewer gives (key ``name``)."""
    prefs: dict[str, str] = {}
    name = extract_name(text)
    if name:
        prefs["name"] = name
    city = _CITY.search(text)
    if city:
        prefs["city"] = (city.group(1) or city.group(2)).strip()
    sport = _SPORT.search(text)
    if sport and not _QUESTION_WORD.match(next(g for g in sport.groups() if g)):
        prefs["sport"] = next(g for g in sport.groups() if g).strip()
    first = _PREFERENCE_FIRST.search(text)
    if first and first.group(1).strip().lower() not in ("this", "that", "it", "you", "here") \
            and not _QUESTION_WORD.match(first.group(1)):  # "what is my favourite sport" asks
        prefs[f"favourite {first.group(2).strip().lower()}"] = first.group(1).strip()
    for m in _PREFERENCE.finditer(text):
        if m.group(1) and _QUESTION_WORD.match(m.group(2)):
            continue  # "my favourite sport is what?"
        if m.group(1):
            prefs[f"favourite {m.group(1).strip().lower()}"] = m.group(2).strip(" .!,")
        elif m.group(3):
            value = re.split(r"[.!?,]| but | and ", m.group(3))[0].strip()
            if value:
                prefs.setdefault("likes", value)
    return prefs


class Memory:
    """SQLite-backed memory. ``session_gap`` seconds of absence make a viewer "returning"."""

    def __init__(self, db_path: str | Path = ":memory:", session_gap: float = 1800.0) -> None:
        self.db_path = str(db_path)
        if self.db_path != ":memory:":
            Path(self.db_path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(self.db_path, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise VhumanError(f"{self.db_path}: not a usable memory database: {exc}") from exc
        self.session_gap = session_gap
        self._lock = threading.Lock()

    def close(self) -> None:
        self._db.close()

    def _exec(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            rows = self._db.execute(sql, args).fetchall()
            self._db.commit()
            return rows

    def viewer(self, name: str) -> ViewerRecord:
        """The record of ``name`` (``visits == 0`` when never seen). Does not change it."""
        key = viewer_key(name)
        rows = self._exec(
            "SELECT name, first_seen, last_seen, visits, preferences FROM viewers WHERE key=?",
            (key,),
        )
        if not rows:
            return ViewerRecord(name=" ".join(name.split())[:64])
        shown, first, last, visits, prefs = rows[0]
        questions = self._exec(
            "SELECT text FROM messages WHERE viewer=? AND role='viewer' ORDER BY ts DESC, id DESC LIMIT 5",
            (key,),
        )
        return ViewerRecord(shown, first, last, visits, json.loads(prefs), [q[0] for q in questions])

    def see(self, name: str, now: float | None = None) -> tuple[ViewerRecord, bool]:
        """Register that ``name`` is here; returns the record and whether they are returning.

        A returning viewer was seen before, more than ``session_gap`` seconds ago.
        """
        now = time.time() if now is None else now
        key = viewer_key(name)
        before = self.viewer(name)
        returning = before.known and now - before.last_seen > self.session_gap
        if not before.known:
            self._exec(
                "INSERT INTO viewers(key, name, first_seen, last_seen, visits) VALUES (?,?,?,?,1)",
                (key, before.name, now, now),
            )
        else:
            self._exec(
                "UPDATE viewers SET last_seen=?, visits=visits+? WHERE key=?",
                (now, 1 if returning else 0, key),
            )
        return self.viewer(name), returning

    def remember(
        self,
        viewer: str | None,
        message: str,
        reply: str | None = None,
        emotion: str | None = None,
        source: str | None = None,
    ) -> None:
        """Store a viewer message (and the reply); picks up stated preferences."""
        key = viewer_key(viewer) if viewer else None
        now = time.time()
        self._exec(
            "INSERT INTO messages(viewer, ts, role, text) VALUES (?,?,?,?)",
            (key, now, "viewer", message[:2000]),
        )
        if reply is not None:
            self._exec(
                "INSERT INTO messages(viewer, ts, role, text, emotion, source) VALUES (?,?,?,?,?,?)",
                (key, now, "host", reply[:2000], emotion, source),
            )
        if key:
            for k, v in extract_preferences(message).items():  # a later name wins
                self.set_preference(viewer or "", k, v)

    def set_preference(self, viewer: str, key: str, value: str) -> None:
        """Store one preference of a known (or new) viewer."""
        record = self.viewer(viewer)
        if not record.known:
            self.see(viewer)
        prefs = self.viewer(viewer).preferences
        prefs[key] = value
        self._exec("UPDATE viewers SET preferences=? WHERE key=?", (json.dumps(prefs), viewer_key(viewer)))

    def history(self, viewer: str | None, limit: int = 6) -> list[tuple[str, str]]:
        """Last ``limit`` (role, text) turns with ``viewer`` (oldest first)."""
        if viewer:
            rows = self._exec(
                "SELECT role, text FROM messages WHERE viewer=? ORDER BY ts DESC, id DESC LIMIT ?",
                (viewer_key(viewer), limit),
            )
        else:
            rows = self._exec(
                "SELECT role, text FROM messages WHERE viewer IS NULL ORDER BY ts DESC, id DESC LIMIT ?",
                (limit,),
            )
        return [(r[0], r[1]) for r in reversed(rows)]

    def note(self, key: str, value: str) -> None:
        """Show memory: remember a fact about the show ("current segment", "winner")."""
        if not key.strip():
            raise InputError("show memory key must not be empty")
        self._exec(
            "INSERT INTO show_memory(key, value, ts) VALUES (?,?,?) "
            "ON CONFLICT(key) DO UPDATE SET value=excluded.value, ts=excluded.ts",
            (key.strip(), value, time.time()),
        )

    def recall(self, key: str) -> str | None:
        rows = self._exec("SELECT value FROM show_memory WHERE key=?", (key.strip(),))
        return rows[0][0] if rows else None

    def show_notes(self) -> dict[str, str]:
        return dict(self._exec("SELECT key, value FROM show_memory ORDER BY ts"))  # type: ignore[arg-type]

    def log_moderation(self, viewer: str | None, reason: str, text: str) -> None:
        """Keep the reason a message was refused (durably, for the operator)."""
        self._exec(
            "INSERT INTO moderation_log(ts, viewer, reason, text) VALUES (?,?,?,?)",
            (time.time(), viewer, reason, text[:500]),
        )

    def moderation_log(self, limit: int = 100) -> list[tuple[float, str | None, str, str]]:
        rows = self._exec(
            "SELECT ts, viewer, reason, text FROM moderation_log ORDER BY id DESC LIMIT ?", (limit,)
        )
        return [(r[0], r[1], r[2], r[3]) for r in rows]
