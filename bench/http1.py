"""A minimal HTTP/1.1 client on raw asyncio streams, for load generation (bench/serving.py).

Cheaper per request than a general client: the request is pre-built bytes, the response is
read with `readuntil`/`readexactly` (Content-Length, chunked, or until the connection closes).
A chunked response (server-sent events) reports when its first `data:` arrived.
"""

import asyncio
import socket
import time
from dataclasses import dataclass


@dataclass
class Response:
    status: int
    headers: dict[bytes, bytes]
    body: bytes
    first_data_at: float | None = None  # perf_counter() when the first `data:` line arrived
    first_text_at: float | None = None  # ... and the first "text-delta" event


def build_request(
    method: str, path: str, host: str, headers: dict[str, str] | None = None, body: bytes | None = None
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")


class Connection:
    """One keep-alive connection; `request` reconnects first if the last answer closed it."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    @property
    def is_open(self) -> bool:
        return self.writer is not None and self.reader is not None and not self.reader.at_eof()

    async def connect(self) -> None:
        self.close()
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port, limit=2**20)
        sock = self.writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def request(self, raw: bytes) -> Response:
        if not self.is_open:
            await self.connect()
        assert self.reader is not None and self.writer is not None  # noqa: S101 - connected above
        reader = self.reader
        self.writer.write(raw)
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        headers = {}
        for line in head.split(b"\r\n")[1:]:
            if b":" in line:
                name, value = line.split(b":", 1)
                headers[name.strip().lower()] = value.strip()
        response = Response(status, headers, b"")
        if b"content-length" in headers:
            response.body = await reader.readexactly(int(headers[b"content-length"]))
        elif headers.get(b"transfer-encoding", b"").lower() == b"chunked":
            parts = []
            while True:
                size = int((await reader.readuntil(b"\r\n")).split(b";", 1)[0], 16)
                if size == 0:
                    while await reader.readuntil(b"\r\n") != b"\r\n":  # trailers, if any
                        pass
                    break
                data = await reader.readexactly(size)
                await reader.readexactly(2)
                if response.first_data_at is None and b"data:" in data:
                    response.first_data_at = time.perf_counter()
                if response.first_text_at is None and b'"text-delta"' in data:
                    response.first_text_at = time.perf_counter()
                parts.append(data)
            response.body = b"".join(parts)
        elif status not in (204, 304):
            response.body = await reader.read()  # until the server closes the connection
            self.close()
        if headers.get(b"connection", b"").lower() == b"close":
            self.close()
        return response
