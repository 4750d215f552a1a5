"""The server bounds a request before reading it, and leaves nothing of a visitor's on disk when it
is stopped."""

from __future__ import annotations

import http.client
import json
import re
import signal
import time
import urllib.parse
from pathlib import Path

import psutil

from app_server import AppServer


def post(url: str, path: str, body: bytes, chunked: bool = False) -> int:
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    headers = {"Content-Type": "application/json"}
    try:
        if chunked:
            connection.request("POST", path, body=iter([body[i:i + 65536] for i in range(0, len(body), 65536)]),
                               headers=headers, encode_chunked=True)
        else:
            connection.request("POST", path, body=body, headers=headers)
        return connection.getresponse().status
    except (BrokenPipeError, ConnectionResetError):
        return 413  # refused before the body was all sent
    finally:
        connection.close()


def test_a_body_over_the_limit_is_refused_before_it_is_read(app_server):
    huge = json.dumps({"data": ["x" * (20 * 1024 * 1024)]}).encode()
    server = psutil.Process(app_server.process.pid)
    before = server.memory_info().rss
    assert post(app_server.url, "/gradio_api/call/classify", huge) == 413
    assert post(app_server.url, "/gradio_api/call/classify", huge, chunked=True) == 413
    grown = (server.memory_info().rss - before) / 2**20
    print(f"\nserver memory after two 20 MB posts: {grown:+.1f} MB")
    assert grown < 15
    assert post(app_server.url, "/gradio_api/call/classify", json.dumps({"data": ["Nakamura"]}).encode()) == 200


def test_a_sigterm_removes_the_visitors_files():
    server = AppServer()
    folder = None
    try:
        for child in [psutil.Process(server.process.pid)]:
            for file in child.open_files():
                if re.search(r"rnn-names-", file.path):
                    folder = Path(file.path)
        folders = sorted(Path("/tmp").glob("rnn-names-*"), key=lambda p: p.stat().st_mtime)
        folder = folders[-1]
        assert folder.is_dir()
    finally:
        server.process.send_signal(signal.SIGTERM)
        server.process.wait(timeout=20)
    time.sleep(0.2)
    assert not folder.exists()
