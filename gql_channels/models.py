"""How much legacy traffic each route still gets, so a team knows when a route can be retired.

Written by ``usage.flush()`` from in-memory counters (never per message); read with
``manage.py gql_channels_usage``. Import this module lazily: ``gql_channels/__init__.py`` loads
the consumer while the app registry is still being populated.
"""

from __future__ import annotations

from django.db import models


class RouteUsage(models.Model):
    """Messages served per (consumer, route pattern, action), with how many were answered with errors."""

    #: ``module.QualName`` of the ``ActionConsumer`` subclass that answered.
    consumer = models.CharField(max_length=255)
    #: The route pattern as written in ``routepatterns``; null when the route matched no pattern
    #: (or the frame was unreadable).
    route = models.CharField(max_length=255, null=True, blank=True)
    #: The message's action; null when it had none (or the frame was unreadable).
    action = models.CharField(max_length=255, null=True, blank=True)
    count = models.PositiveBigIntegerField(default=0)
    #: Replies with a status of 400 or more.
    errors = models.PositiveBigIntegerField(default=0)
    last_served_at = models.DateTimeField()

    class Meta:
        unique_together = [("consumer", "route", "action")]
        ordering = ["consumer", "route", "action"]
        verbose_name = "legacy route usage"
        verbose_name_plural = "legacy route usage"

    def __str__(self) -> str:
        return f"{self.consumer} {self.route} {self.action}: {self.count}"
