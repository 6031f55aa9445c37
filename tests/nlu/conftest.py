"""A loaded model for in-process NLU checks (entities, the safety gate), which `rasa test` skips."""
from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any, Callable, Dict

import pytest

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "microneedling.tar.gz"


@pytest.fixture(scope="session")
def parse() -> Callable[[str], Dict[str, Any]]:
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run `make train` first")
    os.chdir(ROOT)  # SpacyNLP's pipeline path (var/spacy/...) is relative to the project root
    from rasa.core.agent import Agent

    agent = Agent.load(str(MODEL))
    loop = asyncio.new_event_loop()
    return lambda text: loop.run_until_complete(agent.parse_message(text))
