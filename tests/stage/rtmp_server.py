"""A throwaway nginx + libnginx-mod-rtmp ingest on 127.0.0.1 for RTMP tests.

Writes its config, pid, logs and recordings under a temporary folder; ``record all``
keeps what it received as FLV files so the test can decode them.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

NGINX = "/usr/sbin/nginx"
RTMP_MODULE = "/usr/lib/nginx/modules/ngx_rtmp_module.so"


def missing_reason() -> str | None:
    """Why an nginx-rtmp server cannot run here (None when it can)."""
    if not Path(NGINX).exists():
        return "nginx is not installed (apt-get install nginx)"
    if not Path(RTMP_MODULE).exists():
        return "libnginx-mod-rtmp is not installed"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class NginxRtmp:
    """Start/stop an nginx-rtmp server; recordings land in ``record_dir``."""

    def __init__(self, root: Path, port: int | None = None) -> None:
        self.root = root
        self.port = port or free_port()
        self.record_dir = root / "records"
        self.record_dir.mkdir(parents=True, exist_ok=True)
        (root / "logs").mkdir(exist_ok=True)
        user = "user root;" if os.geteuid() == 0 else ""
        self.conf = root / "nginx.conf"
        self.conf.write_text(f"""
load_module {RTMP_MODULE};
{user}
daemon off;
master_process on;
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/logs/error.log info;
events {{ worker_connections 64; }}
rtmp {{
    server {{
        listen 127.0.0.1:{self.port};
        chunk_size 4096;
        application live {{
            live on;
            record all;
            record_unique on;
            record_path {self.record_dir};
        }}
    }}
}}
""")
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"rtmp://127.0.0.1:{self.port}/live/test"

    def start(self, timeout: float = 10.0) -> None:
        self.proc = subprocess.Popen([NGINX, "-c", str(self.conf), "-p", str(self.root),
                                      "-e", str(self.root / "logs" / "error.log")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                raise RuntimeError(f"nginx exited: {err}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("nginx did not start listening")

    def kill(self) -> None:
        """Hard stop (simulates a server crash): the master and its worker."""
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGTERM)  # fast shutdown: closes client connections
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        self.proc = None

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGQUIT)  # graceful: finishes recordings
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
            self.proc = None

    def recordings(self) -> list[Path]:
        return sorted(self.record_dir.glob("*.flv"), key=lambda p: p.stat().st_mtime)

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
