"""How fast a live chat's lines arrive: nurse to patient and patient to nurse (issue 17).

Starts the product on free loopback ports (the default topology: one web app, in-process bus;
the patient's lines come from the action server and reach the web app's streams through its
database check), then, in one conversation with a nurse in it:

- nurse to patient: the console's send (HTTP POST) to the line arriving on the patient's
  Server-Sent Events stream, 100 messages;
- patient to nurse: the webhook POST (Rasa, NLU, the action server, triage, the database) to
  the line arriving on the nurse's stream, 100 messages.

    .venv/bin/python -m bench.live_latency [--messages 100] [--redis redis://127.0.0.1:6379/8]

With ``--redis`` the same stack uses Redis (as the production topology does): the action server
publishes each patient line and the web app's streams wake at once.

Writes bench/results/live-latency.json. The per-conversation rate limit is off for the run
(100 messages a minute is more than a patient can type).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import tempfile
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

import requests

from clinic_assistant.db import Database
from clinic_assistant.provisioning import prepare_database
from clinic_assistant.runtime.model import RasaEnvironment, train
from clinic_assistant.runtime.processes import Supervisor
from clinic_assistant.runtime.stack import Stack, StackConfig, free_port
from clinic_assistant.settings import PROJECT_ROOT, Settings
from clinic_assistant.web.security import Accounts

NURSE, PASSWORD = "bench.nurse", "bench live chat password"
OUT = PROJECT_ROOT / "bench" / "results" / "live-latency.json"
WAIT = 10.0


class Listener(threading.Thread):
    """Reads a Server-Sent Events stream and notes when each line's text first arrived."""

    def __init__(self, session: requests.Session, url: str) -> None:
        super().__init__(daemon=True)
        self.session, self.url = session, url
        self.arrived: dict[str, float] = {}
        self.changed = threading.Condition()

    def run(self) -> None:
        with self.session.get(self.url, stream=True, timeout=(5, None)) as response:
            response.raise_for_status()
            for raw in response.iter_lines(decode_unicode=True):
                if raw and raw.startswith("data:"):
                    line = json.loads(raw[5:])
                    with self.changed:
                        self.arrived.setdefault(line["text"], time.monotonic())
                        self.changed.notify_all()

    def wait_for(self, text: str) -> float:
        with self.changed:
            if not self.changed.wait_for(lambda: text in self.arrived, timeout=WAIT):
                raise TimeoutError(f"{text!r} did not arrive within {WAIT} s")
            return self.arrived[text]


def start(directory: Path, redis_url: str = "") -> Stack:
    settings = Settings.from_env({
        "CLINIC_REDIS_URL": redis_url,
        "CLINIC_ROOT": str(PROJECT_ROOT),
        "CLINIC_DATABASE_URL": f"sqlite:///{directory / 'clinic.db'}",
        "CLINIC_TRACKER_DB": str(directory / "tracker.db"),
        "CLINIC_RATE_PER_CONVERSATION": "0",
        "CLINIC_RATE_PER_ADDRESS": "0",
    })  # fmt: skip
    prepare_database(settings)
    database = Database(settings.database_url)
    with database.unit_of_work() as session:
        Accounts(session, timedelta(minutes=30)).create(NURSE, "Bea Bench", "nurse", PASSWORD)
    database.dispose()
    config = StackConfig(settings=settings, model=train(RasaEnvironment(PROJECT_ROOT)),
                         run_dir=directory / "run", rasa_port=free_port(),
                         action_port=free_port(), web_port=free_port())  # fmt: skip
    stack = Stack(config, Supervisor(log_file=directory / "stack.log"))
    stack.start()
    return stack


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def signed_in_nurse(web: str) -> requests.Session:
    nurse = requests.Session()
    token = csrf(nurse.get(f"{web}/console/login").text)
    nurse.post(f"{web}/console/login", data={"username": NURSE, "password": PASSWORD,
               "csrf_token": token}).raise_for_status()  # fmt: skip
    return nurse


def percentiles(values: list[float]) -> dict:
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"n": len(values), "p50_ms": round(cuts[49], 1), "p95_ms": round(cuts[94], 1),
            "max_ms": round(max(values), 1), "min_ms": round(min(values), 1)}  # fmt: skip


def measure(stack: Stack, messages: int) -> dict:
    web, webhook = stack.config.web_url, stack.config.webhook_url
    sender = f"web-bench-{uuid.uuid4().hex[:10]}"
    first = requests.post(webhook, json={"sender": sender, "message": "/request_nurse",
                                         "secret": ""}, timeout=60).json()  # fmt: skip
    secret = next(m["custom"]["conversation_secret"] for m in first if "custom" in m)
    nurse = signed_in_nurse(web)
    token = csrf(nurse.get(f"{web}/console/live").text)
    nurse.post(f"{web}/console/live/{sender}/join", data={"csrf_token": token}).raise_for_status()
    patient_stream = Listener(requests.Session(), f"{web}/patient/live/stream?sender={sender}"
                              f"&secret={secret}")  # fmt: skip
    nurse_stream = Listener(nurse, f"{web}/console/live/{sender}/stream")
    patient_stream.start()
    nurse_stream.start()
    time.sleep(1)
    to_patient, to_nurse = [], []
    for number in range(messages):
        text = f"Nurse message {number}: how are you feeling today?"
        sent = time.monotonic()
        form = {"csrf_token": token, "text": text}
        sent_to = f"{web}/console/live/{sender}/messages"
        nurse.post(sent_to, data=form, headers={"Accept": "application/json"}).raise_for_status()
        to_patient.append((patient_stream.wait_for(text) - sent) * 1000)
        time.sleep(0.05)
    for number in range(messages):
        text = f"thank you, reply number {number} from me"
        sent = time.monotonic()
        body = {"sender": sender, "message": text, "secret": secret, "message_id": uuid.uuid4().hex}
        requests.post(webhook, json=body, timeout=60).raise_for_status()
        to_nurse.append((nurse_stream.wait_for(text) - sent) * 1000)
        time.sleep(0.05)
    return {"nurse_to_patient": percentiles(to_patient),
            "patient_to_nurse": percentiles(to_nurse)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--redis", default="", help="a Redis URL: lines go through pub/sub")
    args = parser.parse_args()
    topology = ("one web app, SQLite, Redis pub/sub" if args.redis else
                "default: one web app, in-process bus, SQLite")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="clinic-live-bench-") as temp:
        stack = start(Path(temp), args.redis)
        try:
            report = {"topology": topology, **measure(stack, args.messages)}
        finally:
            stack.stop()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1))
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
