"""The production proxy on one machine (nginx, deploy/nginx/clinic.conf.j2) and the cluster's
ingress (deploy/kubernetes/ingress.yaml) send the same public paths to the same backends, and
limit the same things: a route added to one and not the other fails here."""

from __future__ import annotations

import re
from pathlib import Path

import crossplane
import pytest
import yaml

from clinic_assistant.runtime.cluster import ClusterConfig, nginx_conf
from clinic_assistant.settings import Settings

# A location with one of these modifiers matches the path exactly; without one, as a prefix.
EXACT, PREFIX = "Exact", "Prefix"


@pytest.fixture(scope="module")
def nginx(project_root: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The rendered configuration of the local production topology, as nginx parses it."""
    settings = Settings.from_env({"CLINIC_ROOT": str(project_root)})
    config = ClusterConfig(settings=settings, model=Path("model.tar.gz"),
                           run_dir=tmp_path_factory.mktemp("nginx"), api_token="token")  # fmt: skip
    path = config.run_dir / "nginx.conf"
    path.write_text(nginx_conf(config))
    # Not strict: crossplane takes the entries of a `map` block for unknown directives.
    parsed = crossplane.parse(str(path), single=True, check_ctx=True)
    assert parsed["status"] == "ok", parsed["errors"]
    (http,) = _blocks(parsed["config"][0]["parsed"], "http")
    listen = [f"127.0.0.1:{config.public_port}"]
    public = [server for server in _blocks(http, "server")
              if _args(server["block"], "listen") == listen]  # fmt: skip
    assert len(public) == 1
    return {"http": http, "public": public[0]["block"]}


@pytest.fixture(scope="module")
def ingress(project_root: Path) -> dict:
    (manifest,) = yaml.safe_load_all((project_root / "deploy/kubernetes/ingress.yaml").read_text())
    return manifest


def _blocks(directives: list[dict], name: str) -> list[dict]:
    return [d["block"] if name == "http" else d for d in directives if d["directive"] == name]


def _args(directives: list[dict], name: str) -> list[str] | None:
    return next((d["args"] for d in directives if d["directive"] == name), None)


def nginx_routes(public: list[dict]) -> set[tuple[str, str, str]]:
    """(path, match, backend) of each location that passes requests on to a backend."""
    routes = set()
    for location in _blocks(public, "location"):
        target = _args(location["block"], "proxy_pass")
        if target is None:
            continue
        *modifier, path = location["args"]
        assert modifier in ([], ["="]), f"no ingress equivalent for location {location['args']}"
        routes.add((path, EXACT if modifier else PREFIX, target[0].removeprefix("http://")))
    return routes


def ingress_routes(ingress: dict) -> set[tuple[str, str, str]]:
    return {
        (path["path"], path["pathType"], path["backend"]["service"]["name"])
        for rule in ingress["spec"]["rules"]
        for path in rule["http"]["paths"]
    }


def ingress_backend(ingress: dict, request_path: str) -> str:
    """The Service the ingress sends a path to: an exact match, else the longest prefix."""
    routes = ingress_routes(ingress)
    exact = [backend for path, kind, backend in routes if kind == EXACT and path == request_path]
    if exact:
        return exact[0]
    prefixes = [(len(path), backend) for path, kind, backend in routes if kind == PREFIX
                and (path == "/" or request_path.rstrip("/") == path.rstrip("/")
                     or request_path.startswith(path.rstrip("/") + "/"))]  # fmt: skip
    return max(prefixes)[1]


def test_nginx_and_the_ingress_send_the_same_paths_to_the_same_backends(
    nginx: dict, ingress: dict
) -> None:
    local, cluster = nginx_routes(nginx["public"]), ingress_routes(ingress)
    assert ("/webhooks/rest/webhook", EXACT, "clinic-rasa") in local
    assert local - cluster == set(), "routes only in nginx"
    assert cluster - local == set(), "routes only in the ingress"


def test_paths_nginx_refuses_are_never_sent_to_rasa_by_the_ingress(
    nginx: dict, ingress: dict
) -> None:
    refused = [location["args"] for location in _blocks(nginx["public"], "location")
               if _args(location["block"], "return") == ["404"]]  # fmt: skip
    assert refused, "nginx no longer refuses Rasa's HTTP API"
    for modifier, pattern in refused:
        assert modifier == "~"
        names = re.fullmatch(r"\^/\((.+)\)", pattern).group(1).split("|")
        for name in names:
            for path in (f"/{name}", f"/{name}/x"):
                assert re.match(pattern, path)
                assert ingress_backend(ingress, path) != "clinic-rasa", path


def test_nginx_and_the_ingress_limit_body_size_and_request_rate_alike(
    nginx: dict, ingress: dict
) -> None:
    annotations = ingress["metadata"]["annotations"]
    assert _args(nginx["http"], "client_max_body_size") == [
        annotations["nginx.ingress.kubernetes.io/proxy-body-size"]
    ]
    zone = _args(nginx["http"], "limit_req_zone")
    assert f"rate={annotations['nginx.ingress.kubernetes.io/limit-rps']}r/s" in zone
