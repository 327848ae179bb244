"""docker-compose.yml: validated against the Compose Specification's JSON schema, loaded by the real
Docker Compose v2 (its `config` command needs no engine), and checked for what the docs promise."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy.support import CHART, REPO, Tools, run, unknown_settings

COMPOSE = REPO / "docker-compose.yml"
SERVICES = {"redis", "judge-api", "judge-worker", "synth-api", "synth-worker"}


def compose_config(tools: Tools, compose_file: Path = COMPOSE, **env: str) -> dict[str, Any]:
    """The project as Compose resolves it (interpolated, merged, normalised), as JSON."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("XCODER_", "COMPOSE_"))}
    clean.update(env)
    proc = run([tools.docker_compose, "-f", compose_file, "config", "--format", "json"], env=clean)
    return json.loads(proc.stdout)


def test_compose_file_matches_the_compose_specification_schema(tools: Tools) -> None:
    proc = run([tools.check_jsonschema, "--builtin-schema", "vendor.compose-spec", COMPOSE])
    assert "ok -- validation done" in proc.stdout


def test_the_schema_and_compose_reject_an_unknown_key(tools: Tools, tmp_path: Path) -> None:
    doc = yaml.safe_load(COMPOSE.read_text())
    doc["services"]["judge-worker"]["cap_addd"] = ["SYS_ADMIN"]
    bad = tmp_path / "docker-compose.yml"
    bad.write_text(yaml.safe_dump(doc))
    schema = run([tools.check_jsonschema, "--builtin-schema", "vendor.compose-spec", bad], check=False)
    assert schema.returncode != 0 and "cap_addd" in schema.stdout
    loader = run([tools.docker_compose, "-f", bad, "config", "-q"], check=False)
    assert loader.returncode != 0 and "cap_addd" in loader.stderr


def test_docker_compose_loads_the_project(tools: Tools) -> None:
    project = compose_config(tools)
    assert project["name"] == "xcoder"
    assert set(project["services"]) == SERVICES


def test_every_service_has_resource_limits_and_hardening(tools: Tools) -> None:
    project = compose_config(tools)
    for name, svc in project["services"].items():
        limits = svc["deploy"]["resources"]["limits"]
        assert limits.get("memory") and limits.get("cpus") and limits.get("pids"), name
        assert svc["read_only"] is True, name
        assert svc["cap_drop"] == ["ALL"], name
        assert "no-new-privileges:true" in svc["security_opt"], name
        assert not svc.get("privileged"), name
        assert svc.get("restart") == "unless-stopped", name


def test_healthchecks_gate_startup(tools: Tools) -> None:
    project = compose_config(tools)
    services = project["services"]
    for name in ("redis", "judge-api", "synth-api"):
        assert services[name]["healthcheck"]["test"][0] == "CMD", name
    assert "redis-cli" in services["redis"]["healthcheck"]["test"]
    assert "/readyz" in " ".join(services["judge-api"]["healthcheck"]["test"])
    assert "/readyz" in " ".join(services["synth-api"]["healthcheck"]["test"])
    for name in ("judge-api", "judge-worker", "synth-api", "synth-worker"):
        assert services[name]["depends_on"]["redis"]["condition"] == "service_healthy", name
    assert services["synth-worker"]["depends_on"]["judge-api"]["condition"] == "service_healthy"


def test_worker_is_scalable_and_confined_as_documented(tools: Tools) -> None:
    worker = compose_config(tools)["services"]["judge-worker"]
    # Scalable with --scale: no fixed container name, no published ports.
    assert "container_name" not in worker and not worker.get("ports")
    assert worker["deploy"]["replicas"] == 1
    assert not worker.get("privileged")
    assert worker["user"] == "0:0"
    assert worker["cgroup"] == "private"
    # The same capability list as the Helm chart's default.
    chart_caps = yaml.safe_load((CHART / "values.yaml").read_text())["judge"]["worker"]["sandbox"][
        "capabilities"
    ]
    assert worker["cap_add"] == chart_caps
    opts = worker["security_opt"]
    assert "apparmor=unconfined" in opts
    (seccomp,) = [o for o in opts if o.startswith("seccomp=")]
    profile = REPO / seccomp.removeprefix("seccomp=")
    assert profile.is_file() and profile == REPO / "docker" / "seccomp" / "judge-worker.json"
    assert worker["stop_grace_period"] == "1m30s"
    tmpfs = {t.split(":")[0]: t for t in worker["tmpfs"]}
    assert "exec" in tmpfs["/run/xcoder-judge"].split(":")[1].split(",")  # compiled programs run from here
    assert worker["environment"]["XCODER_JUDGE_SLOTS"] == "2"


def test_scaling_and_settings_come_from_the_environment(tools: Tools) -> None:
    services = compose_config(
        tools,
        XCODER_JUDGE_WORKERS="3",
        XCODER_JUDGE_SLOTS="8",
        XCODER_JUDGE_API_KEYS="k1,k2",
        XCODER_JUDGE_BIND="0.0.0.0",
        XCODER_IMAGE_PREFIX="registry.example.com/ml",
        XCODER_TAG="1.2.3",
    )["services"]
    assert services["judge-worker"]["deploy"]["replicas"] == 3
    assert services["judge-worker"]["environment"]["XCODER_JUDGE_SLOTS"] == "8"
    for name in ("judge-api", "judge-worker"):
        assert services[name]["environment"]["XCODER_JUDGE_API_KEYS"] == "k1,k2"
    assert services["judge-api"]["ports"][0]["host_ip"] == "0.0.0.0"
    assert services["judge-worker"]["image"] == "registry.example.com/ml/judge-worker:1.2.3"


def test_networks_keep_redis_and_workers_off_the_outside(tools: Tools) -> None:
    project = compose_config(tools)
    networks = project["networks"]
    services = project["services"]
    internal = {name for name, net in networks.items() if net.get("internal")}
    assert internal == {"judge-net", "synth-net"}
    assert set(services["judge-worker"]["networks"]) == {"judge-net"}
    assert set(services["redis"]["networks"]) <= internal
    assert not services["redis"].get("ports")
    # Published ports are bound to loopback unless XCODER_*_BIND says otherwise.
    for name in ("judge-api", "synth-api"):
        (port,) = services[name]["ports"]
        assert port["host_ip"] == "127.0.0.1", name


def test_images_are_never_pulled_from_a_public_registry_by_default(tools: Tools) -> None:
    for name, svc in compose_config(tools)["services"].items():
        if name == "redis":
            continue
        assert svc["image"].startswith("localhost/xcoder/"), name
        assert svc["build"]["context"] == str(REPO), name
        assert (REPO / svc["build"]["dockerfile"]).is_file(), name


@pytest.mark.parametrize("service", sorted(SERVICES - {"redis"}))
def test_api_and_synth_settings_match_the_services_contracts(tools: Tools, service: str) -> None:
    env = compose_config(tools)["services"][service]["environment"]
    if service.startswith("judge"):
        assert env["XCODER_JUDGE_REDIS_URL"] == "redis://redis:6379/0"
    else:
        assert env["XCODER_SYNTH_REDIS_URL"] == "redis://redis:6379/1"
        assert env["XCODER_SYNTH_JUDGE_URL"] == "http://judge-api:8000"
        assert env["XCODER_SYNTH_DATA_DIR"] == "/var/lib/xcoder-synth"


def test_every_setting_passed_is_one_the_services_read(tools: Tools) -> None:
    services = compose_config(tools)["services"]
    names = {name for svc in services.values() for name in svc.get("environment", {})}
    assert {"XCODER_JUDGE_REDIS_URL", "XCODER_SYNTH_REDIS_URL"} <= names
    assert unknown_settings(names) == set()
    assert unknown_settings({"XCODER_JUDGE_SLOTZ"}) == {"XCODER_JUDGE_SLOTZ"}


def test_api_keys_can_come_from_a_secret_file(tools: Tools, tmp_path: Path) -> None:
    keys = tmp_path / "judge-api-keys"
    keys.write_text("team-a:submit:trainer-key-1\nops:operator:sha256:" + "ab" * 32 + "\n")
    override = REPO / "docker" / "compose.api-keys-file.yml"
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("XCODER_", "COMPOSE_"))}
    clean["XCODER_JUDGE_API_KEYS_PATH"] = str(keys)
    proc = run([tools.docker_compose, "-f", COMPOSE, "-f", override, "config", "--format", "json"], env=clean)
    project = json.loads(proc.stdout)
    api = project["services"]["judge-api"]
    assert api["environment"]["XCODER_JUDGE_API_KEYS_FILE"] == "/run/secrets/judge-api-keys"
    assert [s["source"] for s in api["secrets"]] == ["judge-api-keys"]
    assert project["secrets"]["judge-api-keys"]["file"] == str(keys)
    assert "trainer-key-1" not in proc.stdout  # the keys stay in the file
    assert "secrets" not in project["services"]["judge-worker"]
    # The judge reads that file as its key ring.
    from xcoder_judge.config import Settings

    ring = Settings(api_keys_file=keys).key_ring
    assert ring.identify("trainer-key-1").tenant == "team-a" and ring.tenants == {"team-a", "ops"}
    # Defaults: metrics open, compat routes keyed.
    env = compose_config(tools)["services"]["judge-api"]["environment"]
    assert env["XCODER_JUDGE_METRICS_REQUIRE_KEY"] == "false" and env["XCODER_JUDGE_COMPAT_OPEN"] == "false"
