"""The clinic's details (clinic.yml): the one place its name, phone and hours live."""
from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

import yaml

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "clinic.yml"


@dataclass(frozen=True)
class Clinic:
    name: str
    phone: str
    email: str
    hours: str
    address: str
    emergency_number: str
    follow_up_time: str

    @property
    def tel_uri(self) -> str:
        return "tel:" + "".join(ch for ch in self.phone if ch.isdigit() or ch == "+")


@functools.lru_cache(maxsize=None)
def load_clinic(path: str = "") -> Clinic:
    source = Path(path or os.environ.get("CLINIC_CONFIG") or DEFAULT_PATH)
    raw = yaml.safe_load(source.read_text(encoding="utf-8"))
    return Clinic(**{field: str(raw[field]) for field in Clinic.__dataclass_fields__})
