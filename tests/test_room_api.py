"""Rooms through the API, each gradio_client Client its own session: /room_open, /room_join, and a
member's later /train arriving on /room_board, with the board closed to anyone without the key."""

from __future__ import annotations

import pytest
from gradio_client import Client

from conftest import two_label_table

TINY = {"epochs": 2, "hidden": 8, "cell": "gru"}


def client(server) -> Client:
    return Client(server.url, verbose=False)


def test_a_members_training_reaches_the_board_and_an_outsiders_does_not(app_server):
    room = client(app_server).predict(api_name="/room_open")
    assert set(room) == {"code", "key"} and room["code"] != room["key"]
    member, outsider = client(app_server), client(app_server)
    joined = member.predict(room["code"], "  Ada  ", api_name="/room_join")
    assert joined == {"code": room["code"], "nickname": "Ada"}
    member.predict(two_label_table("Polish", "Japanese"), TINY, api_name="/train")
    outsider.predict(two_label_table("Polish", "Japanese"), TINY, api_name="/train")
    board = client(app_server).predict(room["key"], api_name="/room_board")
    [ada] = board["members"]
    [run] = ada["runs"]
    assert ada["nickname"] == "Ada" and (run["arch"], run["cell"], run["status"]) == ("stacked", "gru", "finished")
    assert 0.5 <= run["best_accuracy"] <= 1 and set(run["per_language"]) == {"Polish", "Japanese"}
    assert len(run["curve"]) >= 2 and [epoch for epoch, _ in run["val_accuracy"]] == [1, 2]
    assert run["settings"]["hidden"] == 8 and "table" not in run and "model" not in run


@pytest.mark.parametrize("endpoint, args, message", [
    ("/room_board", ["not-a-key"], "No open room has this instructor key"),
    ("/room_join", ["ZZZZZZZZ", "Ada"], "No open room has this code"),
])
def test_a_wrong_key_or_code_is_refused_cleanly(app_server, endpoint, args, message):
    with pytest.raises(Exception, match=message):
        client(app_server).predict(*args, api_name=endpoint)


def test_a_bad_nickname_is_refused_cleanly(app_server):
    room = client(app_server).predict(api_name="/room_open")
    with pytest.raises(Exception, match="control or invisible"):
        client(app_server).predict(room["code"], "Ada\x1b[31m", api_name="/room_join")
    board = client(app_server).predict(room["key"], api_name="/room_board")
    assert board["members"] == []
