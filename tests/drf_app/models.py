"""Models of a fresh project: a UUID primary key, a slug primary key, and every field type ``ModelSerializer`` renders."""

from __future__ import annotations

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class Gadget(models.Model):
    uid = models.UUIDField(primary_key=True, default=uuid.uuid4)
    name = models.CharField(max_length=50, unique=True)

    class Meta:
        ordering = ["name"]


class Product(models.Model):
    slug = models.SlugField(primary_key=True, max_length=50)
    title = models.CharField(max_length=50)
    content = models.TextField()

    class Meta:
        ordering = ["slug"]


class Sample(models.Model):
    """One column of each kind; the nullable ones without ``blank=True`` where DRF accepted ``null`` anyway."""

    SIZES = [("s", "Small"), ("m", "Medium"), ("l", "Large")]
    LEVELS = [(1, "low"), (2, "high")]

    label = models.CharField(max_length=50)
    text = models.TextField(blank=True)
    count = models.IntegerField(validators=[MinValueValidator(-1000), MaxValueValidator(1000)])
    positive = models.PositiveIntegerField(default=0)
    flag = models.BooleanField(default=False)
    maybe = models.BooleanField(null=True)
    price = models.DecimalField(max_digits=8, decimal_places=2)
    ratio = models.FloatField(null=True)
    created = models.DateTimeField()
    day = models.DateField(null=True)
    clock = models.TimeField(null=True)
    span = models.DurationField(null=True)
    token = models.UUIDField(default=uuid.uuid4)
    payload = models.JSONField(null=True)
    size = models.CharField(max_length=1, choices=SIZES, default="m")
    level = models.IntegerField(choices=LEVELS, null=True, blank=True)
    note = models.CharField(max_length=20, null=True)
    gadget = models.ForeignKey(Gadget, null=True, blank=True, on_delete=models.SET_NULL, related_name="samples")
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.SET_NULL, related_name="samples")
    gadgets = models.ManyToManyField(Gadget, blank=True, related_name="+")

    class Meta:
        ordering = ["id"]
