"""The Helm chart: rendered by the real Helm 3 and Helm 4 binaries, validated against Kubernetes'
schemas (and KEDA's for its objects), and checked for the behaviour docs/deployment.md promises."""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest
import yaml

from tests.deploy.support import (
    CHART,
    KUBE_VERSIONS,
    VALUE_SETS,
    VALUES_DIR,
    Rendered,
    Tools,
    container,
    env_of,
    helm_template,
    render,
    run,
    strict_json_schema,
    unknown_settings,
)

WORKER_CAPABILITIES = ["SYS_ADMIN", "SETUID", "SETGID", "KILL", "DAC_OVERRIDE"]
UNPRIVILEGED_COMPONENTS = [
    ("Deployment", "judge-api"),
    ("Deployment", "synth-api"),
    ("Deployment", "synth-worker"),
    ("StatefulSet", "redis"),
    ("Pod", "test"),
]


def _keda_validators() -> dict[str, Any]:
    # Imported here: these come with tests/deploy/requirements.txt, which the `tools` fixture installs.
    import jsonschema
    from cloudcoil.models.keda.v1alpha1 import ScaledObject, TriggerAuthentication

    out = {}
    for kind, model in (("ScaledObject", ScaledObject), ("TriggerAuthentication", TriggerAuthentication)):
        schema = strict_json_schema(model)
        out[kind] = jsonschema.Draft202012Validator(schema)
    return out


def _validate(doc: dict[str, Any], kube_version: str, keda: dict[str, Any]) -> None:
    import kubernetes_validate

    if doc["apiVersion"].startswith("keda.sh/"):
        errors = sorted(keda[doc["kind"]].iter_errors(doc), key=lambda e: list(e.path))
        assert not errors, f"{doc['kind']} {doc['metadata']['name']}: " + "; ".join(
            f"{'.'.join(map(str, e.path))}: {e.message}" for e in errors
        )
        return
    # Raises ValidationError for a schema violation, SchemaNotFoundError for an unknown kind.
    kubernetes_validate.validate(doc, kube_version, strict=True)


# ------------------------------------------------------------------ rendering and validation


@pytest.mark.parametrize(
    ("helm_name", "value_set", "kube_version"),
    list(itertools.product(("helm3", "helm4"), VALUE_SETS, KUBE_VERSIONS)),
)
def test_every_manifest_validates_against_kubernetes_schemas(
    tools: Tools, helm_name: str, value_set: str, kube_version: str
) -> None:
    rendered = render(tools.helms[helm_name], value_set, kube_version=kube_version)
    assert len(rendered.docs) >= 15
    keda = _keda_validators()
    for doc in rendered.docs:
        _validate(doc, kube_version, keda)


@pytest.mark.parametrize("helm_name", ["helm3", "helm4"])
@pytest.mark.parametrize("value_set", [v for v in VALUE_SETS if "keda" not in v])
def test_helm_lint_strict_passes(tools: Tools, helm_name: str, value_set: str) -> None:
    cmd: list[Any] = [tools.helms[helm_name], "lint", "--strict", CHART, "--kube-version", "1.35"]
    for f in VALUE_SETS[value_set]:
        cmd += ["-f", VALUES_DIR / f]
    proc = run(cmd)
    assert "1 chart(s) linted, 0 chart(s) failed" in proc.stdout


@pytest.mark.parametrize("helm_name", ["helm3", "helm4"])
def test_helm_lint_reports_the_keda_guard(tools: Tools, helm_name: str) -> None:
    # `helm lint` cannot declare extra API versions, and in lint mode `fail` is reported, not fatal.
    proc = run([tools.helms[helm_name], "lint", "--strict", CHART, "-f", VALUES_DIR / "keda.yaml"])
    assert "judge.worker.keda.enabled needs KEDA" in proc.stdout + proc.stderr


def _strip_random(text: str) -> str:
    # The generated Redis password (and the checksums of what contains it) differ per render.
    text = re.sub(r"checksum/(secret|config): \w+", "checksum/<x>", text)
    return re.sub(r"(redis-password|judge-redis-url|synth-redis-url): .*", r"\1: <random>", text)


@pytest.mark.parametrize("value_set", list(VALUE_SETS))
def test_helm3_and_helm4_render_the_same_manifests(tools: Tools, value_set: str) -> None:
    three = render(tools.helm3, value_set).text
    four = render(tools.helm4, value_set).text
    assert _strip_random(three) == _strip_random(four)


def test_the_kubernetes_schemas_do_reject_a_bad_manifest(tools: Tools) -> None:
    import kubernetes_validate

    rendered = render(tools.helm3)
    worker = rendered.get("Deployment", "judge-worker")
    container(worker)["securityContext"]["capabilitiez"] = ["SYS_ADMIN"]
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(worker, "1.35", strict=True)
    scaled = render(tools.helm3, "keda").get("ScaledObject", "judge-worker")
    scaled["spec"]["triggers"][0]["listname"] = "typo"
    assert list(_keda_validators()["ScaledObject"].iter_errors(scaled))
    del scaled["spec"]["triggers"][0]["listname"]
    del scaled["spec"]["scaleTargetRef"]
    assert list(_keda_validators()["ScaledObject"].iter_errors(scaled))


# ------------------------------------------------------------------ defaults


def test_default_release_has_every_component(tools: Tools) -> None:
    r = render(tools.helm3)
    assert r.names("Deployment") == {
        f"rel-xcoder-{c}" for c in ("judge-api", "judge-worker", "synth-api", "synth-worker")
    }
    assert r.names("StatefulSet") == {"rel-xcoder-redis"}
    assert r.names("Service") == {"rel-xcoder-judge-api", "rel-xcoder-synth-api", "rel-xcoder-redis"}
    assert r.names("HorizontalPodAutoscaler") == {"rel-xcoder-judge-api", "rel-xcoder-judge-worker"}
    assert r.names("PodDisruptionBudget") == {
        "rel-xcoder-judge-api",
        "rel-xcoder-judge-worker",
        "rel-xcoder-synth-api",
    }
    assert not r.all("ScaledObject")
    assert r.names("Secret") == {"rel-xcoder"}
    assert r.names("ConfigMap") == {"rel-xcoder-judge", "rel-xcoder-synth"}
    hook = r.get("Pod", "test")
    assert hook["metadata"]["annotations"]["helm.sh/hook"] == "test"
    for pdb in r.all("PodDisruptionBudget"):
        # maxUnavailable (not minAvailable): a single replica never blocks a node drain.
        assert pdb["spec"] == {"maxUnavailable": 1, "selector": pdb["spec"]["selector"]}


def test_worker_gets_exactly_the_documented_privileges(tools: Tools) -> None:
    for kube_version in KUBE_VERSIONS:
        worker = render(tools.helm3, kube_version=kube_version).get("Deployment", "judge-worker")
        pod = worker["spec"]["template"]
        sc = container(worker)["securityContext"]
        assert sc["privileged"] is False
        assert sc["runAsUser"] == 0 and sc["runAsNonRoot"] is False
        assert sc["capabilities"] == {"drop": ["ALL"], "add": WORKER_CAPABILITIES}
        assert sc["seccompProfile"] == {"type": "Unconfined"}
        assert sc["readOnlyRootFilesystem"] is True
        # The API server rejects allowPrivilegeEscalation: false together with CAP_SYS_ADMIN.
        assert "allowPrivilegeEscalation" not in sc
        spec = pod["spec"]
        for forbidden in ("hostNetwork", "hostPID", "hostIPC", "shareProcessNamespace"):
            assert not spec.get(forbidden)
        assert all("hostPath" not in v for v in spec["volumes"])
        assert spec["automountServiceAccountToken"] is False
        annotation = pod["metadata"]["annotations"].get(
            "container.apparmor.security.beta.kubernetes.io/judge-worker"
        )
        if kube_version == "1.27":
            assert annotation == "unconfined" and "appArmorProfile" not in sc
        else:
            assert annotation is None and sc["appArmorProfile"] == {"type": "Unconfined"}


def test_worker_privilege_knobs(tools: Tools) -> None:
    localhost = render(
        tools.helm3,
        sets={
            "judge.worker.sandbox.seccompProfile.type": "Localhost",
            "judge.worker.sandbox.seccompProfile.localhostProfile": "xcoder-judge-worker.json",
        },
    )
    sc = container(localhost.get("Deployment", "judge-worker"))["securityContext"]
    assert sc["seccompProfile"] == {"type": "Localhost", "localhostProfile": "xcoder-judge-worker.json"}
    privileged = render(tools.helm3, sets={"judge.worker.sandbox.privileged": "true"})
    sc = container(privileged.get("Deployment", "judge-worker"))["securityContext"]
    assert sc["privileged"] is True and "capabilities" not in sc
    assert "WARNING: judge.worker.sandbox.privileged is true" in notes(
        tools, "--set", "judge.worker.sandbox.privileged=true"
    )


def notes(tools: Tools, *args: Any) -> str:
    """NOTES.txt as an install would print it (Helm 4's client-side dry run needs no cluster)."""
    out = run([tools.helm4, "install", "rel", CHART, "--dry-run=client", *args]).stdout
    return out[out.index("NOTES:") :]


def _pss_restricted_violations(pod_spec: dict[str, Any]) -> list[str]:
    """The Pod Security Standard "restricted" rules that apply to these pods."""
    problems = []
    psc = pod_spec.get("securityContext", {})
    for c in pod_spec["containers"]:
        sc = c.get("securityContext", {})
        name = c["name"]
        if sc.get("privileged"):
            problems.append(f"{name}: privileged")
        if sc.get("allowPrivilegeEscalation") is not False:
            problems.append(f"{name}: allowPrivilegeEscalation must be false")
        if not (sc.get("runAsNonRoot") or psc.get("runAsNonRoot")):
            problems.append(f"{name}: runAsNonRoot")
        if sc.get("runAsUser", psc.get("runAsUser")) == 0:
            problems.append(f"{name}: runAsUser 0")
        if sc.get("capabilities", {}).get("drop") != ["ALL"]:
            problems.append(f"{name}: must drop ALL capabilities")
        if set(sc.get("capabilities", {}).get("add", [])) - {"NET_BIND_SERVICE"}:
            problems.append(f"{name}: adds capabilities")
        seccomp = (sc.get("seccompProfile") or psc.get("seccompProfile") or {}).get("type")
        if seccomp not in ("RuntimeDefault", "Localhost"):
            problems.append(f"{name}: seccomp {seccomp}")
    for v in pod_spec.get("volumes", []):
        if "hostPath" in v:
            problems.append(f"volume {v['name']}: hostPath")
    return problems


@pytest.mark.parametrize("value_set", ["default", "api-keys", "external-redis"])
def test_api_synth_redis_and_test_pods_meet_pod_security_restricted(tools: Tools, value_set: str) -> None:
    r = render(tools.helm3, value_set)
    for kind, component in UNPRIVILEGED_COMPONENTS:
        obj = r.maybe(kind, component)
        if obj is None:
            assert value_set == "external-redis" and component == "redis"
            continue
        spec = obj["spec"]["template"]["spec"] if kind != "Pod" else obj["spec"]
        assert _pss_restricted_violations(spec) == [], f"{kind} {component}"
        assert spec["automountServiceAccountToken"] is False


def test_the_restricted_check_catches_the_worker(tools: Tools) -> None:
    worker = render(tools.helm3).get("Deployment", "judge-worker")
    problems = _pss_restricted_violations(worker["spec"]["template"]["spec"])
    assert any("adds capabilities" in p for p in problems)
    assert any("seccomp Unconfined" in p for p in problems)


def test_worker_environment_and_volumes(tools: Tools) -> None:
    r = render(tools.helm3, sets={"judge.worker.slots": "6"})
    worker = r.get("Deployment", "judge-worker")
    c = container(worker)
    env = env_of(c)
    assert env["XCODER_JUDGE_SLOTS"]["value"] == "6"
    assert env["XCODER_JUDGE_WORKER_NAME"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name"
    assert env["XCODER_JUDGE_REDIS_URL"]["valueFrom"]["secretKeyRef"] == {
        "name": "rel-xcoder",
        "key": "judge-redis-url",
    }
    assert c["args"] == ["xcoder-judge", "worker"]
    mounts = {m["mountPath"] for m in c["volumeMounts"]}
    assert mounts == {"/run/xcoder-judge", "/var/cache/xcoder-judge", "/tmp"}
    assert "livenessProbe" not in c
    assert worker["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] == 90
    assert c["resources"]["requests"] == c["resources"]["limits"]  # Guaranteed QoS
    # The compile cache stays 1 GiB below its volume's limit, which would otherwise evict the pod.
    volumes = {v["name"]: v for v in worker["spec"]["template"]["spec"]["volumes"]}
    assert volumes["cache"]["emptyDir"]["sizeLimit"] == "6144Mi"
    assert env["XCODER_JUDGE_COMPILE_CACHE_MB"]["value"] == "5120"


def test_default_secret_and_redis_wiring(tools: Tools) -> None:
    r = render(tools.helm3)
    data = r.secret_data()
    password = data["redis-password"]
    assert re.fullmatch(r"[A-Za-z0-9]{32}", password)
    assert data["judge-redis-url"] == f"redis://:{password}@rel-xcoder-redis.judge.svc:6379/0"
    assert data["synth-redis-url"] == f"redis://:{password}@rel-xcoder-redis.judge.svc:6379/1"
    assert "judge-api-keys" not in data and "synth-judge-api-key" not in data
    redis = container(r.get("StatefulSet", "redis"))
    assert redis["args"][:3] == ["redis-server", "--requirepass", "$(REDIS_PASSWORD)"]
    assert redis["args"][redis["args"].index("--maxmemory-policy") + 1] == "noeviction"
    assert env_of(redis)["REDIS_PASSWORD"]["valueFrom"]["secretKeyRef"]["key"] == "redis-password"
    api = container(r.get("Deployment", "judge-api"))
    keys = env_of(api)["XCODER_JUDGE_API_KEYS"]["valueFrom"]["secretKeyRef"]
    assert keys == {"name": "rel-xcoder", "key": "judge-api-keys", "optional": True}
    assert api["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert api["livenessProbe"]["httpGet"]["path"] == "/healthz"
    cm = r.get("ConfigMap", "judge")["data"]
    assert cm["XCODER_JUDGE_LOG_LEVEL"] == "INFO" and "XCODER_JUDGE_REDIS_URL" not in cm


def test_two_renders_generate_different_passwords(tools: Tools) -> None:
    # Without a cluster, `lookup` finds no live Secret, so each install gets a fresh password.
    assert (
        render(tools.helm3).secret_data()["redis-password"]
        != render(tools.helm3).secret_data()["redis-password"]
    )


def test_synth_shares_a_readwriteonce_volume_on_one_node(tools: Tools) -> None:
    r = render(tools.helm3)
    pvc = r.get("PersistentVolumeClaim", "synth-data")
    assert pvc["spec"]["accessModes"] == ["ReadWriteOnce"]
    assert pvc["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    worker = r.get("Deployment", "synth-worker")["spec"]["template"]["spec"]
    term = worker["affinity"]["podAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][0]
    assert term["topologyKey"] == "kubernetes.io/hostname"
    assert term["labelSelector"]["matchLabels"]["app.kubernetes.io/component"] == "synth-api"
    assert r.get("Deployment", "synth-api")["spec"]["strategy"]["type"] == "Recreate"
    env = env_of(container(r.get("Deployment", "synth-worker")))
    assert env["XCODER_SYNTH_JUDGE_URL"]["value"] == "http://rel-xcoder-judge-api:8000"
    rwx = render(tools.helm3, sets={"synth.persistence.accessModes[0]": "ReadWriteMany"})
    assert "affinity" not in rwx.get("Deployment", "synth-worker")["spec"]["template"]["spec"]


def test_synth_can_be_left_out(tools: Tools) -> None:
    r = render(tools.helm3, sets={"synth.enabled": "false"})
    assert r.names("Deployment") == {"rel-xcoder-judge-api", "rel-xcoder-judge-worker"}
    assert not r.all("PersistentVolumeClaim")
    redis_np = r.get("NetworkPolicy", "redis")
    components = {
        p["podSelector"]["matchLabels"]["app.kubernetes.io/component"]
        for p in redis_np["spec"]["ingress"][0]["from"]
    }
    assert components == {"judge-api", "judge-worker"}


# ------------------------------------------------------------------ network policy


def _egress_ports(policy: dict[str, Any]) -> list[tuple[str, int]]:
    return sorted(
        (p["protocol"], p["port"]) for rule in policy["spec"]["egress"] for p in rule.get("ports", [])
    )


def test_workers_reach_only_redis_and_dns(tools: Tools) -> None:
    r = render(tools.helm3)
    np = r.get("NetworkPolicy", "judge-worker")
    assert np["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == "judge-worker"
    assert np["spec"]["policyTypes"] == ["Ingress", "Egress"]
    assert np["spec"]["ingress"] == []
    dns, to_redis = np["spec"]["egress"]
    assert _egress_ports(np) == [("TCP", 53), ("TCP", 6379), ("UDP", 53)]
    assert dns["to"][0]["podSelector"]["matchLabels"] == {"k8s-app": "kube-dns"}
    assert to_redis["to"] == [
        {
            "podSelector": {
                "matchLabels": {
                    "app.kubernetes.io/name": "xcoder",
                    "app.kubernetes.io/instance": "rel",
                    "app.kubernetes.io/component": "redis",
                }
            }
        }
    ]
    redis = r.get("NetworkPolicy", "redis")
    assert redis["spec"]["egress"] == []
    # Every pod of the release is selected by some policy (default deny for everything).
    selected = {
        p["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/component"] for p in r.all("NetworkPolicy")
    }
    assert selected == {"judge-api", "judge-worker", "redis", "synth-api", "synth-worker", "test"}


def test_network_policy_can_be_disabled(tools: Tools) -> None:
    assert not render(tools.helm3, sets={"networkPolicy.enabled": "false"}).all("NetworkPolicy")


# ------------------------------------------------------------------ value sets from the issue


def test_api_keys_value_set(tools: Tools) -> None:
    r = render(tools.helm3, "api-keys")
    data = r.secret_data()
    entries = data["judge-api-keys"].split(",")
    assert entries[:2] == ["team-a:submit:trainer-key-1", "trainer-key-2"]
    assert entries[2].startswith("team-b:submit+read:sha256:") and len(entries) == 3
    # The judge reads the Secret's list as its key ring: the tenants, roles and hash as written.
    from xcoder_judge.service.api.keyring import KeyRing

    ring = KeyRing.parse(data["judge-api-keys"])
    assert ring.identify("trainer-key-1").tenant == "team-a"
    assert ring.identify("trainer-b-key").tenant == "team-b"
    assert data["synth-api-keys"] == "synth-key"
    assert data["synth-judge-api-key"] == "trainer-key-1"  # the KEY of the first TENANT:ROLES:KEY
    api_env = env_of(container(r.get("Deployment", "judge-api")))
    assert api_env["XCODER_JUDGE_METRICS_REQUIRE_KEY"]["value"] == "true"
    assert "XCODER_JUDGE_METRICS_REQUIRE_KEY" not in env_of(
        container(render(tools.helm3).get("Deployment", "judge-api"))
    )
    assert data["synth-llm-api-key"] == "sk-test-llm"
    assert data["redis-password"] == "fixed-redis-password"
    assert data["judge-redis-url"] == "redis://:fixed-redis-password@rel-xcoder-redis.judge.svc:6379/0"
    api_np = r.get("NetworkPolicy", "judge-api")
    assert api_np["spec"]["ingress"][0]["from"] == [
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "training"}}}
    ]
    synth_np = r.get("NetworkPolicy", "synth-worker")
    assert {"protocol": "TCP", "port": 443} in [
        p for rule in synth_np["spec"]["egress"] for p in rule.get("ports", [])
    ]
    assert {} not in synth_np["spec"]["egress"]
    # The secret's content feeds the pods' checksum annotation: a key change rolls the pods.
    default_checksum = render(tools.helm3, sets={"redis.password": "fixed-redis-password"}).get(
        "Deployment", "judge-api"
    )["spec"]["template"]["metadata"]["annotations"]["checksum/secret"]
    assert (
        r.get("Deployment", "judge-api")["spec"]["template"]["metadata"]["annotations"]["checksum/secret"]
        != default_checksum
    )
    assert "Authentication:            on (3 key(s))" in notes(tools, "-f", VALUES_DIR / "api-keys.yaml")
    assert "Authentication:            OFF" in notes(tools)


def test_synth_needs_its_own_judge_key_when_the_first_is_a_hash(tools: Tools) -> None:
    hashed = {"judge.apiKeys[0]": "team-a:submit:sha256:" + "ab" * 32}
    proc = helm_template(tools.helm3, sets=hashed, check=False)
    assert proc.returncode != 0 and "set synth.judgeApiKey" in proc.stderr
    r = render(tools.helm3, sets={**hashed, "synth.judgeApiKey": "team-a-trainer-key"})
    assert r.secret_data()["synth-judge-api-key"] == "team-a-trainer-key"


def test_external_redis_value_set(tools: Tools) -> None:
    r = render(tools.helm3, "external-redis")
    assert not r.all("StatefulSet")
    assert r.names("Service") == {"rel-xcoder-judge-api", "rel-xcoder-synth-api"}
    assert r.maybe("NetworkPolicy", "redis") is None
    data = r.secret_data()
    assert data["judge-redis-url"] == "rediss://:s3cr%2Ft@redis.example.internal:6380/3"
    assert data["synth-redis-url"] == "rediss://:s3cr%2Ft@redis.example.internal:6380/4"
    worker_np = r.get("NetworkPolicy", "judge-worker")
    assert worker_np["spec"]["egress"][1] == {
        "to": [{"ipBlock": {"cidr": "10.20.0.0/24"}}],
        "ports": [{"protocol": "TCP", "port": 6380}],
    }


def test_external_redis_needs_a_url(tools: Tools) -> None:
    proc = helm_template(tools.helm3, sets={"redis.enabled": "false"}, check=False)
    assert proc.returncode != 0 and "set redis.external.url" in proc.stderr
    proc = helm_template(
        tools.helm3, sets={"redis.enabled": "false", "redis.external.url": "http://x:1/0"}, check=False
    )
    assert proc.returncode != 0  # the schema's pattern, before any template runs


def test_keda_value_set(tools: Tools) -> None:
    from xcoder_judge.service.queue import keys

    r = render(tools.helm3, "keda")
    assert r.names("HorizontalPodAutoscaler") == {"rel-xcoder-judge-api"}  # KEDA owns the worker's HPA
    scaled = r.get("ScaledObject", "judge-worker")
    assert scaled["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "rel-xcoder-judge-worker",
    }
    assert scaled["spec"]["minReplicaCount"] == 0
    triggers = scaled["spec"]["triggers"]
    # The chart's list names are the judge's own queue keys.
    assert [t["metadata"]["listName"] for t in triggers] == [keys.queue_key(p) for p in keys.PRIORITIES]
    for t in triggers:
        assert t["type"] == "redis"
        assert t["metadata"]["address"] == "rel-xcoder-redis.judge.svc:6379"
        assert t["metadata"]["databaseIndex"] == "0"
        assert t["metadata"]["enableTLS"] == "false"
        assert t["authenticationRef"] == {"name": "rel-xcoder-judge-worker-redis"}
    auth = r.all("TriggerAuthentication")[0]
    assert auth["spec"]["secretTargetRef"] == [
        {"parameter": "password", "name": "rel-xcoder", "key": "redis-password"}
    ]
    assert "replicas" not in r.get("Deployment", "judge-worker")["spec"]
    # Scaled to zero there is no live worker, so readiness must not wait for one.
    assert container(r.get("Deployment", "judge-api"))["readinessProbe"]["httpGet"]["path"] == "/healthz"
    redis_np = r.get("NetworkPolicy", "redis")
    assert {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "keda"}},
        "podSelector": {"matchLabels": {"app": "keda-operator"}},
    } in redis_np["spec"]["ingress"][0]["from"]


def test_keda_with_external_redis_parses_the_url(tools: Tools) -> None:
    r = render(tools.helm3, "external-redis+keda")
    for t in r.get("ScaledObject", "judge-worker")["spec"]["triggers"]:
        assert t["metadata"]["address"] == "redis.example.internal:6380"
        assert t["metadata"]["databaseIndex"] == "3"
        assert t["metadata"]["enableTLS"] == "true"
    assert r.secret_data()["redis-password"] == "s3cr/t"
    proc = helm_template(
        tools.helm3,
        value_files=VALUE_SETS["external-redis+keda"],
        sets={"redis.external.password": ""},
        check=False,
    )
    assert proc.returncode != 0 and "percent-encoded password" in proc.stderr


def test_keda_without_the_crd_fails_with_a_clear_message(tools: Tools) -> None:
    proc = helm_template(tools.helm3, value_files=VALUE_SETS["keda"], keda_api=False, check=False)
    assert proc.returncode != 0
    assert "needs KEDA" in proc.stderr


# ------------------------------------------------------------------ Prometheus Operator monitor

MONITOR_APIS = ("monitoring.coreos.com/v1/ServiceMonitor", "monitoring.coreos.com/v1/PodMonitor")


def _monitor_validator(kind: str) -> Any:
    import jsonschema
    from cloudcoil.models.prometheus_operator import v1

    return jsonschema.Draft202012Validator(strict_json_schema(getattr(v1, kind)))


def test_no_monitor_by_default(tools: Tools) -> None:
    r = render(tools.helm3, api_versions=MONITOR_APIS)
    assert not r.all("ServiceMonitor") and not r.all("PodMonitor")


@pytest.mark.parametrize("kind", ["ServiceMonitor", "PodMonitor"])
def test_the_monitor_scrapes_metrics_on_every_api_pod(tools: Tools, kind: str) -> None:
    sets = {
        "judge.api.monitor.enabled": "true",
        "judge.api.monitor.kind": kind,
        "judge.api.monitor.interval": "15s",
        "judge.api.monitor.labels.release": "prometheus",
    }
    for helm in tools.helms.values():
        r = Rendered(helm_template(helm, sets=sets, api_versions=MONITOR_APIS).stdout)
        (monitor,) = r.all(kind)
        errors = list(_monitor_validator(kind).iter_errors(monitor))
        assert not errors, [f"{'.'.join(map(str, e.path))}: {e.message}" for e in errors]
        assert monitor["metadata"]["labels"]["release"] == "prometheus"
        assert monitor["spec"]["namespaceSelector"] == {"matchNames": ["judge"]}
        (endpoint,) = monitor["spec"]["endpoints" if kind == "ServiceMonitor" else "podMetricsEndpoints"]
        assert endpoint["path"] == "/metrics" and endpoint["interval"] == "15s"
        selector = monitor["spec"]["selector"]["matchLabels"]
        # what it selects, and the named port on it, are the API's
        if kind == "ServiceMonitor":
            target = r.get("Service", "judge-api")
            labels, ports = target["metadata"]["labels"], [p["name"] for p in target["spec"]["ports"]]
        else:
            target = r.get("Deployment", "judge-api")
            labels = target["spec"]["template"]["metadata"]["labels"]
            ports = [p["name"] for p in container(target)["ports"]]
        assert selector.items() <= labels.items() and endpoint["port"] in ports
        others = [d for d in r.docs if d["kind"] == target["kind"] and d is not target]
        assert not [d for d in others if selector.items() <= d["metadata"].get("labels", {}).items()]


def test_the_monitor_without_the_operator_fails_with_a_clear_message(tools: Tools) -> None:
    proc = helm_template(tools.helm3, sets={"judge.api.monitor.enabled": "true"}, check=False)
    assert proc.returncode != 0
    assert (
        "needs the Prometheus Operator" in proc.stderr
        and "monitoring.coreos.com/v1/ServiceMonitor" in proc.stderr
    )


# ------------------------------------------------------------------ values schema


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ({"judge.worker.slots": "0"}, "slots"),
        ({"judge.wrokers": "1"}, "wrokers"),
        ({"judge.worker.sandbox.capabilities[6]": "SYS_PTRACE"}, "capabilities"),
        ({"judge.apiKeys[0]": "short"}, "apiKeys"),
        ({"judge.worker.sandbox.seccompProfile.type": "Localhost"}, "localhostProfile"),
        ({"redis.judgeDatabase": "15"}, "judgeDatabase"),
        ({"judge.api.monitor.kind": "Probe"}, "kind"),
        ({"judge.api.monitor.interval": "often"}, "interval"),
    ],
)
def test_values_schema_rejects_bad_values(tools: Tools, setting: dict[str, str], message: str) -> None:
    for helm in tools.helms.values():
        proc = helm_template(helm, sets=setting, check=False)
        assert proc.returncode != 0
        assert message in proc.stderr


def test_reserved_config_keys_are_refused(tools: Tools) -> None:
    proc = helm_template(tools.helm3, sets={"judge.config.REDIS_URL": "redis://elsewhere"}, check=False)
    assert proc.returncode != 0 and "judge.config.REDIS_URL is set by the chart" in proc.stderr


def test_every_value_is_documented() -> None:
    """values.yaml: every key has a comment line above it (or is inside a documented block)."""
    lines = (CHART / "values.yaml").read_text().splitlines()
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    schema = yaml.safe_load((CHART / "values.schema.json").read_text())

    def covered(node: dict[str, Any], schema_node: dict[str, Any], path: str) -> None:
        props = schema_node.get("properties", {})
        for key, value in node.items():
            assert key in props, f"{path}{key} is missing from values.schema.json"
            if isinstance(value, dict) and props[key].get("properties"):
                covered(value, props[key], f"{path}{key}.")

    covered(values, schema, "")
    top_level = [i for i, line in enumerate(lines) if re.match(r"^[a-zA-Z]\w*:", line)]
    for i in top_level:
        assert lines[i - 1].startswith("#") or lines[i - 1].startswith("  #"), f"undocumented: {lines[i]}"


@pytest.mark.parametrize("value_set", list(VALUE_SETS))
def test_every_setting_passed_is_one_the_services_read(tools: Tools, value_set: str) -> None:
    r = render(tools.helm3, value_set)
    names: set[str] = set()
    for cm in r.all("ConfigMap"):
        names |= set(cm["data"])
    for kind in ("Deployment", "StatefulSet"):
        for obj in r.all(kind):
            for c in obj["spec"]["template"]["spec"]["containers"]:
                names |= {e["name"] for e in c.get("env", [])}
    assert {"XCODER_JUDGE_REDIS_URL", "XCODER_JUDGE_SLOTS", "XCODER_SYNTH_JUDGE_URL"} <= names
    assert unknown_settings(names) == set()
