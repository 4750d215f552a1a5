"""The room store (serving/rooms.py) and the board drawn from it (ui/room_board.py): codes and keys,
nicknames checked, limits held, expiry on an injected clock, and the class experiment's numbers."""

from __future__ import annotations

import statistics
import threading

import pytest

from serving.rooms import CODE_ALPHABET, CODE_LENGTH, RoomError, RoomStore, check_nickname, thin
from ui import room_board


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(clock) -> RoomStore:
    return RoomStore(max_rooms=3, max_members=3, max_runs=2, max_points=5, idle_seconds=3600, clock=clock)


def trained(store: RoomStore, code: str, token: str, cell: str, accuracy: float, status: str = "finished") -> None:
    store.start_run(code, token, {"arch": "stacked", "cell": cell, "hidden": 8})
    store.add_points(code, token, [(0.5, 2.0), (1.0, 1.5)], [(1, accuracy)])
    store.finish_run(code, token, status, accuracy, accuracy - 0.1, {"Japanese": 0.9, "Polish": 0.5})


def test_a_code_is_short_and_unguessable_and_the_key_is_another_secret(store):
    codes = {store.open()[0] for _ in range(3)}
    assert len(codes) == 3 and all(len(c) == CODE_LENGTH and set(c) <= set(CODE_ALPHABET) for c in codes)
    code = next(iter(codes))
    key = store._rooms[code].key
    assert len(key) >= 24 and code not in key
    with pytest.raises(RoomError, match="instructor key"):
        store.board(code)  # the join code does not open the board


def test_a_members_runs_reach_the_board_with_their_settings_curve_and_accuracies(store):
    code, key = store.open()
    token = store.join(code.lower(), "  Ada   L ")  # a code typed in small letters still joins
    trained(store, code, token, "gru", 0.62)
    [member] = store.board(key)["members"]
    assert member["nickname"] == "Ada L"
    [run] = member["runs"]
    assert (run["arch"], run["cell"], run["best_accuracy"], run["status"]) == ("stacked", "gru", 0.62, "finished")
    assert run["per_language"] == {"Japanese": 0.9, "Polish": 0.5} and run["curve"] == [[0.5, 2.0], [1.0, 1.5]]


@pytest.mark.parametrize("nickname, message", [("", "Choose a nickname"), ("x" * 25, "at most 24"),
                                               ("bad\x07bell", "control"), ("zero\u200bwidth", "control"),
                                               (42, "text, not int")])
def test_a_bad_nickname_is_refused_with_its_reason(nickname, message):
    with pytest.raises(RoomError, match=message):
        check_nickname(nickname)


def test_html_in_a_nickname_reaches_the_board_escaped(store):
    code, key = store.open()
    token = store.join(code, "<img src=x onerror=f()>")
    store.finish_run(code, token, "failed", reason="<script>")  # no run: nothing to finish
    failing = store.join(code, "Eve")
    store.start_run(code, failing, {"cell": "rnn"})
    store.finish_run(code, failing, "failed", reason="bad <b>table</b>")
    page = room_board.board_html(store.board(key), "cell")
    assert "<img" not in page and "<b>table" not in page and "<script>" not in page
    assert "Not trained yet: &lt;img src=x onerror=f()&gt;" in page and "Eve (bad &lt;b&gt;table&lt;/b&gt;)" in page


def test_the_store_holds_its_bounds(store):
    codes = [store.open()[0] for _ in range(3)]
    with pytest.raises(RoomError, match="3 rooms"):
        store.open()
    tokens = [store.join(codes[0], f"m{i}") for i in range(3)]
    with pytest.raises(RoomError, match="full"):
        store.join(codes[0], "m3")
    store.leave(codes[0], tokens[2])  # a place is free again, but not the nickname of one who stayed
    with pytest.raises(RoomError, match="already called"):
        store.join(codes[0], "M0")
    for i in range(3):  # two runs kept per member: the oldest goes
        store.start_run(codes[0], tokens[0], {"cell": f"c{i}"})
    store.add_points(codes[0], tokens[0], [(i / 10, 1.0) for i in range(100)], [])
    key = store._rooms[codes[0]].key
    runs = store.board(key)["members"][0]["runs"]
    assert [r["settings"]["cell"] for r in runs] == ["c1", "c2"] and len(runs[-1]["curve"]) == 5


def test_thin_keeps_the_ends_and_spreads_the_rest():
    assert thin(list(range(10)), 4) == [0, 3, 6, 9] and thin([1, 2], 4) == [1, 2]


def test_a_room_left_idle_expires_and_a_busy_one_does_not(store, clock):
    code, key = store.open()
    token = store.join(code, "Ada")
    clock.now += 3000
    trained(store, code, token, "gru", 0.6)  # activity keeps it alive
    clock.now += 3000
    assert store.board(key)["members"][0]["nickname"] == "Ada"  # reading the board is not activity...
    clock.now += 601
    with pytest.raises(RoomError, match="expired"):
        store.board(key)  # ...so an hour after the last training it is gone
    with pytest.raises(RoomError, match="expired"):
        store.join(code, "Bob")
    assert store.message(code, token) is None and store.start_run(code, token, {}) is None


def test_only_members_read_what_the_instructor_sent_and_leaving_takes_the_runs_away(store):
    code, key = store.open()
    token = store.join(code, "Ada")
    assert store.message(code, token) is None
    sent = store.send(key, "step", "step=packing", "step packing")
    assert store.message(code, token) == sent and sent["seq"] == 1
    assert store.message(code, "not-a-member") is None
    trained(store, code, token, "gru", 0.6)
    store.leave(code, token)
    assert store.board(key)["members"] == [] and store.message(code, token) is None
    with pytest.raises(RoomError, match="'step' or 'settings'"):
        store.send(key, "jump", "", "")


def test_the_class_experiment_gives_mean_and_sd_per_value_with_n(store):
    code, key = store.open()
    accuracies = {"gru": [0.7, 0.6], "rnn": [0.5]}
    for cell, values in accuracies.items():
        for j, accuracy in enumerate(values):
            token = store.join(code, f"{cell}{j}")
            trained(store, code, token, cell, accuracy)
    store.start_run(code, token, {"cell": "rnn"})  # rnn0 trains again: no result yet
    rows = {row["value"]: row for row in room_board.experiment(store.board(key), "cell")}
    assert rows["gru"]["n"] == 2 and rows["gru"]["mean"] == pytest.approx(0.65)
    assert rows["gru"]["sd"] == pytest.approx(statistics.stdev([0.7, 0.6])) and rows["rnn"]["sd"] is None
    page = room_board.board_html(store.board(key), "cell")
    assert "65.0% ± 7.1%" in page and "Training now: rnn0" in page


def test_the_runs_table_and_the_curves_carry_every_run(store, clock):
    code, key = store.open()
    for name, cell in (("Ada", "gru"), ("Bob", "rnn")):
        trained(store, code, store.join(code, name), cell, 0.6)
        clock.now += 60
    board = store.board(key)
    frame = room_board.runs_frame(board)
    assert list(frame["nickname"]) == ["Bob", "Ada"] and list(frame["minutes ago"]) == [1.0, 2.0]
    assert list(frame["best accuracy"]) == [60.0, 60.0]
    svg = room_board.curves_svg(board, "cell")
    colours = room_board.colours(board, "cell")
    assert svg.count("<polyline") == 2 and all(f'stroke="{c}"' in svg for c in colours.values())
    assert colours["gru"] != colours["rnn"]


def test_joins_from_many_threads_never_pass_the_limit(clock):
    store = RoomStore(max_members=10, clock=clock)
    code, key = store.open()
    errors = []

    def join(i: int) -> None:
        try:
            store.join(code, f"n{i}")
        except RoomError as err:
            errors.append(str(err))

    threads = [threading.Thread(target=join, args=(i,)) for i in range(40)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert len(store.board(key)["members"]) == 10 and len(errors) == 30
