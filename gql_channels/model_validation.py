"""A legacy write's model validation, as DRF's ``ModelSerializer`` validated it.

strawberry-django's mutations run ``Model.full_clean()``; DRF never did. Two differences a legacy client
notices, and nothing else is relaxed:

- ``null`` on a ``null=True`` field without ``blank=True``: DRF saved it; ``full_clean`` answers
  "This field cannot be blank.". While a legacy write runs (``drf_nulls()``), such fields holding
  ``None`` are left out of ``clean_fields`` (``None`` passes every other check of a nullable field).
- uniqueness in DRF's words: ``UniqueValidator`` said "gadget with this uid already exists." where
  ``full_clean`` says "Gadget with this Uid already exists." (``unique_message``).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models

_legacy_write: ContextVar[bool] = ContextVar("gql_channels_legacy_write", default=False)


@contextmanager
def drf_nulls() -> Iterator[None]:
    """Inside, ``Model.full_clean`` accepts ``None`` on nullable fields, as DRF did."""
    _install()
    token = _legacy_write.set(True)
    try:
        yield
    finally:
        _legacy_write.reset(token)


def _install() -> None:
    """Wrap ``Model.clean_fields`` once; outside ``drf_nulls()`` it is Django's own."""
    clean_fields = models.Model.clean_fields
    if getattr(clean_fields, "_gql_channels", False):
        return

    @functools.wraps(clean_fields)
    def legacy_clean_fields(self: models.Model, exclude: Any = None) -> None:
        if _legacy_write.get():
            nulls = {f.name for f in self._meta.concrete_fields if f.null and not f.blank and getattr(self, f.attname) is None}
            exclude = {*(exclude or ()), *nulls}
        clean_fields(self, exclude)

    legacy_clean_fields._gql_channels = True  # type: ignore[attr-defined]
    models.Model.clean_fields = legacy_clean_fields  # type: ignore[method-assign]


def unique_message(model: type[models.Model], field_name: str) -> str | None:
    """DRF's ``UniqueValidator`` message for ``field_name`` (the model field's own ``unique`` message)."""
    try:
        field = model._meta.get_field(field_name)
    except FieldDoesNotExist:
        return None
    message = getattr(field, "error_messages", {}).get("unique")
    if not message:
        return None
    return str(message) % {"model_name": model._meta.verbose_name, "field_label": field.verbose_name}


def drf_words(error: DjangoValidationError) -> DjangoValidationError:
    """``error`` with its uniqueness messages reworded as DRF's ``UniqueValidator`` wrote them."""
    if not hasattr(error, "error_dict"):
        return error
    reworded: dict[str, list[Any]] = {}
    for field, errors in error.error_dict.items():
        reworded[field] = []
        for item in errors:
            params = item.params or {}
            check = params.get("unique_check", ())
            model = params.get("model_class")
            message = unique_message(model, check[0]) if item.code == "unique" and model and len(check) == 1 else None
            reworded[field].append(DjangoValidationError(message, code="unique") if message else item)
    return DjangoValidationError(reworded)
