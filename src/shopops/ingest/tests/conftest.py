from pathlib import Path

import pytest

from shopops.core import services


@pytest.fixture
def shop(db):
    return services.create_store(None, code="shop", name="测试店", platform="tmall")


@pytest.fixture
def write(tmp_path):
    """Write a file in the given encoding (CRLF kept as given) and return its path."""

    def _write(name: str, text: str, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        return path

    return _write
