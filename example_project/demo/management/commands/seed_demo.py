"""Seed the demo data of the seed page: 100 articles, plus a few authors, books and tags."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from example_project.demo.models import Article, Author, Book, Tag


class Command(BaseCommand):
    help = "Create Title1..Title100 articles and a small library (idempotent)."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        if Article.objects.exists():
            self.stdout.write("Demo data already present.")
            return
        Article.objects.bulk_create(
            Article(title=f"Title{i}", content=f"Content{i}") for i in range(1, 101)
        )
        tags = Tag.objects.bulk_create(Tag(name=n) for n in ("fiction", "classic", "science"))
        authors = Author.objects.bulk_create(
            Author(name=n) for n in ("Ursula K. Le Guin", "Jorge Luis Borges", "Carl Sagan")
        )
        books = [
            ("A Wizard of Earthsea", 183, True, authors[0], [tags[0], tags[1]]),
            ("The Left Hand of Darkness", 304, True, authors[0], [tags[0]]),
            ("Ficciones", 174, True, authors[1], [tags[0], tags[1]]),
            ("Cosmos", 365, True, authors[2], [tags[2]]),
            ("Pale Blue Dot", 429, False, authors[2], []),
        ]
        for title, pages, published, author, book_tags in books:
            book = Book.objects.create(
                title=title, pages=pages, published=published, author=author
            )
            book.tags.set(book_tags)
        self.stdout.write(self.style.SUCCESS("Seeded 100 articles, 3 authors, 5 books, 3 tags."))
