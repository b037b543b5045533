import pytest

from app import create_app
from config import ProductionConfig, _normalise_db_url


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", None)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(ProductionConfig)


@pytest.mark.parametrize(
    "given",
    ["postgres://u@h/db", "postgresql://u@h/db", "postgresql+psycopg://u@h/db"],
)
def test_postgres_urls_always_use_psycopg_3(given):
    assert _normalise_db_url(given) == "postgresql+psycopg://u@h/db"
