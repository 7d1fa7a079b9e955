"""The Kubernetes manifests in deploy/k8s/ as the deployment tests read them: every document,
one found by kind and name, and the environment a container gets."""

from pathlib import Path
from typing import Any

import yaml

FOLDER = Path(__file__).parents[2] / "deploy" / "k8s"
DOCUMENTS = [doc for path in sorted(FOLDER.glob("*.yaml"))
             for doc in yaml.safe_load_all(path.read_text()) if doc]


def find(kind: str, name: str) -> dict[str, Any]:
    """The one document of `kind` named `name`."""
    [found] = [d for d in DOCUMENTS if d["kind"] == kind and d["metadata"]["name"] == name]
    return found


def container_env(container: dict[str, Any]) -> dict[str, str]:
    """The environment a container gets from its config maps, secrets and own entries."""
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        kind, ref = (("ConfigMap", source["configMapRef"]) if "configMapRef" in source
                     else ("Secret", source["secretRef"]))
        document = find(kind, ref["name"])
        env.update(document.get("data") or document.get("stringData") or {})
    env.update({e["name"]: e["value"] for e in container.get("env", []) if "value" in e})
    return env
