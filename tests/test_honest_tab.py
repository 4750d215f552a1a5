"""The Honest numbers tab's handlers on the app's default table: what a learner reads after each button."""

import re

import gradio as gr
import pandas as pd
import pytest

from ui import honest_tab
from ui.session import DEFAULT_TABLE

PERCENT = re.compile(r"\*\*(\d+\.\d)%\*\*")  # a headline figure: bold, one decimal


def figures(headline: str) -> list[float]:
    return [float(x) for x in PERCENT.findall(headline)]


def imbalance(copy: bool):
    """The two updates the imbalance handler yields, in order: (headline, counts, plot update) each."""
    return list(honest_tab.imbalance_view(DEFAULT_TABLE, copy=copy))


def test_on_the_default_table_nothing_leaks_said_plainly_with_where_repeats_come_from():
    headline, overall, _ = honest_tab.leakage_view(DEFAULT_TABLE)
    assert headline.startswith("**No name is listed twice, so nothing can leak**")
    assert figures(headline) == [round(overall["accuracy"][0] * 100, 1)]  # one figure, said once
    assert "instead of" not in headline and "against" not in headline
    for fact in ("NLP From Scratch: Classifying Names with a Character-Level RNN", "`data.zip`",
                 "download.pytorch.org/tutorial/data.zip", "`data/names/<Language>.txt`", "18 languages",
                 "20,074 names", "upload the .zip on the **Data** tab"):
        assert fact in headline, fact


def test_the_copy_with_repeated_names_inflates_the_wrong_order_only():
    _, own, _ = honest_tab.leakage_view(DEFAULT_TABLE)
    headline, overall, per_label = honest_tab.leakage_on_copy(DEFAULT_TABLE)
    honest, leaky = overall["accuracy"]
    assert honest == own["accuracy"][0] and leaky > honest + 0.1
    assert figures(headline) == [round(leaky * 100, 1), round(honest * 100, 1)]
    assert f"rows; yours has {len(DEFAULT_TABLE):,})" in headline and "listed 2 to 4 times" in headline
    gap = float(re.search(r"The (\d+\.\d) percentage points", headline).group(1))
    assert gap == pytest.approx(figures(headline)[0] - figures(headline)[1])  # the shown figures add up
    assert per_label["inflation"].iloc[0] > 0.2


def test_the_balanced_default_table_is_said_so_and_its_bars_start_at_zero():
    (headline, counts, first), (_, _, second) = imbalance(copy=False)
    assert "Your table is **balanced**" in headline and "Show it on a long-tailed copy" in headline
    assert counts["names"].min() == 98 and counts["names"].max() == 100
    assert "Always answering Arabic scores accuracy **5.6%** and macro accuracy" in headline and "head start, not knowledge" not in headline
    assert "color_map" not in first and set(second["color_map"]) == {"accuracy", "macro_accuracy"}
    assert second["y_lim"] == [0.55, 0.65]  # around the flat line at 60.7 %


def test_the_long_tailed_copy_shows_the_head_start_and_a_curve_that_moves():
    (headline, counts, _), (_, _, second) = imbalance(copy=True)
    assert "balanced" not in headline and "cut to a long tail" in headline
    assert counts["names"].tolist()[:3] == [100, 75, 56] and counts["names"].iloc[-1] == 8
    majority_accuracy, majority_macro, acc_0, acc_1, macro_0, macro_1 = figures(headline)
    assert majority_accuracy > 20 and majority_macro == 5.6 and "head start, not knowledge" in headline
    assert macro_1 > macro_0 and acc_1 < acc_0  # what the curve draws, in words
    curve = second["value"].pivot(index="strength", columns="figure", values="value")
    assert curve.loc[1.0, "macro_accuracy"] * 100 == pytest.approx(macro_1, abs=0.051)
    low, high = second["y_lim"]
    assert low <= curve.min().min() and curve.max().max() <= high and high - low <= 0.3  # zoomed, all in view
    assert "over 10 different splits" in headline


def test_headlines_have_no_trailing_junk():
    texts = [honest_tab.leakage_view(DEFAULT_TABLE)[0], honest_tab.leakage_on_copy(DEFAULT_TABLE)[0],
             imbalance(False)[-1][0], imbalance(True)[-1][0]]
    for text in texts:
        assert text == text.strip() and text.endswith(".") and "nan" not in text.lower()
        assert not re.search(r"\d\.\d{2,}%", text) and ".." not in text and " ," not in text


@pytest.mark.parametrize("handler", [honest_tab.leakage_on_copy, honest_tab.imbalance_on_copy])
def test_a_bad_table_is_refused_naming_its_own_row(handler):
    bad = pd.DataFrame({"name": ["Abe", "Bob", None, "Dan"], "label": ["A", "A", "B", "B"]})
    with pytest.raises(gr.Error, match="row 3: blank name"):
        result = handler(bad)
        list(result) if not isinstance(result, tuple) else result
