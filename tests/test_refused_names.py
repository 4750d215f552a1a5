"""A bad name is a visitor's mistake (issue 35, D7): told in the page or API and logged as one short
line; Gradio prints the 1.7 KB traceback of a gr.Error only when its print_exception is set."""

import gradio as gr
import pytest

from ui import classify_panel, letters_tab
from ui.errors import log
from ui.session import Session


@pytest.mark.parametrize("handler", [classify_panel.classify, letters_tab.letters_view])
def test_a_bad_name_is_refused_with_one_log_line_and_no_traceback(handler, caplog):
    log.addHandler(caplog.handler)
    try:
        with pytest.raises(gr.Error) as raised:
            handler("12345", Session())
    finally:
        log.removeHandler(caplog.handler)
    assert raised.value.print_exception is False
    assert [r.getMessage() for r in caplog.records] == ["name '12345' has no letters we can read"]
