"""``vhuman listen FILE [--json]`` (and ``--device``): the turns a show would hear."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from typing import Any

from vhuman.models.types import InputError

from .config import ROLES, ListenConfig
from .listener import ListenEvent


def add_listen_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", nargs="?", default=None, help="audio or video file to hear")
    p.add_argument("--json", action="store_true", help="machine-readable turns")
    p.add_argument("--settings", default=None,
                   help="YAML file with a listen: section (recognizer, languages, turns: ...)")
    p.add_argument("--language", default=None, help="force a language (default: detected per turn)")
    p.add_argument("--speaker", default="guest", help="speaker name recorded with each turn")
    p.add_argument("--role", default="guest", choices=ROLES)
    p.add_argument("--recognizer-url", default=None, metavar="URL",
                   help="use an OpenAI-compatible transcription server (…/v1) instead of the "
                        "embedded model")
    p.add_argument("--partials", action="store_true",
                   help="also print partial transcripts as they come")
    p.add_argument("--device", default=None, metavar="NAME|INDEX",
                   help="listen to a local audio input device instead of a file ('default')")
    p.add_argument("--seconds", type=float, default=None,
                   help="with --device: stop after this many seconds")


def _config(args: argparse.Namespace) -> ListenConfig:
    config = ListenConfig.load(args.settings) if args.settings else ListenConfig()
    changes: dict[str, Any] = {}
    if args.language:
        changes["language"] = args.language
    if args.recognizer_url:
        changes.update(recognizer="server", url=args.recognizer_url)
    if changes:
        config = replace(config, **changes)
        config.validate()
    return config


def run_listen(args: argparse.Namespace) -> int:
    config = _config(args)
    if (args.file is None) == (args.device is None):
        raise InputError("listen: give a FILE or --device (one of them)")

    def show(event: ListenEvent) -> None:
        if args.json:
            return
        if event.kind == "partial" and args.partials:
            print(f"  … {event.text}", file=sys.stderr, flush=True)
        elif event.kind == "final":
            t = event.turn
            words = t.text if t.status == "ok" else f"[{t.status}: {t.detail}]"
            print(f"{t.start:7.2f}–{t.end:7.2f}  {t.language or '--':>2} "
                  f"{t.confidence:.2f}  {words}", flush=True)

    if args.device is not None:
        from .device import listen_device

        turns = listen_device(args.device, config, seconds=args.seconds, speaker=args.speaker,
                              role=args.role, on_event=show)
    else:
        from .files import listen_file

        turns = listen_file(args.file, config, speaker=args.speaker, role=args.role,
                            partials=args.partials, on_event=show)
    if args.json:
        print(json.dumps([t.to_dict() for t in turns], ensure_ascii=False, indent=1))
    elif not turns:
        print("no speech heard", file=sys.stderr)
    return 0
