"""Paths shared by the replay tests."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "fixtures" / "scenarios"
SEEDS = ROOT / "fixtures" / "seeds"
