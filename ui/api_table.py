"""The names table as the API takes it: /train and /evaluate read a hidden JSON input whose default
is None (meaning the default table), while the page's own buttons read the visible table.

Why two doors: an API input's default is its component's value, and Gradio writes that value, with
code snippets in three languages, into the API description that every page load carries. Fed from
the visible table, /train and /evaluate put the whole default table (~1,800 rows) there: ~600 KB
and ~70 ms of server time per page load (measured: 30 pages at once 3.7 s, 1.6 s without).
"""

from __future__ import annotations

import gradio as gr
import pandas as pd

from .errors import refused
from .session import DEFAULT_TABLE

TABLE_FORMAT = '{"headers": ["name", "label"], "data": [["Nakamura", "Japanese"], ...]}'


def as_table(value) -> pd.DataFrame:
    """The visible table's DataFrame as it is, an API table dict, or None (the default table)."""
    if value is None:
        return DEFAULT_TABLE.copy()
    if isinstance(value, pd.DataFrame):
        return value
    if isinstance(value, dict) and isinstance(value.get("data"), list) and isinstance(value.get("headers"), list):
        try:
            return pd.DataFrame(value["data"], columns=value["headers"])
        except (ValueError, TypeError) as err:
            raise refused(f"The table's rows do not match its headers ({err}); send {TABLE_FORMAT}") from None
    raise refused(f"A table is {TABLE_FORMAT}, not {type(value).__name__}")


def api_door(fn, inputs: list, table: gr.Dataframe, outputs, api_name: str, **options) -> None:
    """Register `fn` as /api_name with the visible `table` among `inputs` replaced by a hidden JSON
    input (default None: the default table). The page's own event stays as it is. Call it inside a
    Tab or outside the Tabs: a gr.Tabs must hold nothing but tabs (else its tab bar mixes up labels)."""
    json_table = gr.JSON(None, visible=False, label="table")
    door = gr.Button(visible=False)
    api_inputs = [json_table if component is table else component for component in inputs]
    # Undocumented: callable by gradio_client, left out of the API page and so of the MCP tools (an MCP
    # call is its own session: a training there would serve no later call).
    door.click(fn, api_inputs, outputs, api_name=api_name, api_visibility="undocumented", **options)
