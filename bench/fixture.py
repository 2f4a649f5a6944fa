"""The bench's data: 100 users with 100 items and 10 API keys each, and one OAuth access token per user.

Run in a Django process whose DATABASE_URL is the bench's fresh database (migrated). Writes the raw
credentials and an item id each may read to the JSON file named on the command line.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import django

USERS = 100
ITEMS_PER_USER = 100
KEYS_PER_USER = 10


def build(out: Path) -> None:
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone
    from oauth2_provider.models import get_access_token_model, get_application_model, set_token_value

    from gptactions.keys import key_hash, new_raw_key, stored_prefix
    from gptactions.models import ApiKey
    from items.models import Item

    user_model = get_user_model()
    with transaction.atomic():
        users = []
        for n in range(USERS):
            user = user_model(username=f"bench{n}")
            user.set_unusable_password()
            users.append(user)
        users = user_model.objects.bulk_create(users)
        users = list(user_model.objects.filter(username__startswith="bench").order_by("pk"))
        Item.objects.bulk_create(
            Item(
                owner=user,
                name=f"Item {n} of {user.username}",
                description="A thing the bench reads." if n % 2 else "",
                price=Decimal(n) + Decimal("0.99"),
                tax=Decimal("1.50") if n % 3 else None,
            )
            for user in users
            for n in range(ITEMS_PER_USER)
        )
        first_item = {owner: pk for owner, pk in Item.objects.order_by("-pk").values_list("owner_id", "pk")}
        keys = []
        raw_keys = []
        for user in users:
            for n in range(KEYS_PER_USER):
                raw = new_raw_key()
                raw_keys.append((raw, first_item[user.pk]))
                keys.append(ApiKey(user=user, name=f"bench {n}", prefix=stored_prefix(raw), hashed_key=key_hash(raw)))
        ApiKey.objects.bulk_create(keys)
        application = get_application_model().objects.create(
            name="Bench GPT",
            client_type="confidential",
            authorization_grant_type="authorization-code",
            redirect_uris="https://chatgpt.com/aip/g-bench/oauth/callback",
        )
        tokens = []
        access_token_model = get_access_token_model()
        for user in users:
            raw = f"bench-token-{user.pk}-" + os.urandom(16).hex()
            token = access_token_model(
                user=user,
                application=application,
                scope="items:read items:write",
                expires=timezone.now() + timedelta(days=1),
            )
            set_token_value(token, raw)
            token.save()
            tokens.append((raw, first_item[user.pk]))
    out.write_text(json.dumps({"keys": raw_keys, "tokens": tokens}))


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    build(Path(sys.argv[1]))
