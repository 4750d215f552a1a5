"""Rooms: a workshop's trainings gathered for its instructor, in the server's memory.

An instructor opens a room and gets a join code (short, for the whiteboard) and a separate key (long,
kept to themselves: it alone reads the board and sends the room somewhere). A learner joins with the
code and a nickname; from then on each of their trainings reports its settings, its loss curve and its
accuracies here. Nothing else of theirs is kept: no table, no names, no weights.

Plain Python, no UI and no ML: every limit is a constructor argument and the clock is injectable, so
expiry is tested without waiting. One lock guards the whole store; every method holds it briefly.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed from a wall
CODE_LENGTH = 8  # 32**8 ≈ 10**12 codes: with 50 rooms open, a guess hits one in 2 * 10**10
NICKNAME_MAX = 24
IDLE_SECONDS = float(os.environ.get("RNN_NAMES_ROOM_IDLE_S", 4 * 3600))  # a room nobody touched this long is gone


class RoomError(ValueError):
    """A visitor's mistake (unknown code, bad nickname, full room); its message is shown as it is."""


@dataclass
class Run:
    """One training of one member, as the board shows it."""

    settings: dict  # page name -> value (arch, cell, hidden, ...)
    started: float  # the store's clock
    status: str = "training"  # training | finished | stopped | failed
    curve: list[tuple[float, float]] = field(default_factory=list)  # (epoch, smoothed train loss)
    val_accuracy: list[tuple[int, float]] = field(default_factory=list)  # (epoch, validation accuracy)
    best_accuracy: float | None = None
    macro_accuracy: float | None = None
    per_language: dict[str, float] = field(default_factory=dict)
    reason: str = ""  # why it failed

    def as_json(self) -> dict:
        return {**{k: self.settings.get(k) for k in ("arch", "cell")}, "settings": dict(self.settings),
                "status": self.status, "best_accuracy": self.best_accuracy, "macro_accuracy": self.macro_accuracy,
                "per_language": dict(self.per_language), "curve": [list(p) for p in self.curve],
                "val_accuracy": [list(p) for p in self.val_accuracy], "started": self.started, "reason": self.reason}


@dataclass
class Member:
    nickname: str
    joined: float
    runs: list[Run] = field(default_factory=list)


@dataclass
class Room:
    code: str
    key: str
    opened: float
    touched: float  # last join, run event or message: what keeps a room alive
    members: dict[str, Member] = field(default_factory=dict)  # member token -> member
    message: dict | None = None  # the last thing the instructor sent: {"seq", "kind", "target", "label"}
    version: int = 0  # bumped on every change: a board redraws only when it moved


def check_nickname(raw: object) -> str:
    """A nickname as the board shows it: 1-24 characters, no control or invisible format characters,
    spaces collapsed. HTML is not refused here but escaped wherever it is shown."""
    if not isinstance(raw, str):
        raise RoomError(f"A nickname is text, not {type(raw).__name__}.")
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn") for c in raw):
        raise RoomError("A nickname cannot hold control or invisible characters.")
    nickname = " ".join(raw.split())
    if not nickname:
        raise RoomError("Choose a nickname (1 to 24 characters): the instructor's board shows it beside your runs.")
    if len(nickname) > NICKNAME_MAX:
        raise RoomError(f"A nickname has at most {NICKNAME_MAX} characters (this one has {len(nickname)}).")
    return nickname


def normal_code(raw: object) -> str:
    """A typed code as stored: capitals, no spaces or dashes."""
    return "".join(str(raw or "").split()).replace("-", "").upper()


class RoomStore:
    """Every open room, bounded: rooms, members per room, runs per member, points per curve."""

    def __init__(self, max_rooms: int = 50, max_members: int = 60, max_runs: int = 20, max_points: int = 60,
                 idle_seconds: float = IDLE_SECONDS, clock: Callable[[], float] = time.monotonic):
        self.max_rooms, self.max_members, self.max_runs, self.max_points = max_rooms, max_members, max_runs, max_points
        self.idle_seconds, self.clock = idle_seconds, clock
        self._rooms: dict[str, Room] = {}  # code -> room
        self._lock = threading.Lock()

    # -- opening, joining, leaving ---------------------------------------------------------------

    def open(self) -> tuple[str, str]:
        """A new room: (join code, instructor key)."""
        with self._lock:
            self._sweep()
            if len(self._rooms) >= self.max_rooms:
                raise RoomError(f"This server holds {self.max_rooms} rooms already; try again when one has expired.")
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            now = self.clock()
            self._rooms[code] = Room(code, secrets.token_urlsafe(18), now, now)
            return code, self._rooms[code].key

    def join(self, code: str, nickname: str) -> str:
        """Join room `code` as `nickname`; the member's token (the session keeps it, nobody else)."""
        nickname = check_nickname(nickname)
        with self._lock:
            room = self._room(code)
            if any(m.nickname.casefold() == nickname.casefold() for m in room.members.values()):
                raise RoomError(f"Someone in this room is already called {nickname!r}: choose another nickname.")
            if len(room.members) >= self.max_members:
                raise RoomError(f"This room is full ({self.max_members} members).")
            token = secrets.token_urlsafe(12)
            room.members[token] = Member(nickname, self.clock())
            self._changed(room)
            return token

    def leave(self, code: str, token: str) -> None:
        """Stop sharing: the member's runs leave the board too."""
        with self._lock:
            room = self._rooms.get(code)
            if room is not None and room.members.pop(token, None) is not None:
                self._changed(room)

    def is_member(self, code: str, token: str) -> bool:
        with self._lock:
            room = self._rooms.get(code)
            return room is not None and token in room.members and not self._expired(room)

    # -- a member's trainings ----------------------------------------------------------------------

    def start_run(self, code: str, token: str, settings: dict) -> int | None:
        """A member's training began; its index, or None when the member is no longer in the room.
        Past max_runs the oldest run is dropped."""
        with self._lock:
            member = self._member(code, token)
            if member is None:
                return None
            if len(member.runs) >= self.max_runs:
                member.runs.pop(0)
            member.runs.append(Run(dict(settings), self.clock()))
            self._changed(self._rooms[code])
            return len(member.runs) - 1

    def add_points(self, code: str, token: str, curve: list[tuple[float, float]],
                   accuracy: list[tuple[int, float]]) -> None:
        """The member's running training's curve so far (it replaces the last one), thinned to max_points."""
        with self._lock:
            run = self._last_run(code, token)
            if run is not None:
                run.curve, run.val_accuracy = thin(curve, self.max_points), thin(accuracy, self.max_points)
                self._changed(self._rooms[code])

    def finish_run(self, code: str, token: str, status: str, best_accuracy: float | None = None,
                   macro_accuracy: float | None = None, per_language: dict[str, float] | None = None,
                   reason: str = "") -> None:
        """The running training ended: finished, stopped or failed (with its reason)."""
        with self._lock:
            run = self._last_run(code, token)
            if run is not None:
                run.status, run.best_accuracy, run.macro_accuracy = status, best_accuracy, macro_accuracy
                run.per_language, run.reason = dict(list((per_language or {}).items())[:60]), reason[:300]
                self._changed(self._rooms[code])

    # -- the instructor ------------------------------------------------------------------------------

    def board(self, key: str) -> dict:
        """The room as JSON for its instructor: {"code", "version", "members": [{"nickname", "runs": [...]}]}."""
        with self._lock:
            room = self._by_key(key)
            members = [{"nickname": m.nickname, "joined": m.joined, "runs": [r.as_json() for r in m.runs]}
                       for m in room.members.values()]
            return {"code": room.code, "version": room.version, "opened": room.opened, "now": self.clock(),
                    "idle_seconds": self.idle_seconds, "message": room.message, "members": members}

    def version(self, key: str) -> int:
        with self._lock:
            return self._by_key(key).version

    def send(self, key: str, kind: str, target: str, label: str) -> dict:
        """Send the room to a lesson step or a settings link: every member's page shows it as a banner."""
        if kind not in ("step", "settings"):
            raise RoomError(f"Send a 'step' or 'settings', not {kind!r}.")
        with self._lock:
            room = self._by_key(key)
            seq = (room.message or {}).get("seq", 0) + 1
            room.message = {"seq": seq, "kind": kind, "target": str(target)[:2000], "label": str(label)[:200]}
            self._changed(room)
            return dict(room.message)

    def message(self, code: str, token: str) -> dict | None:
        """What the instructor last sent, for a member (None for anyone else, or nothing sent)."""
        with self._lock:
            room = self._rooms.get(code)
            if room is None or token not in room.members or self._expired(room):
                return None
            return dict(room.message) if room.message else None

    # -- inside the lock -------------------------------------------------------------------------------

    def _expired(self, room: Room) -> bool:
        return self.clock() - room.touched > self.idle_seconds

    def _sweep(self) -> None:
        for code in [code for code, room in self._rooms.items() if self._expired(room)]:
            del self._rooms[code]

    def _room(self, code: str) -> Room:
        self._sweep()
        room = self._rooms.get(normal_code(code))
        if room is None:
            raise RoomError(f"No open room has this code: check it, or the room may have expired {self._idle()}.")
        return room

    def _by_key(self, key: str) -> Room:
        self._sweep()
        for room in self._rooms.values():
            if isinstance(key, str) and secrets.compare_digest(room.key, key):
                return room
        raise RoomError(f"No open room has this instructor key: it may have expired {self._idle()}.")

    def _idle(self) -> str:
        hours = self.idle_seconds / 3600
        return f"(a room closes after {f'{hours:g} h' if hours >= 1 else f'{self.idle_seconds / 60:.0f} min'} idle)"

    def _member(self, code: str, token: str) -> Member | None:
        room = self._rooms.get(code)
        if room is None or self._expired(room):
            return None
        return room.members.get(token)

    def _last_run(self, code: str, token: str) -> Run | None:
        member = self._member(code, token)
        return member.runs[-1] if member and member.runs else None

    def _changed(self, room: Room) -> None:
        room.touched = self.clock()
        room.version += 1


def thin(points: list, most: int) -> list:
    """At most `most` points, evenly spread, the first and the last always kept."""
    if len(points) <= most:
        return list(points)
    step = (len(points) - 1) / (most - 1)
    return [points[round(i * step)] for i in range(most)]


ROOMS = RoomStore()  # the server's rooms: one store for every session
