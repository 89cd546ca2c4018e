"""Webhook subscriptions: create, list, read, delete (admin scope)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response

from wirewatch.api.responses import Webhook, WebhookIn
from wirewatch.api.security import require
from wirewatch.api.state import state_of
from wirewatch.api.webhooks import Subscriptions, subscribe
from wirewatch.core.http import json_only

router = APIRouter(prefix="/v1", tags=["webhooks"])
Admin = Annotated[str, Depends(require("admin"))]


def _store(request: Request) -> Subscriptions:
    state = state_of(request)
    if state.registry.producer is None or not state.webhooks_tail.caught_up.is_set():
        raise HTTPException(503, "webhook subscriptions are still loading", {"Retry-After": "2"})
    return state.registry


@router.post(
    "/webhooks",
    response_model=Webhook,
    status_code=201,
    responses={415: {}},
    dependencies=[Depends(json_only)],
)
async def create_webhook(request: Request, _caller: Admin, body: WebhookIn) -> Webhook:
    """Subscribe a URL to the alerts matching `filters`.

    Each delivery is a POST of the alert JSON signed as Standard Webhooks specify
    (`webhook-id`: the alert id, `webhook-timestamp`, `webhook-signature:
    v1,base64(HMAC-SHA256(key, id + "." + timestamp + "." + body))`), so any Standard
    Webhooks library verifies it and refuses replays; the key is a `whsec_` secret's
    decoded bytes, or any other secret's UTF-8 bytes.
    Deliveries are retried with backoff and given up after a limit; they may repeat,
    so receivers de-duplicate by `webhook-id`.
    """
    return (await subscribe(_store(request), body)).public()


@router.get("/webhooks", response_model=list[Webhook])
async def list_webhooks(request: Request, _caller: Admin) -> list[Webhook]:
    return [s.public() for s in _store(request).rows.values()]


@router.get("/webhooks/{webhook_id}", response_model=Webhook, responses={404: {}})
async def get_webhook(request: Request, _caller: Admin, webhook_id: str) -> Webhook:
    sub = _store(request).rows.get(webhook_id)
    if sub is None:
        raise HTTPException(404, "no such webhook")
    return sub.public()


@router.delete("/webhooks/{webhook_id}", status_code=204, responses={404: {}})
async def delete_webhook(request: Request, _caller: Admin, webhook_id: str) -> Response:
    if not await _store(request).delete(webhook_id):
        raise HTTPException(404, "no such webhook")
    return Response(status_code=204)
