"""Shared fixtures: seeded data and a legacy client on the example consumer."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from example_project.consumers import LegacyConsumer
from example_project.demo.models import Article, Author, Book, Tag
from gql_channels.testing import ActionCommunicator


@pytest.fixture
def articles(db: None) -> list[Article]:
    """The seed page's 100 articles: Title1..Title100 / Content1..Content100."""
    return Article.objects.bulk_create(
        Article(title=f"Title{i}", content=f"Content{i}") for i in range(1, 101)
    )


@pytest.fixture
def library(db: None) -> dict[str, list]:
    """Two authors, three tags, three books with an FK and an M2M."""
    authors = [Author.objects.create(name=n) for n in ("Le Guin", "Borges")]
    tags = [Tag.objects.create(name=n) for n in ("fiction", "classic", "science")]
    books = [
        Book.objects.create(title="Earthsea", pages=183, published=True, author=authors[0]),
        Book.objects.create(title="Ficciones", pages=174, published=False, author=authors[1]),
        Book.objects.create(title="Untagged", pages=1, author=authors[1]),
    ]
    books[0].tags.set(tags[:2])
    books[1].tags.set(tags[1:])
    return {"authors": authors, "tags": tags, "books": books}


@pytest.fixture
async def client(transactional_db: None) -> AsyncIterator[ActionCommunicator]:
    """A connected legacy client on the example's consumer."""
    async with ActionCommunicator(LegacyConsumer.as_asgi(), "/ws/") as communicator:
        yield communicator
