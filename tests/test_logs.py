"""The server's log helps: a visitor's mistake is one line naming what was refused; it carries no
traceback (tracebacks are kept for real faults, which they would otherwise bury)."""

import warnings

import pytest
from gradio_client import Client

from app_server import AppServer

warnings.filterwarnings("ignore")


def test_a_refused_setting_is_one_log_line_without_a_traceback():
    server = AppServer()
    try:
        client = Client(server.url, verbose=False)
        for seed in (2**64, "ten"):
            with pytest.raises(Exception, match="seed must be"):
                client.predict(None, {"seed": seed, "epochs": 1}, api_name="/train")
    finally:
        log = server.stop()
    refused = [line for line in log.splitlines() if "refused: Settings: seed must be" in line]
    assert len(refused) == 2, log[-2000:]
    assert "Traceback" not in log, log[-3000:]
