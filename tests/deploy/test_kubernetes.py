"""The Kubernetes manifests in deploy/k8s/, read without a cluster: each API and worker runs the
same command as in docker-compose.yml, APIs are probed on /readyz and /healthz, each worker
scales on its own queue's length, the ingress routes the prefixes the gateway routes, and every
config map and secret a pod names exists."""

from typing import Any

import pytest

from shared.events import SERVICES
from tests.deploy.compose import OURS, WORKERS, stop_budget
from tests.deploy.manifests import DOCUMENTS, container_env, find


def pod(kind: str, name: str) -> dict[str, Any]:
    spec: dict[str, Any] = find(kind, name)["spec"]["template"]["spec"]
    return spec


@pytest.mark.parametrize("service", SERVICES)
def test_apis_and_workers_run_the_compose_commands_and_are_probed(service: str) -> None:
    [api] = pod("Deployment", f"{service}-api")["containers"]
    assert api["command"] == OURS[f"{service}-api"]["command"]
    assert api["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert api["livenessProbe"]["httpGet"]["path"] == "/healthz"
    worker_pod = pod("Deployment", f"{service}-worker")
    [worker] = worker_pod["containers"]
    assert worker["command"] == OURS[f"{service}-worker"]["command"]
    assert worker_pod["terminationGracePeriodSeconds"] >= 30
    assert find("HorizontalPodAutoscaler", f"{service}-api")["spec"]["scaleTargetRef"][
        "name"] == f"{service}-api"


@pytest.mark.parametrize("name", WORKERS)
def test_each_worker_pod_is_given_the_time_its_settings_need_to_stop(
        name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = pod("Deployment", name)
    [container] = spec["containers"]
    assert container["command"] == OURS[name]["command"]
    needed = stop_budget(name, container_env(container), monkeypatch)
    assert spec["terminationGracePeriodSeconds"] >= needed, (name, needed)


@pytest.mark.parametrize("service", SERVICES)
def test_each_worker_scales_on_its_own_queue(service: str) -> None:
    scaled = find("ScaledObject", f"{service}-worker")["spec"]
    assert scaled["scaleTargetRef"]["name"] == f"{service}-worker"
    [trigger] = scaled["triggers"]
    assert trigger["type"] == "redis" and trigger["metadata"]["listName"] == service
    assert int(trigger["metadata"]["listLength"]) > 0
    assert scaled["maxReplicaCount"] > scaled["minReplicaCount"] >= 1


def test_the_ingress_routes_what_the_gateway_routes() -> None:
    [rule] = find("Ingress", "burg")["spec"]["rules"]
    routes = {p["path"]: p["backend"]["service"] for p in rule["http"]["paths"]}
    assert set(routes) == {"/api/posts/", "/api/comments/", "/notify/", "/feeds/",
                           "/api/search/", "/"}
    for backend in routes.values():
        service = find("Service", backend["name"])
        assert backend["port"]["number"] in [p["port"] for p in service["spec"]["ports"]]


def test_every_named_config_map_and_secret_exists() -> None:
    pods = [d["spec"]["template"]["spec"] for d in DOCUMENTS
            if d["kind"] in ("Deployment", "Job")]
    names = {(d["kind"], d["metadata"]["name"]) for d in DOCUMENTS}
    for spec in pods:
        for container in spec["containers"]:
            for source in container.get("envFrom", []):
                if "configMapRef" in source:
                    assert ("ConfigMap", source["configMapRef"]["name"]) in names
                else:
                    assert ("Secret", source["secretRef"]["name"]) in names
    job = pod("Job", "burg-migrate")
    assert job["containers"][0]["command"] == OURS["migrate"]["command"]


def test_only_notify_pods_get_the_key_that_opens_addresses() -> None:
    [keys] = [d for d in DOCUMENTS if d["kind"] == "Secret"
              and "BURG_NOTIFY_PRIVATE_KEYS" in d.get("stringData", {})]
    for document in DOCUMENTS:
        if document["kind"] not in ("Deployment", "Job"):
            continue
        for container in document["spec"]["template"]["spec"]["containers"]:
            secrets = {s["secretRef"]["name"] for s in container.get("envFrom", [])
                       if "secretRef" in s}
            notify = document["metadata"]["name"].startswith("notify-")
            assert (keys["metadata"]["name"] in secrets) == notify, document["metadata"]["name"]
    [api] = pod("Deployment", "comments-api")["containers"]
    maps = [find("ConfigMap", s["configMapRef"]["name"])["data"] for s in api["envFrom"]
            if "configMapRef" in s]
    assert any("BURG_COMMENTS_NOTIFY_PUBLIC_KEY" in data for data in maps)


def test_the_apis_trust_the_forwarded_address_of_the_ingress_and_the_web_only() -> None:
    trusted = find("ConfigMap", "burg")["data"]["BURG_TRUSTED_PROXIES"].split(",")
    assert "*" not in trusted and len(trusted) == 2
    for name in trusted:  # headless services: their names resolve to their pods' addresses
        service, _, namespace = name.partition(".svc")[0].partition(".")
        found = find("Service", service)
        assert found["spec"]["clusterIP"] == "None"
        assert found["metadata"].get("namespace", "") == namespace
    web = find("Deployment", "web")["spec"]["selector"]["matchLabels"]
    assert find("Service", "web-pods")["spec"]["selector"] == web
    for spec in (pod("Deployment", f"{s}-api") for s in SERVICES):
        assert "--no-proxy-headers" in spec["containers"][0]["command"]
    assert "--no-proxy-headers" in pod("Deployment", "web")["containers"][0]["command"]
