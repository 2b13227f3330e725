"""The production topology, really running: nginx in front of two Rasa servers and two action
servers, PostgreSQL for both databases (through a proxy a test can cut), Redis as the lock
store and for the rate limits. Started once for the tests of this folder."""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import psycopg
import pytest
import redis

from clinic_assistant.provisioning import prepare_database
from clinic_assistant.runtime.cluster import Cluster, ClusterConfig
from clinic_assistant.runtime.processes import Supervisor
from clinic_assistant.settings import Settings
from tests.conftest import POSTGRES_ADMIN
from tests.production.patients import Patient
from tests.support.stack import free_port
from tests.support.tcp_proxy import TcpProxy

API_TOKEN = "production-tests-token"
REDIS_URL = "redis://127.0.0.1:6379/7"
WIDGET_ORIGIN = "https://www.riverside-clinic.example"
# Low enough for a test to reach, high enough for the load test's conversations.
RATE_PER_CONVERSATION, RATE_PER_ADDRESS = 12, 20


@dataclass
class Production:
    cluster: Cluster
    database_proxy: TcpProxy
    directory: Path
    tracker_database: str
    app_database: str

    @property
    def config(self) -> ClusterConfig:
        return self.cluster.config

    @property
    def public_port(self) -> int:
        return self.config.public_port

    def patient(self, address: str = "127.0.0.1", port: int | None = None) -> Patient:
        return Patient(port or self.public_port, f"patient-{uuid.uuid4().hex[:12]}", address)

    def tracker_events(self, conversation: str) -> list[dict]:
        """The conversation's events as stored, read straight from PostgreSQL."""
        with psycopg.connect(f"{POSTGRES_ADMIN} dbname={self.tracker_database}") as db:
            rows = db.execute(
                "SELECT data FROM events WHERE sender_id = %s ORDER BY id", (conversation,)
            ).fetchall()
        return [json.loads(data) for (data,) in rows]

    def app_rows(self, query: str, *params: object) -> list[tuple]:
        with psycopg.connect(f"{POSTGRES_ADMIN} dbname={self.app_database}") as db:
            return db.execute(query, params).fetchall()

    def logs(self) -> str:
        return (self.directory / "cluster.log").read_text(errors="replace")


def _create_database(name: str) -> None:
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')


def _drop_database(name: str) -> None:
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def production_settings(project_root: Path, proxy_port: int, app_db: str, tracker_db: str):
    return Settings.from_env({
        "CLINIC_ROOT": str(project_root),
        "CLINIC_DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:{proxy_port}/{app_db}",
        "CLINIC_TRACKER_URL": f"postgresql://postgres@127.0.0.1:{proxy_port}/{tracker_db}",
        "CLINIC_REDIS_URL": REDIS_URL,
        "CLINIC_NAME": "Riverside Breast Unit",
        "CLINIC_TEAM_PHONE": "01632 960 123",
        "CLINIC_EMERGENCY_NUMBER": "999",
        "CLINIC_WIDGET_ORIGINS": WIDGET_ORIGIN,
        "CLINIC_RATE_PER_CONVERSATION": str(RATE_PER_CONVERSATION),
        "CLINIC_RATE_PER_ADDRESS": str(RATE_PER_ADDRESS),
    })  # fmt: skip


@pytest.fixture(scope="session")
def production(
    tmp_path_factory: pytest.TempPathFactory, project_root: Path, trained_model: Path
) -> Iterator[Production]:
    directory = tmp_path_factory.mktemp("production")
    suffix = uuid.uuid4().hex[:10]
    app_db, tracker_db = f"clinic_prod_{suffix}", f"clinic_prod_tracker_{suffix}"
    for name in (app_db, tracker_db):
        _create_database(name)
    redis.Redis.from_url(REDIS_URL).flushdb()
    proxy = TcpProxy(("127.0.0.1", 5432))
    settings = production_settings(project_root, proxy.port, app_db, tracker_db)
    prepare_database(settings)
    # The cluster's own copy of the model: activating another (test_model_activation) makes
    # that file the one a restarted server loads, and must not touch the project's model.
    model = directory / "model" / "clinic.tar.gz"
    model.parent.mkdir()
    shutil.copyfile(trained_model, model)
    settings = replace(settings, live_model=model, releases_dir=directory / "releases")
    config = ClusterConfig(
        settings=settings, model=model, run_dir=directory / "run", api_token=API_TOKEN,
        rasa_ports=(free_port(), free_port()), action_ports=(free_port(), free_port()),
        web_port=free_port(), more_web_ports=(free_port(),), public_port=free_port(),
        internal_port=free_port(),
    )  # fmt: skip
    cluster = Cluster(config, Supervisor(log_file=directory / "cluster.log"))
    try:
        cluster.start(timeout=420)
    except Exception:
        print((directory / "cluster.log").read_text(errors="replace")[-20000:])
        raise
    running = Production(cluster, proxy, directory, tracker_db, app_db)
    yield running
    cluster.stop()
    proxy.close()
    for name in (app_db, tracker_db):
        _drop_database(name)
