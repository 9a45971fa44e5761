"""Pytest fixtures for the provider tests; plain helpers live in provider_cases.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from provider_cases import PAYLOADS


@pytest.fixture
def payloads() -> Path:
    return PAYLOADS
