"""The ``vhuman`` command line: say, demo, dance, avatar inspect, show, serve, qa."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from models.types import Emotion, VhumanError

log = logging.getLogger("vhuman")

DEMO_LINE = ("[wave] Hello everyone, and welcome to the show! I'm Vivi, your virtual host. "
             "Tonight we cheer for the athletes, chat with you live, and maybe even dance. "
             "Let's get started!")


def _add_render_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("-o", "--output", default="out/say.mp4", help="output file (.mp4, or .webm)")
    p.add_argument("--avatar", default=None, help="avatar file (.glb/.gltf/.vrm); default: built-in")
    p.add_argument("--size", default="512x512", help="frame size WxH (default 512x512)")
    p.add_argument("--fps", type=float, default=30.0, help="frames per second (default 30)")
    p.add_argument("--background", default="#1e2a3a",
                   help="background colour (#rrggbb) or image path (default #1e2a3a)")
    p.add_argument("--transparent", action="store_true",
                   help="transparent background (needs a .webm output: VP9 with alpha, for OBS)")
    p.add_argument("--camera", default="portrait", help="portrait | half_body | full_body | orbit")
    p.add_argument("--renderer", default="moderngl", help="moderngl (fast) | pyrender")
    p.add_argument("--voice", default="piper", help="TTS backend: piper | espeak | coqui")
    p.add_argument("--device", default=None, help="torch device for skinning (cpu, cuda)")
    p.add_argument("--seed", type=int, default=0, help="seed for idle motion and gestures")


def _render_options(args: argparse.Namespace):
    from .say import RenderOptions, parse_size

    width, height = parse_size(args.size)
    background: str | Path | None = args.background
    if background and not str(background).startswith("#") and Path(str(background)).suffix:
        path = Path(str(background))
        if not path.is_file():
            raise VhumanError(f"background image {path} does not exist")
        background = path
    return RenderOptions(avatar=args.avatar, width=width, height=height, fps=args.fps,
                         background=background, transparent=args.transparent,
                         camera=args.camera, renderer=args.renderer, voice=args.voice,
                         device=args.device, seed=args.seed)


def cmd_say(args: argparse.Namespace) -> int:
    from .say import render_clip

    result = render_clip(args.text, args.output, emotion=args.emotion, intensity=args.intensity,
                         options=_render_options(args), progress=not args.quiet)
    print(f"wrote {result.path} ({result.duration:.2f} s, {result.frames} frames, "
          f"rendered in {result.total_s:.1f} s = {1 / max(result.realtime_factor, 1e-9):.2f}x real time)")
    if args.plot:
        print(f"wrote {result.plot(args.plot)}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    args.text, args.emotion, args.intensity = DEMO_LINE, "happy", 0.7
    args.plot = args.plot or str(Path(args.output).with_suffix(".visemes.png"))
    return cmd_say(args)


def cmd_avatar_inspect(args: argparse.Namespace) -> int:
    from avatar.inspect import contact_sheet, inspect_avatar
    from avatar.loader import load_avatar

    report = inspect_avatar(args.path)
    print(report.to_text())
    if args.sheet != "none":
        sheet = args.sheet or str(Path("out") / (Path(args.path).stem + "_sheet.png"))
        png = contact_sheet(load_avatar(args.path), sheet)
        print(f"wrote {png}")
    return 0


def cmd_dance(args: argparse.Namespace) -> int:
    from .dance import render_dance

    result = render_dance(args.music, args.output, seconds=args.seconds,
                          options=_render_options(args), progress=not args.quiet)
    print(f"wrote {result.path} ({result.duration:.2f} s, {result.frames} frames, "
          f"rendered in {result.total_s:.1f} s)")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from .show import check_rundown, run_show

    if args.check:
        report = check_rundown(args.rundown)
        print(report if isinstance(report, str) else getattr(report, "summary", report))
        return 0
    options: dict = {}
    if args.background is not None or args.transparent:
        import functools

        from .live import LiveConfig
        from .show.api import build_live_performer

        config = LiveConfig(background=args.background, transparent=args.transparent)
        options["performer_factory"] = functools.partial(build_live_performer, config=config)
    default_out = "out/show.webm" if args.transparent else "out/show.mp4"
    return int(run_show(args.rundown, outputs=args.out or [default_out], **options) or 0)


def cmd_serve(args: argparse.Namespace) -> int:
    from .server import serve
    from .server.settings import Settings

    overrides = {"host": args.host, "port": args.port}
    if args.rundown:
        overrides["rundown"] = args.rundown
    serve(Settings(**{k: v for k, v in overrides.items() if v is not None}))
    return 0


def cmd_qa(args: argparse.Namespace) -> int:
    import json

    from dialogue import KnowledgeBase, QAEngine

    store = Path(args.store) if args.store else Path(args.kb) / ".vhuman-index"
    if args.no_update and (store / "kb.json").is_file():
        kb = KnowledgeBase.open(store)  # the stored index as it is: no folder scan
    else:
        kb = KnowledgeBase.build(args.kb, store)  # builds once; later only changed files
    llm = None
    if args.llm_url:
        from models.llm import get_llm

        llm = get_llm("openai", base_url=args.llm_url, model=args.llm_model)
    engine = QAEngine(kb, llm=llm, llm_reader=llm is not None)
    results = []
    for question in args.question:
        answer = engine.answer(question)
        results.append({
            "question": question, "answered": answer.answered, "short_answer": answer.short,
            "reply": answer.text, "confidence": round(answer.confidence, 4),
            "method": answer.method, "seconds": round(answer.seconds, 4),
            "span": None if answer.span is None or not answer.answered else
            {"doc": answer.span.doc, "start": answer.span.start, "end": answer.span.end},
            "sources": [{"doc": s.doc, "start": s.start, "end": s.end, "text": s.text}
                        for s in answer.sources],
        })
    if args.json:
        print(json.dumps(results if len(results) > 1 else results[0], ensure_ascii=False, indent=1))
        return 0
    for r in results:
        if len(results) > 1:
            print(f"Q: {r['question']}")
        print(f"short answer: {r['short_answer'] or '-'}")
        print(f"reply: {r['reply']}")
        for src in r["sources"]:
            print(f"  source [{src['doc']}:{src['start']}-{src['end']}] {src['text'][:160]}")
        print(f"confidence {r['confidence']:.2f}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vhuman", description="Live virtual human engine")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    # The same flags after the subcommand (`vhuman say ... -q`); SUPPRESS keeps the value
    # given before it when they are absent here.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS)
    common.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, help: str) -> argparse.ArgumentParser:  # every command takes -q/-v
        return sub.add_parser(name, parents=[common], help=help)

    say = add("say", help="speak a line with the avatar into a video file")
    say.add_argument("text", help="what to say; [wave]-style gesture tags and voice markup allowed")
    say.add_argument("--emotion", default="neutral",
                     help="one of: " + ", ".join(e.value for e in Emotion))
    say.add_argument("--intensity", type=float, default=0.6, help="emotion intensity 0..1")
    say.add_argument("--plot", default=None, help="also write a viseme timeline PNG here")
    _add_render_options(say)
    say.set_defaults(func=cmd_say)

    demo = add("demo", help="render the built-in character greeting the audience")
    _add_render_options(demo)
    demo.add_argument("--plot", default=None, help="viseme timeline PNG (default next to the video)")
    demo.set_defaults(func=cmd_demo, output="out/demo.mp4")

    dance = add("dance", help="dance to music into a video file")
    dance.add_argument("music", nargs="?", default=None,
                       help="audio file (default: the synthesized demo track)")
    dance.add_argument("--seconds", type=float, default=None, help="limit the length")
    _add_render_options(dance)
    dance.set_defaults(func=cmd_dance, output="out/dance.mp4", camera="full_body")

    avatar = add("avatar", help="avatar tools")
    avatar_sub = avatar.add_subparsers(dest="avatar_command", required=True)
    inspect = avatar_sub.add_parser("inspect", parents=[common],
                                    help="report what an avatar file contains")
    inspect.add_argument("path")
    inspect.add_argument("--sheet", default=None,
                         help="turnaround contact sheet PNG path ('none' to skip)")
    inspect.set_defaults(func=cmd_avatar_inspect)

    show = add("show", help="run (or --check) a show rundown")
    show.add_argument("rundown")
    show.add_argument("--check", action="store_true", help="validate only")
    show.add_argument("--out", action="append", help="output: file.mp4 or rtmp://... (repeatable)")
    show.add_argument("--background", default=None,
                      help="background colour (#rrggbb, or 'green' for OBS's Chroma Key) or "
                           "image path")
    show.add_argument("--transparent", action="store_true",
                      help="transparent background: .webm outputs with VP9 alpha, for OBS")
    show.set_defaults(func=cmd_show)

    serve = add("serve", help="start the HTTP/WebSocket server")
    serve.add_argument("--host", default=None)
    serve.add_argument("--port", type=int, default=None)
    serve.add_argument("--rundown", default=None, help="load this rundown at start")
    serve.set_defaults(func=cmd_serve)

    qa = add("qa", help="answer a question from a knowledge-base folder")
    qa.add_argument("question", nargs="+", help="one or more questions")
    qa.add_argument("--kb", default="examples/kb", help="folder of documents")
    qa.add_argument("--store", default=None,
                    help="index folder, built once and reused (default: KB/.vhuman-index)")
    qa.add_argument("--no-update", action="store_true",
                    help="use the stored index without scanning the folder for changes")
    qa.add_argument("--json", action="store_true", help="machine-readable output")
    qa.add_argument("--llm-url", default=None,
                    help="OpenAI-compatible server (…/v1) whose model reads the passages")
    qa.add_argument("--llm-model", default="default", help="model name on that server")
    qa.set_defaults(func=cmd_qa)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if args.func in (cmd_show, cmd_serve):  # long live runs: before their threads start
        from .live.memory import limit_malloc_arenas

        limit_malloc_arenas()
    try:
        return int(args.func(args) or 0)
    except VhumanError as exc:
        print(f"vhuman: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("vhuman: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
