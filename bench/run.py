"""Run the benchmarks: every ``bench/bench_*.py`` module's ``run(quick)``.

Usage: ``python -m bench.run [--quick] [--only tts,render]``. Each result is written to
``bench/results/<area>.json`` together with the machine it was measured on.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).parent


def machine_info() -> dict:
    import torch

    info = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "torch": torch.__version__,
        "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    try:
        with open("/proc/cpuinfo") as f:
            info["cpu"] = next(line.split(":", 1)[1].strip() for line in f if "model name" in line)
    except (OSError, StopIteration):
        pass
    return info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="shorter runs")
    parser.add_argument("--only", default="", help="comma-separated areas, e.g. tts,render")
    args = parser.parse_args(argv)
    wanted = {a.strip() for a in args.only.split(",") if a.strip()}
    out_dir = HERE / "results"
    out_dir.mkdir(exist_ok=True)
    machine = machine_info()
    failed = []
    for path in sorted(HERE.glob("bench_*.py")):
        area = path.stem.removeprefix("bench_")
        if wanted and area not in wanted:
            continue
        print(f"== bench {area}", flush=True)
        t0 = time.perf_counter()
        try:
            module = importlib.import_module(f"bench.{path.stem}")
            figures = module.run(quick=args.quick)
        except Exception:  # noqa: BLE001 - report and go on with the other areas
            traceback.print_exc()
            failed.append(area)
            continue
        result = {"area": area, "quick": args.quick, "seconds": round(time.perf_counter() - t0, 1),
                  "machine": machine, "figures": figures}
        (out_dir / f"{area}.json").write_text(json.dumps(result, indent=2, default=float))
        print(json.dumps(figures, indent=2, default=float), flush=True)
    if failed:
        print(f"benchmarks failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
