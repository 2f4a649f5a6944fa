"""/mcp's stateless JSON exchange answered on the request's own thread: no event loop, no thread hop.

For one POST the SDK's transport (gptmcp.bridge.sdk_response, kept as the reference) builds a
StreamableHTTPSessionManager with its task group, a StreamableHTTPServerTransport with its memory
streams and message router, and a JSONRPCDispatcher, and runs them on an event loop async_to_sync starts
in another thread, the tools hopping back through sync_to_async. Here the same exchange takes the checks
those layers make, in their order, with the SDK's own functions and models (Accept, Content-Type, JSON,
the JSON-RPC envelope, the status codes and error texts), and hands the message to the SDK's kernel, its
ServerRunner (params validation, Server.middleware, whatever handler the Server registered, the result
shaped for the protocol version), driven as a plain coroutine: the handlers await nothing real when no
event loop runs (gptmcp.server.on_request_thread).

What that saves, measured on the 2-core dev machine (tools/call get_item with an API key, against
GET /items/{id} with the same key and item): in process through the WSGI handler, 3.8 ms a call through
the SDK's transport against 0.76 ms for the GET (0.20x), through this module 1.3 ms against 0.59 ms
(0.45x), and 3.6 M instructions a call against 1.9 M for the GET (callgrind: 0.54x); under granian
(2 workers, wrk -c16, 3 alternated rounds on a loaded machine) 98-132 calls/s (0.10-0.18x the GET)
before, 353-411 (0.41-0.76x) after. A 2026-07-28 call (the SDK client's own protocol): 4.7 ms through the
SDK's transport against 2.4 ms here, the GET 1.1 ms (in process, throttle and call log on, median of 200).
What remains is mostly the tool's own REST view (gptmcp.tools runs it as the GET runs) and the door's
DRF authentication, as the GET pays them; the SDK's kernel (message and params validation, its
OpenTelemetry middleware, which gptmcp.tracing now runs only when spans are recorded, the result's validation
for the protocol version) is about a sixth of it (cProfile).

A request in the 2026-07-28 protocol (a version header naming no handshake-era version) takes the same road
through the SDK's single-exchange entry (mcp.server._streamable_http_modern, handle_modern_request in JSON
mode): its refusals, its header ladder (classify_inbound_request), its Mcp-Param check, then the kernel.
What this does not answer, answer() leaves to the SDK's transport (it returns None): a Content-Type the
transport refuses, a body over its size limit, subscriptions/listen (a stream), a handler that needs an
event loop, and the 2026-07-28 road altogether should the SDK's private names it borrows move.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, TypeVar

import anyio
import pydantic_core
from django.http import HttpRequest, HttpResponse
from mcp.server.connection import Connection
from mcp.server.lowlevel import Server
from mcp.server.runner import ServerRunner
from mcp.server.streamable_http import CONTENT_TYPE_JSON, check_accept_headers
from mcp.server.transport_security import DEFAULT_MAX_REQUEST_BODY_SIZE
from mcp.shared.dispatcher import CallOptions
from mcp.shared.exceptions import NoBackChannelError
from mcp.shared.inbound import MCP_PROTOCOL_VERSION_HEADER
from mcp.shared.jsonrpc_dispatcher import handler_exception_to_error_data
from mcp.shared.message import ServerMessageMetadata
from mcp.shared.transport_context import TransportContext
from mcp_types import (
    DEFAULT_NEGOTIATED_VERSION,
    HEADER_MISMATCH,
    INVALID_PARAMS,
    INVALID_REQUEST,
    PARSE_ERROR,
    ErrorData,
    JSONRPCError,
    JSONRPCNotification,
    JSONRPCRequest,
    JSONRPCResponse,
    RequestId,
    jsonrpc_message_adapter,
)
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS
from pydantic import ValidationError
from starlette.requests import Request

try:  # the SDK's single exchange (2026-07-28), private: without these names that road is the SDK's own
    from mcp.server._streamable_http_modern import (
        _INVALID_BODY,
        _is_notification_shaped,
        _mcp_param_rejection,
        _SingleExchangeDispatchContext,
    )
    from mcp.server.runner import modern_error_data
    from mcp.shared.inbound import (
        ERROR_CODE_HTTP_STATUS,
        InboundLadderRejection,
        classify_inbound_request,
        find_duplicated_routing_header,
        unsupported_protocol_version_rejection,
    )
    from mcp.shared.jsonrpc_dispatcher import progress_token_from_params
except ImportError:  # pragma: no cover - an SDK release that moved them
    _SingleExchangeDispatchContext = None

# The SDK's dispatcher logs a handler's crash under its own name; so does this.
dispatcher_logger = logging.getLogger("mcp.shared.jsonrpc_dispatcher")
logger = logging.getLogger(__name__)


T = TypeVar("T")


class NeedsEventLoop(Exception):
    """A coroutine awaited something only an event loop can answer."""


def _is_missing_loop(error: BaseException) -> bool:
    # asyncio.get_running_loop(), sniffio and anyio (NoEventLoopError) all raise a RuntimeError of their own.
    return isinstance(error, RuntimeError) and (
        type(error) is not RuntimeError or str(error) == "no running event loop"
    )


def run_without_loop(coroutine: Coroutine[Any, Any, T]) -> T:
    """The coroutine's result, run to the end on this thread; NeedsEventLoop when it waits on one."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    except RuntimeError as error:
        if _is_missing_loop(error):
            raise NeedsEventLoop from error
        raise
    coroutine.close()
    raise NeedsEventLoop


# What the legacy stateless transport tells the kernel about each message: streamable HTTP, a JSON
# body for the answer, so nothing can be sent back but the response (no back-channel, no session).
# No request_context: a handler's ctx.request is None here (a Starlette Request under the SDK's
# transport); who calls, and from where, a handler reads from gptmcp.server.current_actor.
TRANSPORT = TransportContext(kind="streamable-http", can_send_request=False)
METADATA = ServerMessageMetadata(can_send_request=False)


class OneExchange:
    """The DispatchContext of a message answered in its POST's JSON body.

    Like the SDK's JSON-response mode: a server-initiated request has no way to the client
    (NoBackChannelError), a request-scoped notification or progress report no wire, so it is dropped.
    """

    transport = TRANSPORT
    message_metadata = METADATA
    can_send_request = False

    def __init__(self, request_id: RequestId | None) -> None:
        self.request_id = request_id
        self.cancel_requested = anyio.Event()  # never set: a stateless POST cannot be cancelled

    async def send_raw_request(
        self, method: str, params: Mapping[str, Any] | None, opts: CallOptions | None = None
    ) -> dict[str, Any]:
        raise NoBackChannelError(method)

    async def notify(self, method: str, params: Mapping[str, Any] | None, opts: CallOptions | None = None) -> None:
        logger.debug("dropped %s: a JSON response carries only the result", method)

    async def progress(self, progress: float, total: float | None = None, message: str | None = None) -> None:
        return None


def json_response(body: str, status: int = HTTPStatus.OK) -> HttpResponse:
    return HttpResponse(body, status=status, content_type=CONTENT_TYPE_JSON)


def error_response(status: int, code: int, message: str) -> HttpResponse:
    """The transport's own refusal: a JSON-RPC error with a null id (StreamableHTTPServerTransport's wording)."""
    error = JSONRPCError(jsonrpc="2.0", id=None, error=ErrorData(code=code, message=message))
    return json_response(error.model_dump_json(by_alias=True, exclude_unset=True), status)


def _sent_as_json(content_type: str | None) -> bool:
    """Whether both the transport's checks pass: its security middleware's and its own (stricter, case-sensitive)."""
    if content_type is None or not content_type.lower().startswith(CONTENT_TYPE_JSON):
        return False
    return any(part.strip() == CONTENT_TYPE_JSON for part in content_type.split(";")[0].split(","))


@dataclass
class Kernel:
    """The SDK's kernel for one Server, with the server's lifespan entered once for the process."""

    server: Server
    lifespan_state: Any

    def answer(self, version: str, message: Any) -> str | None:
        """The JSON reply to a validated message (None for a notification or a response: no reply)."""
        connection = Connection.from_envelope(version, None, None)
        runner = ServerRunner(self.server, connection, self.lifespan_state)
        try:
            if isinstance(message, JSONRPCRequest):
                return self._reply(runner, message)
            if isinstance(message, JSONRPCNotification):
                run_without_loop(runner.on_notify(OneExchange(None), message.method, message.params))
            return None  # a response or an error from the client: there is no request of ours it answers
        finally:
            self._close(connection)

    def _reply(self, runner: ServerRunner, request: JSONRPCRequest) -> str:
        try:
            result = run_without_loop(runner.on_request(OneExchange(request.id), request.method, request.params))
        except NeedsEventLoop:
            raise
        except Exception as failure:
            error = handler_exception_to_error_data(failure)
            if error is None:
                # The SDK's own answer to a handler that raised (JSONRPCDispatcher._handle_request).
                dispatcher_logger.exception("handler for %r raised", request.method)
                error = ErrorData(code=0, message=str(failure))
            reply: JSONRPCResponse | JSONRPCError = JSONRPCError(jsonrpc="2.0", id=request.id, error=error)
        else:
            reply = JSONRPCResponse(jsonrpc="2.0", id=request.id, result=result)
        return reply.model_dump_json(by_alias=True, exclude_unset=True)

    @staticmethod
    def _close(connection: Connection) -> None:
        """Unwind the connection's exit stack, as the SDK's drivers do: a failing callback is logged, not raised."""
        try:
            run_without_loop(connection.exit_stack.aclose())
        except Exception:
            logger.exception("connection exit_stack cleanup raised")


@functools.cache
def kernel(server: Server) -> Kernel | None:
    """The server's kernel, or None when its lifespan cannot be entered without an event loop."""
    try:
        lifespan_state = run_without_loop(server.lifespan(server).__aenter__())
    except NeedsEventLoop:
        logger.warning("The MCP server's lifespan needs an event loop: /mcp answers through the SDK's transport.")
        return None
    return Kernel(server, lifespan_state)


def asgi_scope(request: HttpRequest) -> dict[str, Any]:
    """The ASGI scope the SDK's transport sees for this Django request."""
    host, _, port = request.get_host().partition(":")
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": request.method,
        "scheme": request.scheme,
        "path": request.path,
        "raw_path": request.path.encode(),
        "query_string": request.META.get("QUERY_STRING", "").encode("latin-1"),
        "root_path": "",
        "headers": [
            (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in request.headers.items()
        ],
        "client": (request.META.get("REMOTE_ADDR", ""), 0),
        "server": (host, int(port or (443 if request.is_secure() else 80))),
    }


def modern_reply(message: JSONRPCResponse | JSONRPCError) -> HttpResponse:
    """A reply as the single-exchange entry writes it (its _write): the error code's HTTP status, compact JSON."""
    status = HTTPStatus.OK
    if isinstance(message, JSONRPCError):
        status = ERROR_CODE_HTTP_STATUS.get(message.error.code, HTTPStatus.OK)
    body = message.model_dump(mode="json", by_alias=True, exclude_none=True)
    if isinstance(message, JSONRPCError) and message.id is None:
        body["id"] = None
    return json_response(json.dumps(body, separators=(",", ":")), status)


def modern_rejection(rejection: InboundLadderRejection, request_id: RequestId | None) -> HttpResponse:
    error = ErrorData(code=rejection.code, message=rejection.message, data=rejection.data)
    return modern_reply(JSONRPCError(jsonrpc="2.0", id=request_id, error=error))


def answer_single_exchange(runtime: Kernel, request: HttpRequest, body: bytes) -> HttpResponse | None:
    """handle_modern_request's answer in JSON mode, step by step in its order, the handler run on this thread."""
    asgi = Request(asgi_scope(request))
    accepts_json, _ = check_accept_headers(asgi)
    if not accepts_json:
        return HttpResponse(status=HTTPStatus.NOT_ACCEPTABLE)
    try:
        decoded = json.loads(body)
    except (ValueError, RecursionError):
        error = ErrorData(code=PARSE_ERROR, message="Parse error")
        return modern_reply(JSONRPCError(jsonrpc="2.0", id=None, error=error))
    if _is_notification_shaped(decoded):
        try:
            JSONRPCNotification.model_validate(decoded)
        except ValidationError:
            return modern_reply(_INVALID_BODY)
        version = asgi.headers.get(MCP_PROTOCOL_VERSION_HEADER, "")
        if (unsupported := unsupported_protocol_version_rejection(version)) is not None:
            return modern_rejection(unsupported, None)
        return HttpResponse(status=HTTPStatus.ACCEPTED)
    try:
        message = JSONRPCRequest.model_validate(decoded)
    except ValidationError:
        return modern_reply(_INVALID_BODY)
    if message.method == "subscriptions/listen":
        return None  # a stream of notifications: the SDK's transport
    duplicated = find_duplicated_routing_header(asgi.headers.items())
    if duplicated is not None:
        rejection = InboundLadderRejection(code=HEADER_MISMATCH, message=f"{duplicated} header appears more than once")
        return modern_rejection(rejection, message.id)
    verdict = classify_inbound_request(decoded, headers=dict(asgi.headers))
    if isinstance(verdict, InboundLadderRejection):
        return modern_rejection(verdict, message.id)
    rejection = run_without_loop(_mcp_param_rejection(runtime.server, asgi, message, verdict, runtime.lifespan_state))
    if rejection is not None:
        return modern_rejection(rejection, message.id)
    connection = Connection.from_envelope(verdict.protocol_version, verdict.client_info, verdict.client_capabilities)
    context = _SingleExchangeDispatchContext(
        transport=TransportContext(kind="streamable-http", can_send_request=False, headers=asgi.headers),
        request_id=message.id,
        message_metadata=ServerMessageMetadata(request_context=asgi),
        progress_token=progress_token_from_params(message.params),
    )
    runner = ServerRunner(runtime.server, connection, runtime.lifespan_state)
    try:
        result = run_without_loop(runner.on_request(context, message.method, message.params))
    except NeedsEventLoop:
        raise
    except Exception as failure:
        reply: JSONRPCResponse | JSONRPCError = JSONRPCError(
            jsonrpc="2.0", id=message.id, error=modern_error_data(failure)
        )
    else:
        reply = JSONRPCResponse(jsonrpc="2.0", id=message.id, result=result)
    finally:
        runtime._close(connection)
    return modern_reply(reply)


class _Accept:
    """What check_accept_headers reads of a request (its Accept header), taken from META (see gptmcp.origins)."""

    def __init__(self, request: HttpRequest) -> None:
        accept = request.META.get("HTTP_ACCEPT")
        self.headers = {} if accept is None else {"accept": accept}


def answer(server: Server, request: HttpRequest, body: bytes) -> HttpResponse | None:
    """The answer the SDK's stateless JSON transport gives to this POST, or None to let the transport give it."""
    version = request.META.get("HTTP_MCP_PROTOCOL_VERSION")
    if len(body) > DEFAULT_MAX_REQUEST_BODY_SIZE or not _sent_as_json(request.META.get("CONTENT_TYPE")):
        return None
    runtime = kernel(server)
    if runtime is None:
        return None
    if version is not None and version not in HANDSHAKE_PROTOCOL_VERSIONS:
        if _SingleExchangeDispatchContext is None:
            return None
        try:
            return answer_single_exchange(runtime, request, body)
        except NeedsEventLoop:
            logger.debug("this 2026-07-28 request needs an event loop: the SDK's transport answers it")
            return None
    accepts_json, _ = check_accept_headers(_Accept(request))
    if not accepts_json:
        message = "Not Acceptable: Client must accept application/json"
        return error_response(HTTPStatus.NOT_ACCEPTABLE, INVALID_REQUEST, message)
    try:
        raw = pydantic_core.from_json(body)
    except ValueError as error:
        return error_response(HTTPStatus.BAD_REQUEST, PARSE_ERROR, f"Parse error: {error}")
    try:
        message = jsonrpc_message_adapter.validate_python(raw, by_name=False)
    except ValidationError as error:
        return error_response(HTTPStatus.BAD_REQUEST, INVALID_PARAMS, f"Validation error: {error}")
    try:
        reply = runtime.answer(version or DEFAULT_NEGOTIATED_VERSION, message)
    except NeedsEventLoop:
        logger.debug("%s needs an event loop: the SDK's transport answers it", getattr(message, "method", "message"))
        return None
    if reply is None:
        return HttpResponse(status=HTTPStatus.ACCEPTED, content_type=CONTENT_TYPE_JSON)
    return json_response(reply)
