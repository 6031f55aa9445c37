"""Sign-offs: stored with the text's hash, superseded not deleted, changed wording detected, audited."""
from __future__ import annotations

import importlib.util
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
import sqlalchemy as sa

from console import audit, signoffs
from console.answers import Answer, Variation, collect_answers
from console.db import create_all, engine
from console.settings import Settings
from console.signoffs import Status


@dataclass(frozen=True)
class Clinician:
    email: str


@pytest.fixture()
def settings(tmp_path) -> Settings:
    made = Settings(database_url=f"sqlite:///{tmp_path / 'handoff.db'}",
                    tracker_url=f"sqlite:///{tmp_path / 'tracker.db'}", guide_path=tmp_path / "guide.txt")
    create_all(made)
    return made


AFTERCARE = Answer("utter_aftercare", (Variation("Use a gentle cleanser."),), "domain.yml")


def test_an_unsigned_answer_is_unsigned(settings):
    assert signoffs.latest(settings) == {}
    assert signoffs.status(AFTERCARE, None) is Status.UNSIGNED


def test_sign_off_stores_who_when_and_the_hash_of_the_text(settings):
    signed = signoffs.sign_off(settings, AFTERCARE, Clinician("dr.lee@clinic"))
    stored = signoffs.latest(settings)["utter_aftercare"]
    assert stored.clinician == "dr.lee@clinic"
    assert stored.text_hash == AFTERCARE.text_hash and len(stored.text_hash) == 64
    assert stored.variations == AFTERCARE.variations
    assert stored.signed_at == signed.signed_at and stored.signed_at.tzinfo is not None
    assert signoffs.status(AFTERCARE, stored) is Status.SIGNED


def test_a_later_change_of_the_text_shows_as_changed_with_the_signed_text_kept(settings):
    signoffs.sign_off(settings, AFTERCARE, Clinician("dr.lee@clinic"))
    edited = replace(AFTERCARE, variations=(Variation("Use a gentle cleanser and retinol."),))
    stored = signoffs.latest(settings)["utter_aftercare"]
    assert signoffs.status(edited, stored) is Status.CHANGED
    assert stored.variations[0].text == "Use a gentle cleanser."  # what was approved, for comparison


def test_a_new_button_or_channel_variation_also_counts_as_a_change(settings):
    stored = signoffs.sign_off(settings, AFTERCARE, Clinician("dr.lee@clinic"))
    with_cmdline = replace(AFTERCARE, variations=AFTERCARE.variations + (
        Variation("Use a gentle cleanser.", (), "cmdline"),))
    assert signoffs.status(with_cmdline, stored) is Status.CHANGED


def test_a_new_sign_off_supersedes_and_nothing_is_deleted(settings):
    signoffs.sign_off(settings, AFTERCARE, Clinician("dr.lee@clinic"))
    edited = replace(AFTERCARE, variations=(Variation("Use a gentle cleanser and sunscreen."),))
    signoffs.sign_off(settings, edited, Clinician("dr.kim@clinic"))
    current = signoffs.latest(settings)["utter_aftercare"]
    assert current.clinician == "dr.kim@clinic" and signoffs.status(edited, current) is Status.SIGNED
    assert [s.clinician for s in signoffs.history(settings, "utter_aftercare")] == ["dr.kim@clinic", "dr.lee@clinic"]
    with engine(settings).connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(signoffs.signoffs_table)).scalar() == 2


def test_latest_keeps_answers_apart(settings):
    other = Answer("utter_downtime", (Variation("Expect redness."),), "domain.yml")
    signoffs.sign_off(settings, AFTERCARE, Clinician("dr.lee@clinic"))
    signoffs.sign_off(settings, other, Clinician("dr.kim@clinic"))
    current = signoffs.latest(settings)
    assert {name: s.clinician for name, s in current.items()} == {
        "utter_aftercare": "dr.lee@clinic", "utter_downtime": "dr.kim@clinic"}


def test_sign_off_is_in_the_audit_log(settings):
    signoffs.sign_off(settings, AFTERCARE, Clinician("dr.lee@clinic"))
    logged = audit.entries(settings, action=signoffs.AUDIT_ACTION)
    assert len(logged) == 1
    assert logged[0].actor == "dr.lee@clinic"
    assert logged[0].subject.startswith("utter_aftercare sha256:" + AFTERCARE.text_hash[:12])


def _review_sheet_script():
    path = Path(__file__).resolve().parents[2] / "scripts" / "review_sheet.py"
    spec = importlib.util.spec_from_file_location("review_sheet", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_printed_sheet_shows_the_sign_offs_in_the_database(settings):
    script = _review_sheet_script()
    current = {a.name: a for a in collect_answers()}
    signoffs.sign_off(settings, current["utter_risks"], Clinician("dr.lee@clinic"))
    signoffs.sign_off(settings, replace(current["utter_downtime"], variations=(Variation("Older wording."),)),
                      Clinician("dr.lee@clinic"))
    html = script.sheet_html(settings)
    assert html.count('<article class="answer') == len(current)
    assert 'class="answer status-signed" id="answer-utter-risks"' in html
    assert 'class="answer status-changed" id="answer-utter-downtime"' in html
    assert "Older wording." in html  # the signed-off text is printed beside the changed one


def test_the_sheet_script_does_not_create_a_missing_database(tmp_path):
    script = _review_sheet_script()
    missing = Settings(database_url=f"sqlite:///{tmp_path / 'none' / 'handoff.db'}",
                       tracker_url=f"sqlite:///{tmp_path / 'tracker.db'}", guide_path=tmp_path / "guide.txt")
    assert script.stored_signoffs(missing) == {}
    assert not (tmp_path / "none" / "handoff.db").exists()
