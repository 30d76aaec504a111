"""The ``vhuman`` command line: say, demo, dance, sing, avatar inspect, show, serve, qa,
listen."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from vhuman.models.types import Emotion, VhumanError

log = logging.getLogger("vhuman")

QUIET_LIBRARIES = ("numba", "matplotlib", "PIL", "h5py", "urllib3", "httpx", "httpcore",
                   "asyncio", "filelock", "fsspec", "torch", "onnxruntime", "libav")
"""Libraries whose debug logs would flood ``-v`` (numba alone prints thousands of lines of
compiler passes when librosa's beat tracker compiles); they log warnings and up."""

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
                         options=_render_options(args), progress=not args.quiet,
                         collect=bool(args.plot))
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
    from vhuman.avatar.inspect import contact_sheet, report_for
    from vhuman.avatar.loader import load_avatar

    character = load_avatar(args.path)  # loaded once: the report and the sheet
    print(report_for(character).to_text())
    if args.sheet != "none":
        sheet = args.sheet or str(Path("out") / (Path(args.path).stem + "_sheet.png"))
        png = contact_sheet(character, sheet)
        print(f"wrote {png}")
    return 0


def cmd_avatar_play(args: argparse.Namespace) -> int:
    from .avatar_play import render_avatar_clip

    options = _render_options(args)
    options.avatar = None
    on = args.avatar if args.avatar not in (None, "builtin") else None
    result = render_avatar_clip(args.path, args.clip, args.output, loops=args.loops,
                                seconds=args.seconds, on=on, on_builtin=args.avatar == "builtin",
                                options=options, progress=not args.quiet)
    print(f"wrote {result.path} (clip {result.clip!r}, {result.duration:.2f} s, "
          f"{result.frames} frames)")
    return 0


def cmd_dance(args: argparse.Namespace) -> int:
    from .dance import render_dance

    result = render_dance(args.music, args.output, seconds=args.seconds,
                          options=_render_options(args), progress=not args.quiet)
    print(f"wrote {result.path} ({result.duration:.2f} s, {result.frames} frames, "
          f"rendered in {result.total_s:.1f} s)")
    return 0


def cmd_sing(args: argparse.Namespace) -> int:
    from .sing import render_song

    result = render_song(args.score, args.output, backing=args.backing, emotion=args.emotion,
                         intensity=args.intensity, dance=args.dance, transpose=args.transpose,
                         finale=args.finale, options=_render_options(args),
                         progress=not args.quiet, backing_start=args.backing_start)
    song = result.plan.song if result.plan else None
    shift = f", transposed {song.score.transposed:+d}" if song and song.score.transposed else ""
    print(f"wrote {result.path} ({result.duration:.2f} s, {result.frames} frames{shift}; "
          f"sung in {result.synth_s:.1f} s, total {result.total_s:.1f} s)")
    if args.plot and song is not None:
        from vhuman.models.sing.plot import plot_pitch

        print(f"wrote {plot_pitch(song, args.plot)}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from .show import check_rundown, run_show

    if args.check:
        report = check_rundown(args.rundown)
        print(report if isinstance(report, str) else getattr(report, "summary", report))
        return 0
    options: dict = {}
    if args.background is not None or args.transparent or args.burn_captions:
        import functools

        from .live import LiveConfig
        from .show.api import build_live_performer

        config = LiveConfig(background=args.background, transparent=args.transparent,
                            burn_captions=args.burn_captions)
        options["performer_factory"] = functools.partial(build_live_performer, config=config)
    if args.listen_device or args.listen_settings:
        from .listen.config import ListenConfig
        from .listen.local import parse_device_spec, show_attachment

        listen = ListenConfig.load(args.listen_settings) if args.listen_settings else ListenConfig()
        specs = list(listen.devices) + [parse_device_spec(d) for d in args.listen_device or ()]
        if specs:
            options["attach"] = [show_attachment(listen, specs)]
    default_out = "out/show.webm" if args.transparent else "out/show.mp4"
    return int(run_show(args.rundown, outputs=args.out or [default_out], **options) or 0)


def cmd_serve(args: argparse.Namespace) -> int:
    from .server import serve
    from .server.settings import Settings

    overrides = {"host": args.host, "port": args.port, "redis_url": args.redis,
                 "database_url": args.database}
    if args.rundown:
        overrides["rundown"] = args.rundown
    settings = Settings(**{k: v for k, v in overrides.items() if v is not None})
    hosting = None
    if settings.redis_url:  # a stateless API replica: shows run on `vhuman worker`s
        from .cluster.hosting import ClusterHosting

        hosting = ClusterHosting()
    serve(settings, hosting=hosting)
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    import asyncio

    from .cluster.run import run_worker
    from .cluster.worker import WorkerConfig

    if not args.redis or not args.database:
        raise VhumanError("vhuman worker needs --redis and --database (or VHUMAN_REDIS_URL "
                          "and VHUMAN_DATABASE_URL)")
    if args.slots < 1 or args.lease <= 0:
        raise VhumanError("--slots must be >= 1 and --lease > 0")
    config = WorkerConfig(args.redis, args.database, slots=args.slots, worker_id=args.id,
                          lease_ttl_s=args.lease)
    asyncio.run(run_worker(config, args.backends))
    return 0


def cmd_qa(args: argparse.Namespace) -> int:
    import json

    from vhuman.dialogue import KnowledgeBase, QAEngine

    store = Path(args.store) if args.store else Path(args.kb) / ".vhuman-index"
    if args.no_update and (store / "kb.json").is_file():
        kb = KnowledgeBase.open(store)  # the stored index as it is: no folder scan
    else:
        kb = KnowledgeBase.build(args.kb, store)  # builds once; later only changed files
    llm = None
    if args.llm_url:
        from vhuman.models.llm import get_llm

        llm = get_llm("openai", base_url=args.llm_url, model=args.llm_model)
    engine = QAEngine(kb, llm=llm, llm_reader=llm is not None, threshold=args.threshold)
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


def cmd_listen(args: argparse.Namespace) -> int:
    from .listen.cli import run_listen

    return run_listen(args)


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

    sing = add("sing", help="sing a song (MusicXML, MIDI with lyrics, or YAML) into a video")
    sing.add_argument("score", help="song file: .musicxml/.mxl/.xml, .mid with lyric events, karaoke .kar, .yaml")
    sing.add_argument("--backing", default=None,
                      help="backing audio file, 'score' (the score's other parts through "
                           "FluidSynth) or 'none' (default: the score's parts if it has any)")
    sing.add_argument("--backing-start", type=float, default=0.0,
                      help="seconds into the backing file where the score begins (its intro "
                           "plays first)")
    sing.add_argument("--emotion", default="happy",
                      help="one of: " + ", ".join(e.value for e in Emotion))
    sing.add_argument("--intensity", type=float, default=0.6, help="emotion intensity 0..1")
    sing.add_argument("--dance", default="sway", help="sway | dance | still (default sway)")
    sing.add_argument("--transpose", default="auto",
                      help="auto (into the voice's range), none, or semitones (e.g. -12)")
    sing.add_argument("--finale", action="store_true",
                      help="end big: full-energy last section and a wave")
    sing.add_argument("--plot", default=None, help="also write a score-vs-sung pitch PNG here")
    _add_render_options(sing)
    sing.set_defaults(func=cmd_sing, output="out/sing.mp4", camera="full_body", voice="joe")

    avatar = add("avatar", help="avatar tools")
    avatar_sub = avatar.add_subparsers(dest="avatar_command", required=True)
    inspect = avatar_sub.add_parser("inspect", parents=[common],
                                    help="report what an avatar file contains")
    inspect.add_argument("path")
    inspect.add_argument("--sheet", default=None,
                         help="turnaround contact sheet PNG path ('none' to skip)")
    inspect.set_defaults(func=cmd_avatar_inspect)
    play = avatar_sub.add_parser("play", parents=[common],
                                 help="render one of the avatar's own animation clips")
    play.add_argument("path", help="avatar file with clips (.glb/.gltf/.vrm)")
    play.add_argument("--clip", required=True, help="clip name (as `avatar inspect` lists it)")
    play.add_argument("--loops", type=int, default=1, help="times to play it (default 1)")
    play.add_argument("--seconds", type=float, default=None, help="length (loops as needed)")
    _add_render_options(play)
    play.set_defaults(func=cmd_avatar_play, output="out/clip.mp4", camera="full_body")
    for action in play._actions:  # --avatar here: play the clip retargeted on that avatar
        if action.dest == "avatar":
            action.help = ("play the clip retargeted onto this avatar file, or 'builtin' "
                           "(default: on its own avatar)")

    show = add("show", help="run (or --check) a show rundown")
    show.add_argument("rundown")
    show.add_argument("--check", action="store_true", help="validate only")
    show.add_argument("--out", action="append", help="output: file.mp4 or rtmp://... (repeatable)")
    show.add_argument("--background", default=None,
                      help="background colour (#rrggbb, or 'green' for OBS's Chroma Key) or "
                           "image path")
    show.add_argument("--transparent", action="store_true",
                      help="transparent background: .webm outputs with VP9 alpha, for OBS")
    show.add_argument("--burn-captions", action="store_true",
                      help="draw captions into the picture (.vtt/.srt files are written "
                           "beside every recording either way)")
    show.add_argument("--listen-device", action="append", metavar="DEVICE[@SPEAKER[/ROLE]]",
                      help="listen to an audio input on this machine during the show, as "
                           "'vhuman listen --device' does (default, alsa:hw:1,0, "
                           "lavfi:amovie=q.wav,arealtime); speaker 'studio', role 'host' "
                           "unless given (repeatable)")
    show.add_argument("--listen-settings", default=None, metavar="YAML",
                      help="listen settings (a listen: section; its devices: are opened too)")
    show.set_defaults(func=cmd_show)

    serve = add("serve", help="start the HTTP/WebSocket server")
    serve.add_argument("--host", default=None)
    serve.add_argument("--port", type=int, default=None)
    serve.add_argument("--rundown", default=None, help="load this rundown at start")
    serve.add_argument("--redis", default=None, metavar="URL",
                       help="cluster mode: a stateless API replica (redis://host:6379/0); "
                            "shows run on `vhuman worker`s")
    serve.add_argument("--database", default=None, metavar="URL",
                       help="database URL (default sqlite:///vhuman.db; "
                            "postgresql://... with --redis)")
    serve.set_defaults(func=cmd_serve)

    worker = add("worker", help="run shows for a cluster of API replicas (Redis + PostgreSQL)")
    worker.add_argument("--redis", default=os.environ.get("VHUMAN_REDIS_URL"), metavar="URL",
                        help="redis://host:6379/0 (default $VHUMAN_REDIS_URL)")
    worker.add_argument("--database", default=os.environ.get("VHUMAN_DATABASE_URL"),
                        metavar="URL",
                        help="postgresql://user:pass@host/db (default $VHUMAN_DATABASE_URL)")
    worker.add_argument("--slots", type=int, default=1,
                        help="shows this worker holds at once (e.g. per GPU)")
    worker.add_argument("--id", default=None, help="worker id (default host-pid-random)")
    worker.add_argument("--lease", type=float, default=5.0,
                        help="lease seconds: a dead worker's shows move after this")
    worker.add_argument("--backends", default=None, metavar="MODULE:FUNCTION",
                        help="performer/brain backends factory (default: the live engine)")
    worker.set_defaults(func=cmd_worker)

    qa = add("qa", help="answer a question from a knowledge-base folder")
    qa.add_argument("question", nargs="+", help="one or more questions")
    qa.add_argument("--kb", default="examples/kb", help="folder of documents")
    qa.add_argument("--store", default=None,
                    help="index folder, built once and reused (default: KB/.vhuman-index)")
    qa.add_argument("--no-update", action="store_true",
                    help="use the stored index without scanning the folder for changes")
    qa.add_argument("--json", action="store_true", help="machine-readable output")
    qa.add_argument("--threshold", type=float, default=None,
                    help="answer only when the probability of being right is at least this "
                         "(default: the calibrated one, for 0.90 precision)")
    qa.add_argument("--llm-url", default=None,
                    help="OpenAI-compatible server (…/v1) whose model reads the passages")
    qa.add_argument("--llm-model", default="default", help="model name on that server")
    qa.set_defaults(func=cmd_qa)

    listen = add("listen", help="hear a recording (or a microphone) the way a show does: "
                                "turns, language, words")
    from .listen.cli import add_listen_arguments

    add_listen_arguments(listen)
    listen.set_defaults(func=cmd_listen)
    return parser


class _OneLine(logging.Formatter):
    """Log records without tracebacks (``-v`` keeps them): an error is one line."""

    def format(self, record: logging.LogRecord) -> str:
        record = logging.makeLogRecord({**record.__dict__, "exc_info": None, "exc_text": None,
                                        "stack_info": None})
        return super().format(record)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if not args.verbose and args.func not in (cmd_serve, cmd_worker):  # daemons keep traces
        for handler in logging.getLogger().handlers:
            handler.setFormatter(_OneLine("%(levelname)s %(name)s: %(message)s"))
    for name in QUIET_LIBRARIES:  # -v is about vhuman, not compiler and codec internals
        logging.getLogger(name).setLevel(logging.WARNING)
    if args.func in (cmd_show, cmd_serve, cmd_worker):  # long live runs: before their threads start
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
    except OSError as exc:  # a file or device problem the checks could not foresee
        print(f"vhuman: error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # a bug: one line, the traceback with -v
        if args.verbose:
            raise
        print(f"vhuman: error: unexpected {type(exc).__name__}: {exc} (run with -v for "
              "details)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
