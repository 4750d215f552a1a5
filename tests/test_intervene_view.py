"""Change it's handler as Gradio runs it: each yield's updates are consumed when sent."""

import pandas as pd
import pytest

from ui import intervene_view
from ui.session import Session


@pytest.mark.parametrize("kind", intervene_view.KINDS)
def test_every_change_streams_both_yields_when_gradio_consumes_the_updates(kind):
    session = Session()
    replies = intervene_view.run(session, kind, "", "z", 1.0, 3, "every layer", 0.5, "Kowalski")
    sent = []
    for outputs in replies:  # Gradio pops "value" from an update dict when it sends it
        sent.append([out.pop("value", None) if isinstance(out, dict) else out for out in outputs])
    assert len(sent) == 2
    gradient = sent[-1][-1]
    if kind == intervene_view.KINDS[2]:
        assert isinstance(gradient, pd.DataFrame) and {"before", "after"} <= set(gradient["series"])
    assert "→" in sent[-1][0]
