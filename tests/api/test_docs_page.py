"""The docs page at ``/schema`` works offline: everything it loads comes from the service itself
(``gridts.docs``), so a network that blocks CDNs still shows it."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from litestar import Litestar
    from litestar.testing import TestClient

#: What each loaded asset must be served as.
TYPES = {".js": "javascript", ".css": "text/css", ".png": "image/png"}


class _Loads(HTMLParser):
    """Every URL a page makes the browser load: script src, link href, img src."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = {"script": "src", "link": "href", "img": "src"}.get(tag)
        for name, value in attrs:
            if name == wanted and value:
                self.urls.append(value)


def test_the_docs_page_loads_only_what_the_service_serves(client: TestClient[Litestar]) -> None:
    page = client.get("/schema")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    loads = _Loads()
    loads.feed(page.text)
    assert len(loads.urls) >= 4  # the UI, its preset, its CSS, a favicon
    for url in loads.urls:
        assert url.startswith("/"), url
        assert not url.startswith("//"), url  # scheme-relative: another host
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert asset.content, url
        suffix = url[url.rindex(".") :]
        assert TYPES[suffix] in asset.headers["content-type"], (url, asset.headers["content-type"])
    assert "SwaggerUIBundle(" in page.text  # the UI starts, with the schema embedded
    assert '"openapi":"3.1' in page.text.replace(" ", "")


def test_the_schema_document_is_still_served(client: TestClient[Litestar]) -> None:
    document = client.get("/schema/openapi.json")
    assert document.status_code == 200
    assert document.json()["info"]["title"] == "gridts"
