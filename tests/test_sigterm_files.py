"""D6 (issue 35): nothing of a visitor's survives the server's SIGTERM in Gradio's temp folder: not the
copies of uploads, not the folders Gradio made for them, not the trained models or the table files the
app wrote. Before, Gradio deleted its copies' files but left their folders and the app's own copies."""

import os
import signal

import httpx
import pytest
from gradio_client import Client

from app_server import AppServer

pytestmark = pytest.mark.slow


def everything_under(folder) -> list[str]:
    found = []
    for root, dirs, files in os.walk(folder):
        found += [os.path.relpath(os.path.join(root, name), folder) for name in files + dirs]
    return sorted(found)


@pytest.mark.timeout(600)
def test_sigterm_leaves_no_visitor_file_in_gradios_temp_folder(tmp_path):
    before = set(everything_under(tmp_path))
    server = AppServer(GRADIO_TEMP_DIR=str(tmp_path))
    try:
        created_by_gradio_import = set(everything_under(tmp_path)) - before  # e.g. an empty vibe_edit_history
        created_by_gradio_import = {p for p in created_by_gradio_import if not p.startswith("rnn-names-")}
        reply = httpx.post(server.url + "gradio_api/upload", timeout=60,
                           files={"files": ("names.csv", b"name,label\nAbe,Japanese\nBo,Chinese\n")})
        assert reply.status_code == 200
        uploaded = reply.json()[0]
        assert os.path.isfile(uploaded) and str(tmp_path) in uploaded  # the copy is in the temp folder
        client = Client(server.url, verbose=False)
        status = client.predict(None, {"epochs": 1, "hidden": 8, "layers": 1}, api_name="/train")[1]
        assert status.startswith("Finished")
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(timeout=60) == 0
    finally:
        server.stop()
    left = [p for p in everything_under(tmp_path) if p not in created_by_gradio_import]
    assert left == [], left
    assert all(not os.listdir(tmp_path / p) for p in created_by_gradio_import)  # and those are empty
