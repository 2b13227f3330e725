from pathlib import Path

import yaml

from clinic_assistant.runtime.stack import StackConfig, endpoints
from clinic_assistant.settings import Settings


def test_the_committed_endpoints_file_matches_what_the_run_command_uses(
    project_root: Path,
) -> None:
    settings = Settings.from_env({"CLINIC_ROOT": str(project_root)})
    config = StackConfig(settings=settings, model=Path("m"), run_dir=Path("r"))
    generated = endpoints(config)
    committed = yaml.safe_load((project_root / "endpoints.yml").read_text())
    committed["tracker_store"]["db"] = str(project_root / committed["tracker_store"]["db"])
    assert committed == generated
