"""Every metric on five names whose figures are worked out by hand below."""

import pandas as pd
import pytest
import torch

from rnn_demo.evaluate import METRICS, Scores, accepted_labels, comparison_frame, per_label_f1, score

LABELS = ["A", "B", "C", "D"]
# name, target, scores over A B C D -> prediction, top 3
HAND = [
    ("anna", 0, [4, 3, 2, 1]),  # A right; top 3 A B C
    ("lee", 0, [2, 4, 3, 1]),  # B wrong, but the table also lists lee under B; top 3 B C A holds A
    ("ming", 0, [1, 4, 3, 2]),  # B wrong; top 3 B C D misses A
    ("bo", 1, [1, 4, 3, 2]),  # B right
    ("cruz", 2, [4, 1, 3, 2]),  # A wrong (the table lists cruz under C and D); top 3 A C D holds C
]
TABLE = pd.DataFrame({
    "name": ["anna", "lee", "lee", "ming", "bo", "cruz", "cruz", "dan"],
    "label": ["A", "A", "B", "A", "B", "C", "D", "D"],
})


@pytest.fixture
def hand():
    names = [n for n, _, _ in HAND]
    targets = torch.tensor([t for _, t, _ in HAND])
    scores = torch.tensor([s for _, _, s in HAND], dtype=torch.float)
    return names, targets, scores


def test_each_metric_matches_the_hand_computed_figure(hand):
    names, targets, scores = hand
    result = score(scores, targets, accepted_labels(names, TABLE, LABELS))
    assert result.accuracy == pytest.approx(2 / 5)  # anna, bo
    # Recall per label: A 1/3, B 1/1, C 0/1; D has no validation name and does not count.
    assert result.macro_accuracy == pytest.approx((1 / 3 + 1 + 0) / 3)
    # A: guessed for anna and cruz (P 1/2), R 1/3 -> F1 0.4. B: guessed 3 times (P 1/3), R 1 -> 0.5. C: 0.
    assert result.macro_f1 == pytest.approx((0.4 + 0.5 + 0) / 3)
    assert result.top3_accuracy == pytest.approx(4 / 5)  # all but ming
    assert result.ambiguity_aware_accuracy == pytest.approx(3 / 5)  # lee -> B counts too
    assert result.ambiguous_names == 2 and result.n == 5  # lee and cruz


def test_per_label_f1_is_nan_for_labels_without_names_and_zero_when_never_right(hand):
    _, targets, scores = hand
    f1 = per_label_f1(scores.argmax(1), targets, 4)
    assert f1[:3].tolist() == pytest.approx([0.4, 0.5, 0.0]) and f1[3].isnan()


def test_without_a_table_only_the_own_label_counts(hand):
    _, targets, scores = hand
    result = score(scores, targets)
    assert result.ambiguity_aware_accuracy == result.accuracy and result.ambiguous_names == 0


def test_accepted_labels_lists_every_label_of_a_name_and_nothing_for_unknown_names():
    accepted = accepted_labels(["lee", "zed"], TABLE, LABELS)
    assert accepted.tolist() == [[True, True, False, False], [False, False, False, False]]


def test_top3_with_two_classes_is_always_right():
    result = score(torch.tensor([[0.0, 1.0], [1.0, 0.0]]), torch.tensor([0, 0]))
    assert result.top3_accuracy == 1.0 and result.accuracy == 0.5


def test_scoring_no_names_is_refused_with_a_message():
    with pytest.raises(ValueError, match="no names to score"):
        score(torch.zeros(0, 3), torch.zeros(0, dtype=torch.long))


def test_comparison_frame_has_one_row_per_classifier_and_one_column_per_metric():
    figures = Scores(0.5, 0.4, 0.3, 0.9, 0.6, 2, 10)
    frame = comparison_frame({"model": figures, "majority": figures, "ngram": figures})
    assert frame["classifier"].tolist() == ["model", "majority", "ngram"]
    assert list(frame.columns) == ["classifier", *METRICS, "n"]
    assert frame.loc[0, "macro_f1"] == 0.3
