"""A real run of the learning loop, for the closing note of issue 18 (not part of the product).

    python tools/loop_run.py start     start the product on free ports (var/loop-run), a copy
                                       of models/clinic.tar.gz as its live model
    python tools/loop_run.py talk      send tools/loop_run_messages.csv as new patients
    python tools/loop_run.py score OUT the yardstick's own score.py and score_multiturn.py
                                       against the running product (measurement only)
    python tools/loop_run.py stop

Labelling, training, activating and rolling back are done in the staff console it serves
(an admin: python -m clinic_assistant create-admin with CLINIC_* of var/loop-run/env.json).
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import replace
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
RUN = ROOT / "var" / "loop-run"
YARDSTICK = ROOT.parent / "shared" / "eval"


def start() -> None:
    from clinic_assistant.runtime.stack import free_port
    from tests.support.stack import stack_settings

    RUN.mkdir(parents=True, exist_ok=True)
    live = RUN / "live" / "clinic.tar.gz"
    live.parent.mkdir(exist_ok=True)
    shutil.copyfile(ROOT / "models" / "clinic.tar.gz", live)
    settings = replace(stack_settings(ROOT, RUN), live_model=live, releases_dir=RUN / "releases")
    ports = {"rasa": free_port(), "actions": free_port(), "web": free_port()}
    token = uuid.uuid4().hex
    (RUN / "env.json").write_text(json.dumps({**settings.to_env(), "ports": ports,
                                              "token": token}))  # fmt: skip
    log = open(RUN / "stack.log", "w")  # noqa: SIM115 (the started process keeps it)
    process = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "serve"],
                               stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
                               start_new_session=True)  # fmt: skip
    (RUN / "pid").write_text(str(process.pid))
    print(f"started (pid {process.pid}); console http://localhost:{ports['web']}/console")


def serve() -> None:
    from clinic_assistant.provisioning import prepare_database
    from clinic_assistant.runtime.stack import Stack, StackConfig
    from clinic_assistant.settings import Settings

    env = json.loads((RUN / "env.json").read_text())
    ports, token = env.pop("ports"), env.pop("token")
    settings = Settings.from_env(env)
    prepare_database(settings)
    stack = Stack(StackConfig(settings=settings, model=settings.live_model, run_dir=RUN / "run",
                              rasa_port=ports["rasa"], action_port=ports["actions"],
                              web_port=ports["web"], api_token=token))  # fmt: skip
    stack.start()
    print("ready", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: (stack.stop(), sys.exit(0)))
    while True:
        time.sleep(1)


def _rasa_url() -> str:
    return f"http://localhost:{json.loads((RUN / 'env.json').read_text())['ports']['rasa']}"


def talk() -> None:
    lines = (ROOT / "tools" / "loop_run_messages.csv").read_text().splitlines()
    rows = list(csv.DictReader(line for line in lines if not line.startswith("#")))
    for row in rows:
        body = {"sender": f"loop-{uuid.uuid4().hex[:10]}", "message": row["text"],
                "message_id": uuid.uuid4().hex}  # fmt: skip
        reply = requests.post(f"{_rasa_url()}/webhooks/rest/webhook", json=body, timeout=60)
        topics = [m["custom"]["topic"] for m in reply.json() if "custom" in m]
        print(f"{'/'.join(topics):35} {row['text']}")


def score(out: str) -> None:
    base = _rasa_url()
    for script, name in (("score.py", "single"), ("score_multiturn.py", "multiturn")):
        target = ROOT / "results" / "loop-run" / f"{out}-{name}.json"
        result = subprocess.run([sys.executable, str(YARDSTICK / script), base, "--json",
                                 str(target)], capture_output=True, text=True)  # fmt: skip
        (target.with_suffix(".txt")).write_text(result.stdout + result.stderr)
        print(result.stdout[-1500:])


def stop() -> None:
    os.killpg(int((RUN / "pid").read_text()), signal.SIGTERM)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    command = sys.argv[1]
    {"start": start, "serve": serve, "talk": talk, "stop": stop}.get(
        command, lambda: score(sys.argv[2])
    )()
