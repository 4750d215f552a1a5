"""The Room panel: an instructor opens a room, learners join it with a nickname, and the instructor's
board shows the room's trainings live (ui/room_board.py) and sends the room to a lesson step or a
settings link, which each member's page offers as a banner (never a jump of its own).

The rooms live in serving/rooms.py; a member's trainings report to it from ui/train_panel.py
(ui/room_share.py). API: /room_open, /room_join (code, nickname), /room_board (key), undocumented.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from urllib.parse import parse_qsl, urlencode, urlsplit

import gradio as gr
from starlette.datastructures import QueryParams

from rnn_demo.lesson.steps import STEPS
from serving.rooms import ROOMS, RoomError, normal_code

from . import room_board, share_url
from .errors import refused
from .lesson_tab import TAB_ID
from .session import Session
from .share_url import quoted

BOARD_SECONDS, MEMBER_SECONDS = 2.0, 3.0  # how often an open board redraws, and a member's page looks for news
SHARED = ("**Joining is your choice.** While you are in a room, each training you run shares with the "
          "instructor: its **settings**, its **loss curve**, its **final and per-language accuracy**, and your "
          "**nickname**. Never your names table, the names you type, or your model's weights. "
          "**Leave** stops sharing and takes your runs off the board.")
HOW = ("Open a room, write its **code** (or the link) on the wall, and keep the **key** to yourself: it alone "
       "opens the board. A room closes after a few hours with no activity.")


@dataclass
class RoomPanel:
    code: gr.Textbox
    accordion: gr.Accordion
    banner: gr.Markdown
    banner_row: gr.Row
    open_sent: gr.Button  # the banner's button: opens what the instructor sent (wired by `wire`)
    sent: gr.State  # the query the banner offers, e.g. "step=packing"


def query_of(link: str) -> str:
    """'https://host/?arch=gru&x=1', '?arch=gru' or 'arch=gru' -> 'arch=gru' with only keys the page reads."""
    link = link.strip()
    query = urlsplit(link).query if "?" in link or "://" in link else link
    keys = {key for key, _ in share_url.URL_KEYS.values()} | {"step"}
    return urlencode([(k, v) for k, v in parse_qsl(query) if k in keys])


def describe(query: str) -> str:
    """What a sent link opens, in words: 'step packing', 'settings arch=gru, hidden=64'."""
    pairs = parse_qsl(query)
    step = [v for k, v in pairs if k == "step"]
    settings = ", ".join(f"{k}={v}" for k, v in pairs if k != "step")
    return " with ".join(part for part in (f"step {step[0]}" if step else "",
                                           f"settings {settings}" if settings else "") if part)


# -- the learner ---------------------------------------------------------------------------------------


def join(session: Session, code: str, nickname: str) -> tuple[str, dict]:
    """Join the room `code` as `nickname`: (status line, the member timer)."""
    try:
        token = ROOMS.join(code, nickname)
    except RoomError as err:
        return f"⚠ {err}", gr.Timer(active=session.room is not None)
    if session.room is not None:
        ROOMS.leave(*session.room)
    session.room = (normal_code(code), token)
    return (f"Joined room **{session.room[0]}** as {quoted(' '.join(nickname.split()))}: your next trainings are "
            f"shared with the instructor.", gr.Timer(active=True))


def leave(session: Session) -> tuple[str, dict, dict]:
    """Leave the room: nothing more is shared, and the runs already shared leave the board."""
    if session.room is None:
        return "You are not in a room.", gr.Timer(active=False), gr.Row(visible=False)
    ROOMS.leave(*session.room)
    session.room = None
    return "You left the room: nothing is shared any more.", gr.Timer(active=False), gr.Row(visible=False)


def check_news(session: Session, seen: int) -> tuple:
    """A member's page, every few seconds: what the instructor sent, as a banner, once per sending."""
    message = ROOMS.message(*session.room) if session.room else None
    if message is None or message["seq"] == seen:
        return gr.skip(), gr.skip(), gr.skip(), gr.skip()
    text = f"**Your instructor sent you to: {share_url.quoted(message['label'])[1:-1]}**"
    return gr.Row(visible=True), text, message["target"], message["seq"]


def open_sent(query: str, controls: dict) -> tuple:
    """The banner's button: the sent settings into the controls, the sent step opened (values, note, tabs, step)."""
    values, notes = share_url.read_link(controls, SimpleNamespace(query_params=QueryParams(query)))
    values = [v if share_url.URL_KEYS[name][0] in dict(parse_qsl(query)) else gr.skip()
              for v, name in zip(values, controls)]
    slug = dict(parse_qsl(query)).get("step")
    index = next((i for i, step in enumerate(STEPS) if step.slug == slug), None)
    tabs, picker = (gr.Tabs(selected=TAB_ID), index) if index is not None else (gr.skip(), gr.skip())
    return (*values, share_url.link_note(notes), tabs, picker, gr.Row(visible=False))


# -- the instructor ------------------------------------------------------------------------------------


def open_room(request: gr.Request | None = None) -> tuple[str, str, dict, dict]:
    """Open a room: (what to hand out, the key into the key box, the board, its timer)."""
    try:
        code, key = ROOMS.open()
    except RoomError as err:
        return f"⚠ {err}", gr.skip(), gr.skip(), gr.skip()
    base = str(request.request.base_url) if request is not None and request.request is not None else "/"
    text = (f"Room code: **{code}** · link for the room: `{base}?room={code}`  \n"
            f"Your instructor key (keep it to yourself; with it this board opens again after a reload): `{key}`")
    return text, key, gr.Column(visible=True), gr.Timer(active=True)


def show_board(key: str) -> tuple:
    """'Show the board' for a typed key: the board, its timer, a message if the key opens nothing."""
    try:
        ROOMS.version(key)
    except RoomError as err:
        return f"⚠ {err}", gr.skip(), gr.skip(), -1
    return "", gr.Column(visible=True), gr.Timer(active=True), -1


def draw_board(key: str, setting: str, drawn: str) -> tuple:
    """The board's tick: (html, runs table, what was drawn, timer); unchanged boards are skipped."""
    try:
        version = ROOMS.version(key)
    except RoomError as err:
        return f"<p class='room-expired'>⚠ {err}</p>", gr.skip(), "", gr.Timer(active=False)
    if drawn == f"{version}/{setting}":
        return gr.skip(), gr.skip(), gr.skip(), gr.skip()
    board = ROOMS.board(key)
    return (room_board.board_html(board, setting), room_board.runs_frame(board), f"{board['version']}/{setting}",
            gr.skip())


def send(key: str, step: int | None, link: str) -> str:
    """Send the room to a step (and the settings of `link`, if any): members see a banner."""
    query = query_of(link or "")
    if step is not None:
        query = urlencode([("step", STEPS[int(step)].slug), *parse_qsl(query)])
    if not query:
        return "⚠ Pick a lesson step or paste a settings link (its ?arch=...&hidden=... part) first."
    try:
        ROOMS.send(key, "step" if step is not None else "settings", query, describe(query))
    except RoomError as err:
        return f"⚠ {err}"
    return f"Sent: {quoted(describe(query))[1:-1]}. Each member's page shows it as a banner with a button."


# -- the API ---------------------------------------------------------------------------------------------


def api_open() -> dict:
    """API /room_open: a new room, {"code": ..., "key": ...}."""
    try:
        code, key = ROOMS.open()
    except RoomError as err:
        raise refused(str(err)) from None
    return {"code": code, "key": key}


def api_join(session: Session, code: str, nickname: str) -> dict:
    """API /room_join (code, nickname): this client's session joins; its later /train runs are shared."""
    message, _ = join(session, code, nickname)
    if message.startswith("⚠"):
        raise refused(message[2:])
    return {"code": session.room[0], "nickname": " ".join(nickname.split())}


def api_board(key: str) -> dict:
    """API /room_board (key): the room as JSON, for the instructor's record."""
    try:
        return ROOMS.board(key)
    except RoomError as err:
        raise refused(str(err)) from None


def from_url(request: gr.Request | None) -> tuple:
    """?room=CODE in the page's link: the code box filled and the panel open (app.py's page load)."""
    code = dict(request.query_params).get("room") if request else None
    if not code:
        return gr.skip(), gr.skip()
    return normal_code(code)[:16], gr.Accordion(open=True)


# -- the page ------------------------------------------------------------------------------------------------


def build(session: gr.State) -> RoomPanel:
    """The banner (hidden until the instructor sends something) and the Room panel, with their own events."""
    private = dict(api_visibility="private", show_progress="hidden")
    with gr.Row(visible=False, elem_id="room-banner", equal_height=True) as banner_row:
        banner = gr.Markdown(elem_id="room-banner-text")
        open_btn = gr.Button("Open it", variant="primary", size="sm", scale=0, min_width=100, elem_id="room-banner-open")
        dismiss = gr.Button("✕", size="sm", scale=0, min_width=40, elem_id="room-banner-dismiss")
    sent, seen = gr.State(""), gr.State(0)
    with gr.Accordion("Room: train together with your class", open=False, elem_id="room-panel") as accordion:
        gr.Markdown(SHARED)
        with gr.Row():
            code = gr.Textbox(label="Room code", max_lines=1, max_length=32, elem_id="room-code")
            nickname = gr.Textbox(label="Your nickname", max_lines=1, max_length=64, elem_id="room-nickname")
        with gr.Row():
            join_btn = gr.Button("Join the room", variant="primary", elem_id="room-join")
            leave_btn = gr.Button("Leave", elem_id="room-leave")
        status = gr.Markdown(elem_id="room-status")
        with gr.Accordion("For the instructor", open=False, elem_id="room-instructor"):
            gr.Markdown(HOW)
            open_room_btn = gr.Button("Open a new room", elem_id="room-open")
            opened = gr.Markdown(elem_id="room-opened")
            with gr.Row():
                key = gr.Textbox(label="Instructor key", max_lines=1, max_length=64, elem_id="room-key", scale=3)
                show_btn = gr.Button("Show the board", scale=1, elem_id="room-show")
            with gr.Column(visible=False, elem_id="room-board") as board:
                colour_by = gr.Dropdown([(label, name) for name, label in room_board.COLOUR_BY.items()],
                                        value="cell", label="Colour the curves and the experiment by",
                                        elem_id="room-colour-by")
                view = gr.HTML(elem_id="room-board-view")
                runs = gr.Dataframe(headers=room_board.RUN_COLUMNS, interactive=False, max_height=400,
                                    label="Runs (click a column's name to sort)", elem_id="room-runs")
                with gr.Row():
                    step = gr.Dropdown([(f"{i + 1}. {s.title}", i) for i, s in enumerate(STEPS)], value=None,
                                       label="Send the room to a lesson step", elem_id="room-step")
                    link = gr.Textbox(label="… and/or a settings link", placeholder="?arch=stacked&cell=gru&hidden=64",
                                      max_lines=1, max_length=2000, elem_id="room-link")
                send_btn = gr.Button("Send to the room", elem_id="room-send")
                sent_note = gr.Markdown(elem_id="room-sent")
    drawn = gr.State("")
    board_timer, member_timer = gr.Timer(BOARD_SECONDS, active=False), gr.Timer(MEMBER_SECONDS, active=False)

    join_btn.click(join, [session, code, nickname], [status, member_timer], **private)
    leave_btn.click(leave, session, [status, member_timer, banner_row], **private)
    member_timer.tick(check_news, [session, seen], [banner_row, banner, sent, seen], **private)
    dismiss.click(lambda: gr.Row(visible=False), None, banner_row, **private)
    open_room_btn.click(open_room, None, [opened, key, board, board_timer], **private).then(
        draw_board, [key, colour_by, drawn], [view, runs, drawn, board_timer], **private)
    show_btn.click(show_board, key, [opened, board, board_timer, drawn], **private).then(
        draw_board, [key, colour_by, drawn], [view, runs, drawn, board_timer], **private)
    for trigger in (board_timer.tick, colour_by.change):
        trigger(draw_board, [key, colour_by, drawn], [view, runs, drawn, board_timer], **private)
    send_btn.click(send, [key, step, link], sent_note, **private)
    _api(session)
    return RoomPanel(code, accordion, banner, banner_row, open_btn, sent)


def _api(session: gr.State) -> None:
    """The three API doors, each a hidden button (undocumented: out of the API page and the MCP tools)."""
    door = dict(api_visibility="undocumented", concurrency_limit=None)
    code, nickname = gr.Textbox(visible=False, label="code"), gr.Textbox(visible=False, label="nickname")
    key, answer = gr.Textbox(visible=False, label="key"), gr.JSON(visible=False)
    gr.Button(visible=False).click(api_open, None, answer, api_name="room_open", **door)
    gr.Button(visible=False).click(api_join, [session, code, nickname], answer, api_name="room_join", **door)
    gr.Button(visible=False).click(api_board, key, answer, api_name="room_board", **door)


def wire(panel: RoomPanel, controls: dict, link_note: gr.Markdown, tabs: gr.Tabs, picker: gr.Radio) -> None:
    """The banner's button: what the instructor sent opens in this page (the settings, the lesson step)."""
    panel.open_sent.click(lambda query, *_: open_sent(query, controls), [panel.sent],
                          [*controls.values(), link_note, tabs, picker, panel.banner_row],
                          api_visibility="private", show_progress="hidden")
