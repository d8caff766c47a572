"""SQL queries per legacy message: no N+1, whatever the page holds."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.backends.utils import CursorWrapper

from example_project.demo.models import Author, Book, Tag
from gql_channels.testing import ActionCommunicator

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def many_books(db) -> None:
    authors = Author.objects.bulk_create(Author(name=f"A{i}") for i in range(5))
    tags = Tag.objects.bulk_create(Tag(name=f"t{i}") for i in range(5))
    books = Book.objects.bulk_create(Book(title=f"B{i}", pages=i, author=authors[i % 5]) for i in range(30))
    Book.tags.through.objects.bulk_create(
        Book.tags.through(book_id=b.id, tag_id=t.id) for b in books for t in tags[: b.pages % 4]
    )


@pytest.fixture
def statements(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every SQL statement run, on any thread (a consumer runs database work on a thread of its own)."""
    seen: list[str] = []
    execute = CursorWrapper.execute

    def counting(self: CursorWrapper, sql: str, params: Any = None) -> Any:
        seen.append(sql)
        return execute(self, sql, params)

    monkeypatch.setattr(CursorWrapper, "execute", counting)
    return seen


async def queries(
    client: ActionCommunicator, statements: list[str], route: str, action: str = "list", *data: Any
) -> tuple[int, dict]:
    statements.clear()
    reply = await client.request(action, route, *data)
    return len(statements), reply


@pytest.mark.parametrize("route", ["test_child_route/?page=2", "test_child_route/?page=3&page_size=30", "offset/articles/?offset=5"])
async def test_article_pages_take_two_queries(client: ActionCommunicator, articles, statements, route: str) -> None:
    count, reply = await queries(client, statements, route)
    assert reply["status"] == 200 and count == 2  # COUNT(*), then the page


@pytest.mark.parametrize("route", ["books/", "books/?page_size=30", "books/?author={author}&ordering=-pages"])
async def test_book_pages_with_fk_and_m2m_take_two_queries(client: ActionCommunicator, many_books, statements, route: str) -> None:
    author = await Author.objects.afirst()
    count, reply = await queries(client, statements, route.format(author=author.id))
    assert reply["status"] == 200 and reply["data"]["results"]
    # books are CountedOffsetPaginated: the page with COUNT(*) OVER () and its author (one JOIN), then the tags
    assert count == 2, statements


@pytest.mark.parametrize("compiled", [True, False])
async def test_retrieve_takes_one_query(client: ActionCommunicator, articles, statements, settings: Any, compiled: bool) -> None:
    settings.GQL_CHANNELS = {"COMPILED_READS": compiled}
    count, reply = await queries(client, statements, f"test_child_route/{articles[3].id}/", "retrieve")
    assert reply["status"] == 200 and reply["data"]["id"] == articles[3].id and count == 1


async def test_book_retrieve_adds_only_the_many_to_many_query(client: ActionCommunicator, many_books, statements) -> None:
    book = await Book.objects.alast()
    count, reply = await queries(client, statements, f"books/{book.id}/", "retrieve")
    assert reply["data"]["tags"] and count == 2  # the book with its author (one JOIN), then its tags


async def test_an_empty_counted_page_falls_back_to_counting(client: ActionCommunicator, many_books, statements) -> None:
    count, reply = await queries(client, statements, "books/?page=4")
    assert reply["status"] == 404 and count == 2  # the empty page, then COUNT(*) to tell the page is invalid


async def test_a_create_is_one_insert_in_one_transaction(client: ActionCommunicator, statements) -> None:
    """strawberry-django's mutation nests two atomic blocks in the write's own; they take no savepoints."""
    count, reply = await queries(client, statements, "articles/", "create", {"title": "t", "content": "c"})
    assert reply["status"] == 201
    assert [sql.split()[0] for sql in statements if sql.split()[0] != "BEGIN"] == ["INSERT"], statements
    assert count <= 3

