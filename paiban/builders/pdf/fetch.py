"""The only way a build reaches a resource: files inside the book folder, nothing else.

WeasyPrint's default fetcher follows ``http://`` and reads any ``file://`` path; ours
refuses both unless the file lies in the book folder or in paiban's own resources,
and refuses large ``data:`` URLs. A refusal stops the layout (``fail_on_errors``)
and is reported as a :class:`~paiban.errors.BookError` by :meth:`ConfinedFetcher.guard`.

The stylesheets paiban puts in the print HTML have had their references checked
already, each at its line (:mod:`paiban.builders.css`); a stylesheet of the book that
one of them imports is checked here the same way, from its own folder, before
WeasyPrint reads it, so that a refusal in it too names the file and the line.
"""

from __future__ import annotations

import contextlib
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from paiban.builders.css import clean_stylesheet
from paiban.errors import BookError
from paiban.builders.templates import PACKAGE_ROOT
from paiban.reader.sanitize import MAX_DATA_URL
from paiban.reader.sources import display_path, read_text


class ConfinedFetcher(URLFetcher):
    """A WeasyPrint URL fetcher confined to the book folder and paiban's resources."""

    def __init__(self, book_root: Path) -> None:
        super().__init__(allowed_protocols={"file", "data"}, allow_redirects=False, fail_on_errors=True)
        self.root = book_root.resolve()
        self.allowed = (self.root, PACKAGE_ROOT / "templates", PACKAGE_ROOT / "styles")
        self.refused: list[BookError] = []

    def _refuse(self, error: BookError) -> ValueError:
        self.refused.append(error)
        return ValueError(error.message)

    def fetch(self, url: str, headers: Any = None) -> Any:
        parts = urllib.parse.urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme == "data":
            if len(url) > MAX_DATA_URL:
                raise self._refuse(BookError(f"data: URL of {len(url) // 1024} KB is larger than 256 KB",
                                             None, None, "put the resource in a file in the book folder"))
        elif scheme == "file":
            path = Path(urllib.parse.unquote(parts.path)).resolve()
            if not any(path.is_relative_to(a) for a in self.allowed):
                raise self._refuse(BookError(f"refused to read {path}: it lies outside the book folder",
                                             None, None, "copy the file into the book folder"))
            if path.suffix.lower() == ".css" and path.is_relative_to(self.root):
                try:
                    css = clean_stylesheet(read_text(path, self.root), display_path(path, self.root), self.root,
                                           path.parent)
                except BookError as error:
                    raise self._refuse(error) from None
                return URLFetcherResponse(url, css, {"Content-Type": "text/css"})
        else:
            raise self._refuse(BookError(
                f"refused to fetch {url}: a build never uses the network", None, None,
                "download the resource into the book folder and refer to it by a relative path"))
        return super().fetch(url, headers)

    @contextlib.contextmanager
    def guard(self) -> Iterator[None]:
        """Turn a refusal that stopped WeasyPrint into the BookError that explains it."""
        try:
            yield
        except FatalURLFetchingError:
            if self.refused:
                raise self.refused[0] from None
            raise
