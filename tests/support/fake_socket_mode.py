"""The Socket Mode half of the fake Slack: a real websocket endpoint on loopback (aiohttp) speaking Slack's
wire format.

apps.connections.open (FakeSlack, with the app-level token) answers `ws://127.0.0.1:PORT/link/?ticket=...`.
On connect the server sends Slack's `hello` message; `send_interactive(payload)` delivers an envelope
`{"envelope_id", "type": "interactive", "accepts_response_payload": false, "payload": ...}` to the newest
connection, and every `{"envelope_id": ...}` the client sends back is recorded as that envelope's ack (with
the time it arrived). Pings are answered by aiohttp (autoping), as Slack's edge does.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid

from aiohttp import WSMsgType, web


class FakeSocketMode:
    def __init__(self, host: str = "127.0.0.1", app_id: str = "A0FAKEAPP"):
        self.host, self.app_id = host, app_id
        self.port = 0
        self.acks: dict[str, tuple[float, dict]] = {}  # envelope_id -> (monotonic time, ack message)
        self.sent: dict[str, float] = {}  # envelope_id -> monotonic time it was sent
        self.connections: list[web.WebSocketResponse] = []
        self.opened = 0  # connections accepted so far
        self._cond = threading.Condition()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"ws://{self.host}:{self.port}/link/?ticket={uuid.uuid4()}&app_id={self.app_id}"

    def start(self) -> FakeSocketMode:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("fake Socket Mode server did not start")
        return self

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        app = web.Application()
        app.router.add_get("/link/", self._ws)
        self._runner = web.AppRunner(app, handle_signals=False)
        self._loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, self.host, 0)
        self._loop.run_until_complete(site.start())
        self.port = site._server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    async def _ws(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        with self._cond:
            self.connections.append(ws)
            self.opened += 1
            self._cond.notify_all()
        await ws.send_str(
            json.dumps(
                {
                    "type": "hello",
                    "num_connections": len(self.connections),
                    "debug_info": {
                        "host": "applink-fake-1",
                        "build_number": 1,
                        "approximate_connection_time": 18060,
                    },
                    "connection_info": {"app_id": self.app_id},
                }
            )
        )
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                try:
                    data = json.loads(msg.data)
                except ValueError:
                    continue
                eid = data.get("envelope_id") if isinstance(data, dict) else None
                if eid:
                    with self._cond:
                        self.acks.setdefault(eid, (time.monotonic(), data))
                        self._cond.notify_all()
        finally:
            with self._cond:
                if ws in self.connections:
                    self.connections.remove(ws)
        return ws

    def wait_connected(self, timeout: float = 20) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: bool(self.connections), timeout)

    def send_interactive(self, payload: dict) -> str:
        """Deliver a block_actions payload the way Slack does; returns its envelope_id."""
        if not self.wait_connected():
            raise AssertionError("no Socket Mode client is connected")
        eid = str(uuid.uuid4())
        envelope = {
            "envelope_id": eid,
            "type": "interactive",
            "accepts_response_payload": False,
            "payload": payload,
        }
        ws = self.connections[-1]
        self.sent[eid] = time.monotonic()
        asyncio.run_coroutine_threadsafe(ws.send_str(json.dumps(envelope)), self._loop).result(10)
        return eid

    def wait_ack(self, envelope_id: str, timeout: float = 10) -> float | None:
        """Seconds from sending the envelope to its ack, or None if none came within `timeout`."""
        with self._cond:
            if not self._cond.wait_for(lambda: envelope_id in self.acks, timeout):
                return None
            return self.acks[envelope_id][0] - self.sent[envelope_id]

    def stop(self) -> None:
        async def close_all():
            for ws in list(self.connections):
                await ws.close()
            await self._runner.cleanup()

        if self._ready.is_set():
            try:
                asyncio.run_coroutine_threadsafe(close_all(), self._loop).result(10)
            finally:
                self._loop.call_soon_threadsafe(self._loop.stop)
                self._thread.join(10)
