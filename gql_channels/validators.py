"""The validators DRF's ``ModelSerializer`` gave a model field's serializer field, with DRF's wording.

DRF kept the model field's own validators but for those its serializer fields bring themselves: the
first min/max value validators became ``min_value``/``max_value`` (DRF's messages), and lengths, decimal
digits, e-mail, URL, slug and IP validators were dropped for the field's own. All of a field's messages are
reported at once, as DRF's ``run_validators`` did.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.core import validators
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models

Coercer = Callable[[Any], Any]
_SLUG_MESSAGES = {
    False: 'Enter a valid "slug" consisting of letters, numbers, underscores or hyphens.',
    True: 'Enter a valid "slug" consisting of Unicode letters, numbers, underscores, or hyphens.',
}


class Invalid(Exception):
    """One field's messages (``args``), raised by a coercer and collected by ``InputShape.translate``."""


_NUMERIC = (models.IntegerField, models.FloatField, models.DecimalField, models.DurationField)


def drf_validators(field: models.Field) -> list[Callable[[Any], None]]:
    """The model field's validators as ``ModelSerializer`` kept them, DRF's own wording where it replaced them.

    DRF took the first min/max value validators as ``min_value``/``max_value`` (its messages), and dropped
    the ones its serializer fields bring themselves (lengths, decimal digits, e-mail, URL, slug, IP).
    """
    kept = list(field.validators)
    added: list[Callable[[Any], None]] = []
    if not field.choices:
        if isinstance(field, _NUMERIC):
            highest = next((v.limit_value for v in kept if isinstance(v, validators.MaxValueValidator)), None)
            lowest = next((v.limit_value for v in kept if isinstance(v, validators.MinValueValidator)), None)
            kept = [v for v in kept if not isinstance(v, (validators.MaxValueValidator, validators.MinValueValidator))]
            if highest is not None:
                message = f"Ensure this value is less than or equal to {highest}."
                added.append(validators.MaxValueValidator(highest, message=message))
            if lowest is not None:
                message = f"Ensure this value is greater than or equal to {lowest}."
                added.append(validators.MinValueValidator(lowest, message=message))
        if isinstance(field, models.SlugField):
            unicode = bool(getattr(field, "allow_unicode", False))
            kept = [v for v in kept if v not in (validators.validate_slug, validators.validate_unicode_slug)]
            regex = validators.slug_unicode_re if unicode else validators.slug_re
            added.append(validators.RegexValidator(regex, message=_SLUG_MESSAGES[unicode]))
        kept = [v for v in kept if not isinstance(v, validators.DecimalValidator)]
    if isinstance(field, (models.CharField, models.TextField)):
        kept = [v for v in kept if not isinstance(v, validators.MaxLengthValidator)]
    return [*kept, *added]


def validated(parse: Coercer, checks: Sequence[Callable[[Any], None]], value: Any, last: Coercer | None = None) -> Any:
    """``parse`` then every check, all their messages at once (DRF's ``run_validators``); then ``last``,
    a limit of GraphQL's own that DRF did not have, only when DRF would have taken the value."""
    parsed = parse(value)
    if parsed == "":  # DRF's CharField answers a blank value allowed before any validator
        return parsed
    messages: list[str] = []
    for check in checks:
        try:
            check(parsed)
        except DjangoValidationError as error:
            messages.extend(error.messages)
    if messages:
        raise Invalid(*messages)
    return parsed if last is None else last(parsed)


def text_checks(max_length: int | None) -> list[Callable[[Any], None]]:
    """The validators DRF's ``CharField`` adds to the model field's: length, null and surrogate characters."""

    def length(text: str) -> None:
        if max_length and len(text) > max_length:
            raise DjangoValidationError(f"Ensure this field has no more than {max_length} characters.")

    def null_characters(text: str) -> None:
        if "\x00" in text:
            raise DjangoValidationError("Null characters are not allowed.")

    def surrogates(text: str) -> None:
        surrogate = next((ord(ch) for ch in text if 0xD800 <= ord(ch) <= 0xDFFF), None)
        if surrogate is not None:
            raise DjangoValidationError(f"Surrogate characters are not allowed: U+{surrogate:X}.")

    return [length, null_characters, surrogates]
