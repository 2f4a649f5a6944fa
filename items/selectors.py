"""Reads: the items of a user, the one ownership rule of every front door."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from items.models import Item


def item_list(*, owner: AbstractBaseUser) -> QuerySet[Item]:
    """The items owner may see and change, newest first (Item.Meta.ordering)."""
    return Item.objects.filter(owner=owner)
