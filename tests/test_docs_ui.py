"""The API docs page (/v1/ui) works offline: Swagger UI comes from this server, not a CDN."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from undex.project import ProjectRegistry
from undex.server import ServerSettings, create_app


def test_docs_page_loads_every_asset_from_the_server_itself(mini_workdir: Path) -> None:
    registry = ProjectRegistry(mini_workdir / "projects.toml", mini_workdir / "data")
    client = TestClient(create_app(registry, ServerSettings()))
    page = client.get("/v1/ui")
    assert page.status_code == 200
    assert "/v1/openapi.json" in page.text
    assert not re.search(r"https?://", page.text), "the docs page points at another host"
    assets = re.findall(r"""(?:src|href)=["'](/[^"']+)["']""", page.text)
    assert any(a.endswith(".js") for a in assets) and any(a.endswith(".css") for a in assets)
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200, asset
        assert response.content, asset
