"""``balcao contacts import``: the job's code in-process, with a bar and the report."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from support.orgs import Org

from app.cli import main
from app.config import Settings

FIXTURES = Path(__file__).parents[1] / "fixtures" / "contacts"


@pytest.fixture
def env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    assert settings.database_url and settings.redis_url
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("REDIS_URL", settings.redis_url)
    monkeypatch.setenv("BALCAO_DATA_DIR", settings.data_path)
    monkeypatch.setenv("BALCAO_SECRET_KEY", settings.secret_key)
    return settings


def test_import_report_and_rerun(
    env: Settings, org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    file = str(FIXTURES / "contatos-excel-cp1252.csv")
    argv = ["contacts", "import", file, "--org", org.id, "--list", "Loja Centro"]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert "created the list 'Loja Centro'" in err
    assert "[##############################]         6/6 100%" in err
    assert "contatos-excel-cp1252.csv: DONE" in out
    assert "  created    3\n" in out and "  invalid    2\n" in out
    assert "  line 6: invalid_phone (Telefone) '12345'" in out
    assert main(argv) == 0  # the same file again: merged, already members
    out, err = capsys.readouterr()
    assert "created the list" not in err
    assert "  created    0\n" in out and "  duplicates 4\n" in out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--mapping", '{"Nada": "name"}'], "error: unknown_column"),
        (["--mapping", "nope"], "error: invalid_mapping"),
    ],
)
def test_refusals(
    env: Settings, org: Org, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    file = str(FIXTURES / "contatos-excel-cp1252.csv")
    assert main(["contacts", "import", file, "--org", org.id, "--list", "L", *extra]) == 2
    assert message in capsys.readouterr().err


def test_unknown_org_and_file(env: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    file = str(FIXTURES / "contatos-excel-cp1252.csv")
    assert main(["contacts", "import", file, "--org", str(uuid.uuid4()), "--list", "L"]) == 2
    assert "no organization" in capsys.readouterr().err
    assert main(["contacts", "import", "/nope.csv", "--org", str(uuid.uuid4()), "--list", "L"]) == 2
    assert "cannot read" in capsys.readouterr().err
