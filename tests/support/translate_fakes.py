"""Loopback fakes of the two translation APIs, in their real wire formats, each with a request log.

- DeepL: POST /v2/translate, JSON {"text": [...], "target_lang": "EN-US", ...} with the header
  `Authorization: DeepL-Auth-Key <key>` -> {"translations": [{"detected_source_language": "ES", "text": ...,
  "billed_characters": N}]}; 403 {"message": "Wrong auth key"} for another key.
- LibreTranslate: POST /translate, JSON {"q": [...] or "...", "source", "target", "format", "api_key"?} ->
  {"translatedText": [...] or "..."}; errors as {"error": "..."}.

The translation itself is a small dictionary of the test stories' Spanish sentences, else "[EN] " + text.
Failure modes: `mode = "down"` (500), "slow" (answers after `delay` seconds), "garbage" (200, not JSON).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

KNOWN = {
    "Atacan con drones explosivos a policías en Michoacán": "Explosive drones attack police in Michoacán",
    "Narcodrones vigilan la frontera en Tamaulipas, advierte la Defensa": (
        "Narco-drones watch the border in Tamaulipas, Defense warns"
    ),
}


def english(text: str) -> str:
    return KNOWN.get(text, "[EN] " + text)


@dataclass
class Call:
    path: str
    headers: dict[str, str]
    body: dict


class _Fake:
    def __init__(self, host: str = "127.0.0.1"):
        self.mode = "ok"
        self.delay = 0.0
        self.calls: list[Call] = []
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(n)
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = {"_raw": raw.decode("latin-1")}
                with outer._lock:
                    outer.calls.append(Call(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                if outer.mode == "slow":
                    time.sleep(outer.delay)
                if outer.mode == "down":
                    return self._send(500, {"error": "internal error"})
                if outer.mode == "garbage":
                    return self._send(200, b"<html>maintenance</html>")
                status, answer = outer.answer(self.path, self.headers, body)
                self._send(status, answer)

            def _send(self, status, payload):
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (its timeout)

        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.host, self.port = self.httpd.server_address[:2]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def texts(self) -> list[str]:
        """Every text the fake was asked to translate, in order."""
        with self._lock:
            calls = list(self.calls)
        out = []
        for c in calls:
            value = c.body.get("text", c.body.get("q", []))
            out += [value] if isinstance(value, str) else list(value)
        return out

    def answer(self, path, headers, body) -> tuple[int, dict]:
        raise NotImplementedError

    def __enter__(self):
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


class FakeDeepL(_Fake):
    def __init__(self, key: str = "fake-deepl-key:fx", host: str = "127.0.0.1"):
        super().__init__(host)
        self.key = key

    def answer(self, path, headers, body):
        if path != "/v2/translate":
            return 404, {"message": "Not found"}
        if headers.get("Authorization") != f"DeepL-Auth-Key {self.key}":
            return 403, {"message": "Wrong auth key"}
        texts = body.get("text") or []
        return 200, {
            "translations": [
                {"detected_source_language": "ES", "text": english(t), "billed_characters": len(t)}
                for t in texts
            ]
        }


class FakeLibreTranslate(_Fake):
    def answer(self, path, headers, body):
        if path != "/translate":
            return 404, {"error": "Not Found"}
        q = body.get("q")
        if not q or not body.get("target"):
            return 400, {"error": "Invalid request: missing q or target parameter"}
        if isinstance(q, str):
            return 200, {"translatedText": english(q)}
        return 200, {"translatedText": [english(t) for t in q]}
