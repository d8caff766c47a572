"""An author, tags with a slug primary key, books with a foreign key and a many-to-many."""

from __future__ import annotations

from django.db import models


class Author(models.Model):
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["id"]


class Tag(models.Model):
    #: A primary key that is not ``id``, and not an integer.
    code = models.SlugField(primary_key=True, max_length=20)
    label = models.CharField(max_length=50)

    class Meta:
        ordering = ["code"]


class Book(models.Model):
    title = models.CharField(max_length=100)
    pages = models.PositiveIntegerField(default=0)
    published = models.BooleanField(default=False)
    author = models.ForeignKey(Author, related_name="books", on_delete=models.CASCADE)
    tags = models.ManyToManyField(Tag, related_name="books", blank=True)

    class Meta:
        ordering = ["id"]
