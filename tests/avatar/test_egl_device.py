"""The EGL device follows the GPU a worker is given (one GPU per worker pod/container)."""

from __future__ import annotations

import pytest

from vhuman.avatar.render.platform import egl_device_index
from vhuman.models.types import InputError


def test_egl_device_follows_cuda_visible_devices(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VHUMAN_EGL_DEVICE", raising=False)
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    assert egl_device_index() is None  # the driver's first device
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "3")
    assert egl_device_index() == 3
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "2,3")  # several: no single answer
    assert egl_device_index() is None
    monkeypatch.setenv("VHUMAN_EGL_DEVICE", "1")  # an explicit choice wins
    assert egl_device_index() == 1
    monkeypatch.setenv("VHUMAN_EGL_DEVICE", "gpu1")
    with pytest.raises(InputError, match="VHUMAN_EGL_DEVICE"):
        egl_device_index()
