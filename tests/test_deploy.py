"""Deployment files: valid YAML/Compose/Kubernetes shapes whose commands the CLI accepts."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from vhuman.stage.cli import build_parser

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"


def _cli_accepts(command: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    assert command[0] == "vhuman", command
    monkeypatch.setenv("VHUMAN_REDIS_URL", "redis://r:6379/0")
    monkeypatch.setenv("VHUMAN_DATABASE_URL", "postgresql://u@db/v")
    args = build_parser().parse_args(command[1:])  # SystemExit on an unknown flag
    assert args.command in ("serve", "worker")


def test_compose_has_the_cluster_and_valid_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    compose: dict[str, Any] = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"api", "worker", "redis", "postgres", "nginx-rtmp", "lb"} <= set(services)
    assert services["api"]["deploy"]["replicas"] >= 2
    gpu = services["worker"]["deploy"]["resources"]["reservations"]["devices"][0]
    assert gpu["count"] == 1 and "graphics" in gpu["capabilities"]  # EGL on the GPU
    assert "--appendonly" in services["redis"]["command"]
    for name in ("api", "worker"):
        _cli_accepts(services[name]["command"], monkeypatch)
    assert "--redis" in services["api"]["command"]  # the API runs as a cluster replica
    for conf in ("nginx-lb.conf", "nginx-rtmp.conf"):
        text = (DEPLOY / conf).read_text()
        assert text.count("{") == text.count("}")  # balanced nginx blocks


def test_kubernetes_manifests(monkeypatch: pytest.MonkeyPatch) -> None:
    docs = [d for f in sorted((DEPLOY / "k8s").glob("*.yaml"))
            for d in yaml.safe_load_all(f.read_text()) if d]
    kinds = {(d["kind"], d["metadata"]["name"]) for d in docs}
    assert ("Deployment", "vhuman-api") in kinds and ("Deployment", "vhuman-worker") in kinds
    for doc in docs:
        assert doc["apiVersion"] and doc["metadata"]["name"]
        if doc["kind"] in ("Deployment", "StatefulSet"):
            spec = doc["spec"]
            assert spec["selector"]["matchLabels"].items() <= \
                spec["template"]["metadata"]["labels"].items()
    deployments = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Deployment"}
    worker = deployments["vhuman-worker"]["spec"]["template"]["spec"]
    assert worker["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == 1
    assert worker["terminationGracePeriodSeconds"] >= 60  # time to drain
    for name in ("vhuman-api", "vhuman-worker"):
        container = deployments[name]["spec"]["template"]["spec"]["containers"][0]
        _cli_accepts(container["command"], monkeypatch)


def test_dockerfile_installs_the_package() -> None:
    lines = (DEPLOY / "Dockerfile").read_text().splitlines()
    assert lines and any(line.startswith("FROM python:3.11") for line in lines)
    cmd = next(line for line in lines if line.startswith("CMD"))
    assert shlex.split(cmd.removeprefix("CMD "))[0].strip('[",') == "vhuman"
