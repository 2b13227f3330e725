"""Build the project's own spaCy pipeline: a blank English pipeline plus an entity ruler.

No pretrained spaCy pipeline can be installed on the machines this runs on, so the pipeline that
`config.yml` points at is built here from the patterns kept as data in
``data/entities/patterns.jsonl`` (one JSON object per line: label, pattern, canonical id).

Usage: python -m clinic_nlu.components.spacy_pipeline PATTERNS OUTPUT_DIR
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language

PIPELINE_NAME = "clinic_en"


def read_patterns(path: Path) -> list[dict]:
    """Read and check the JSONL patterns, naming the line of the first bad one."""
    patterns = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            pattern = json.loads(line)
        except json.JSONDecodeError as error:
            raise ValueError(f"{path}:{number}: not valid JSON ({error.msg})") from error
        missing = {"label", "pattern", "id"} - pattern.keys()
        if missing:
            raise ValueError(f"{path}:{number}: missing {', '.join(sorted(missing))}")
        patterns.append(pattern)
    if not patterns:
        raise ValueError(f"{path}: no patterns")
    return patterns


def build_pipeline(patterns: list[dict]) -> Language:
    # Imported here, not at the top: spaCy's import takes seconds (with TensorFlow, which thinc
    # looks for, 10 s) that the up-to-date check before every training need not pay.
    import spacy

    nlp = spacy.blank("en")
    # LOWER: patients do not capitalise consistently ("tap flap", "Lipomodelling"); acronyms
    # that are also common words (TAP, LD) are ORTH token patterns in the data instead.
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER", "validate": True})
    ruler.add_patterns(patterns)
    return nlp


def patterns_digest(patterns_path: Path) -> str:
    return hashlib.sha256(patterns_path.read_bytes()).hexdigest()


def build(patterns_path: Path, output_dir: Path) -> bool:
    """Build the pipeline into ``output_dir`` unless it is already built from these patterns.

    Returns True when it (re)built the pipeline.
    """
    digest = patterns_digest(patterns_path)
    stamp = output_dir / "patterns.sha256"
    if stamp.exists() and stamp.read_text().strip() == digest:
        return False
    nlp = build_pipeline(read_patterns(patterns_path))
    nlp.meta["name"] = PIPELINE_NAME
    nlp.meta["version"] = "1.0.0"
    nlp.meta["description"] = f"Blank English + entity ruler built from {patterns_path.name}"
    # Build beside the target and swap it in, so a failed build never leaves half a pipeline.
    output_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{output_dir.name}-", dir=output_dir.parent))
    nlp.to_disk(staging)
    (staging / stamp.name).write_text(digest + "\n")
    shutil.rmtree(output_dir, ignore_errors=True)
    staging.rename(output_dir)
    return True


def without_tensorflow() -> None:
    """Make TensorFlow unimportable in this process (the command line's own).

    thinc imports TensorFlow when it is installed, to offer its layers; a blank pipeline with
    an entity ruler uses none, and the import was 7 of the 10 s a build took. The pipeline
    built is the same, file for file.
    """
    sys.modules.setdefault("tensorflow", None)  # type: ignore[arg-type]


def main() -> None:
    without_tensorflow()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("patterns", type=Path)
    parser.add_argument("output_dir", type=Path)
    args = parser.parse_args()
    built = build(args.patterns, args.output_dir)
    print(f"spaCy pipeline {'built' if built else 'up to date'}: {args.output_dir}")


if __name__ == "__main__":
    main()
