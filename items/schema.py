"""The Items API's operations as a GPT Action sees them: operationIds, texts written for the model, examples."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view

from gptactions.schema import ERRORS, INVALID, RETRY_AFTER, ErrorSerializer
from items.serializers import ItemSerializer

# The view's actions as the GPT sees them (the schema) and the call log names them; PUT has none.
OPERATION_IDS = {
    "list": "listItems",
    "retrieve": "getItem",
    "create": "createItem",
    "partial_update": "updateItem",
    "destroy": "deleteItem",
}

NOT_FOUND = {404: OpenApiResponse(ErrorSerializer, description="The user has no item with this id.")}

ITEM_ID = OpenApiParameter(
    "id",
    int,
    OpenApiParameter.PATH,
    description="The item's id, from listItems or createItem.",
)
ITEM_EXAMPLE = OpenApiExample(
    "An item",
    value={
        "id": 3,
        "name": "Claude",
        "description": "Anthropic LLM",
        "price": 18.0,
        "tax": 1.5,
        "created_at": "2025-01-31T09:30:00Z",
        "updated_at": "2025-01-31T09:30:00Z",
    },
    response_only=True,
)
NEW_ITEM_EXAMPLE = OpenApiExample(
    "A new item",
    value={"name": "Claude", "description": "Anthropic LLM", "price": 18.0, "tax": 1.5},
    request_only=True,
)
CHANGE_EXAMPLE = OpenApiExample("A new price", value={"price": 19.5}, request_only=True)

item_schema = extend_schema_view(
    list=extend_schema(
        operation_id=OPERATION_IDS["list"],
        summary="List the user's items",
        description=(
            "Returns the user's items, newest first, 20 per page. Call it to answer questions about the "
            "user's items and to find an item's id before getItem, updateItem or deleteItem. "
            "When `next` is not null, call again with the next page number."
        ),
        parameters=[
            OpenApiParameter(
                "page",
                {"type": "integer", "minimum": 1},
                description="Page number, from 1; a page past the last one is an error.",
            ),
            OpenApiParameter(
                "page_size",
                {"type": "integer", "minimum": 1, "maximum": 50},
                description="Items per page, 1 to 50; 20 when left out.",
            ),
            RETRY_AFTER,
        ],
        responses={
            200: OpenApiResponse(ItemSerializer(many=True), description="One page of items."),
            **ERRORS,
            400: OpenApiResponse(ErrorSerializer, description="page or page_size out of range: the detail says which."),
            404: OpenApiResponse(ErrorSerializer, description="No such page."),
        },
        examples=[ITEM_EXAMPLE],
    ),
    retrieve=extend_schema(
        operation_id=OPERATION_IDS["retrieve"],
        summary="Get one item",
        description="Returns one of the user's items by its id.",
        parameters=[ITEM_ID, RETRY_AFTER],
        responses={200: OpenApiResponse(ItemSerializer, description="The item."), **ERRORS, **NOT_FOUND},
        examples=[ITEM_EXAMPLE],
    ),
    create=extend_schema(
        operation_id=OPERATION_IDS["create"],
        summary="Create an item",
        description=(
            "Adds an item for the user and returns it with its id. name and price are required; "
            "description and tax are optional. price and tax are numbers of at least 0 with at most "
            "two decimals."
        ),
        parameters=[RETRY_AFTER],
        request=ItemSerializer,
        responses={201: OpenApiResponse(ItemSerializer, description="The new item."), **INVALID, **ERRORS},
        examples=[NEW_ITEM_EXAMPLE, ITEM_EXAMPLE],
    ),
    partial_update=extend_schema(
        operation_id=OPERATION_IDS["partial_update"],
        summary="Change an item",
        description=(
            "Changes some fields of one of the user's items and returns the item. Send only the fields "
            "to change; the others keep their values."
        ),
        parameters=[ITEM_ID, RETRY_AFTER],
        request=ItemSerializer,
        responses={
            200: OpenApiResponse(ItemSerializer, description="The changed item."),
            **INVALID,
            **ERRORS,
            **NOT_FOUND,
        },
        examples=[CHANGE_EXAMPLE, ITEM_EXAMPLE],
    ),
    destroy=extend_schema(
        operation_id=OPERATION_IDS["destroy"],
        summary="Delete an item",
        description="Deletes one of the user's items for good. Ask the user to confirm first.",
        parameters=[ITEM_ID, RETRY_AFTER],
        responses={204: OpenApiResponse(description="Deleted."), **ERRORS, **NOT_FOUND},
    ),
    # No PUT (ItemViewSet.http_method_names): a model that calls a full replace tends to drop the
    # fields it did not mention (a description wiped by a price change); PATCH cannot.
)
