"""Heat maps' colours: colour-blind-safe ends, and every number readable on its cell in both themes."""

import numpy as np
import pandas as pd
import pytest

from ui import heatmap


def contrast(first: float, second: float) -> float:
    high, low = max(first, second), min(first, second)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("theme", heatmap.UNDER)
@pytest.mark.parametrize("colour", [heatmap.POSITIVE, heatmap.NEGATIVE])
def test_the_ink_picked_for_a_cell_reads_at_every_strength_in_both_themes(theme, colour):
    under = heatmap.rgb(heatmap.UNDER[theme])
    for alpha in np.linspace(0, 1, 101):
        painted = [alpha * c + (1 - alpha) * u for c, u in zip(heatmap.rgb(colour), under)]
        ink = 1.0 if heatmap.white_reads_better(colour, alpha, theme) else 0.0  # white's luminance, or black's
        assert contrast(ink, heatmap.luminance(painted)) >= 4.5, (theme, colour, alpha)


def test_the_luminance_matches_wcag_for_white_black_and_a_grey():
    assert heatmap.luminance((255, 255, 255)) == pytest.approx(1.0)
    assert heatmap.luminance((0, 0, 0)) == 0.0
    assert heatmap.luminance((119, 119, 119)) == pytest.approx(0.1845, abs=1e-3)  # #777: 4.48:1 on white


def test_a_clear_cell_has_dark_ink_on_light_and_light_ink_on_dark_and_a_full_one_the_other_where_it_reads():
    page = heatmap.heatmap_html(pd.DataFrame([[0, 10]], columns=["a", "b"]), "t")
    assert "class='shade'>0<" in page  # black on white (light), white on the dark grey (dark)
    assert "class='shade ink-k'>10<" in page  # CBD1's mid blue: black reads better on it in both themes
    assert "#111" not in page  # no fixed colour outside the two inks


def test_signed_values_use_the_palettes_two_ends_and_the_corner_is_not_an_empty_header():
    page = heatmap.diverging_html(pd.DataFrame([[-2.0, 1.0]], columns=["h0", "h1"]), "t", "activation")
    assert "rgba(167, 143, 8, 1.00)" in page and "rgba(58, 144, 254, 0.50)" in page  # #a78f08, #3a90fe
    assert "<th></th>" not in page and "tabindex='0'" in page  # axe: empty-table-header, scrollable region


def test_the_plots_palette_shows_on_both_themes_and_the_map_star_keeps_its_colour_to_itself():
    from ui import map_view, plots
    for colour in plots.PALETTE[:18]:
        lum = heatmap.luminance(heatmap.rgb(colour))
        assert contrast(lum, heatmap.luminance(heatmap.rgb(heatmap.UNDER["dark"]))) >= 2, colour
        assert contrast(lum, 1.0) >= 2, colour
    languages = [f"language {i}" for i in range(18)]
    colours = plots.colour_map([*languages, "star"], {"star": map_view.STAR})
    assert len(set(colours.values())) == 19  # 18 languages, the star
    assert "#dd00ff" not in colours.values()  # Glasbey's violet, beside the star's #ff00ff
