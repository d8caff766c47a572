"""The app's DRF serializers: ``__all__``, an explicit field order, ``read_only_fields`` and ``extra_kwargs``."""

from __future__ import annotations

from rest_framework import serializers

from .models import Author, Book, Tag


class AuthorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Author
        fields = "__all__"


class TagSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["label", "code"]


class BookSerializer(serializers.ModelSerializer):
    class Meta:
        model = Book
        fields = "__all__"
        read_only_fields = ["published"]
        extra_kwargs = {"pages": {"required": True}}
