"""actions.clinic: the clinic's details come from clinic.yml (or CLINIC_CONFIG)."""
from __future__ import annotations

import dataclasses

import pytest

from actions.clinic import Clinic, load_clinic


def test_details_are_read_from_clinic_yml(clinic_config):
    clinic = load_clinic()
    for field in dataclasses.fields(Clinic):
        assert getattr(clinic, field.name) == clinic_config[field.name]
    assert clinic.phone == "+1 555 0100"
    assert clinic.emergency_number == "911"  # a string, not the number 911


def test_tel_uri_keeps_only_digits_and_plus():
    assert load_clinic().tel_uri == "tel:+15550100"


def test_clinic_config_points_at_another_file(tmp_path, monkeypatch):
    other = tmp_path / "clinic.yml"
    other.write_text(
        "name: Other Clinic\nphone: (020) 7946 0018\nemail: hi@other.example\nhours: 24/7\n"
        "address: 1 Main Road\nemergency_number: 999\nfollow_up_time: today\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("CLINIC_CONFIG", str(other))
    load_clinic.cache_clear()
    clinic = load_clinic()
    assert clinic.name == "Other Clinic"
    assert clinic.emergency_number == "999"
    assert clinic.tel_uri == "tel:02079460018"


def test_a_missing_field_is_an_error_not_a_blank(tmp_path, monkeypatch):
    incomplete = tmp_path / "clinic.yml"
    incomplete.write_text("name: Half Clinic\nphone: '1'\n", encoding="utf-8")
    monkeypatch.setenv("CLINIC_CONFIG", str(incomplete))
    load_clinic.cache_clear()
    with pytest.raises(KeyError):
        load_clinic()
