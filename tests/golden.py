"""Golden files for rendered messages: tests/golden/<name>.json. SIGNALROOM_UPDATE_GOLDEN=1 rewrites them
(review the diff before committing)."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from bot.blocks import Message, validate

GOLDEN = Path(__file__).resolve().parent / "golden"


def assert_golden(name: str, rendered: Message | dict[str, Any], *, sort_keys: bool = True) -> None:
    if isinstance(rendered, Message):
        validate(rendered)
        rendered = rendered.payload()
    path = GOLDEN / f"{name}.json"
    actual = json.dumps(rendered, indent=2, ensure_ascii=False, sort_keys=sort_keys) + "\n"
    if os.environ.get("SIGNALROOM_UPDATE_GOLDEN") == "1":
        path.write_text(actual)
    assert path.exists(), f"no golden file {path}: run with SIGNALROOM_UPDATE_GOLDEN=1 once and review it"
    assert actual == path.read_text()
