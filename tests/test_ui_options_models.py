"""Every view that redoes the model's arithmetic works on a model trained with the options that
change its shape (an embedding, pooling 'last+max'), in each architecture."""

import gradio as gr
import pytest
from test_ui_handlers import TINY, tiny_table

from rnn_demo.lesson.quiz import QUESTION_ORDER
from rnn_demo.predict import predict
from ui import (
    gradients_view,
    letters_tab,
    map_view,
    mistakes_tab,
    model_tab,
    quiz_tab,
    step_view,
    train_panel,
    units_view,
)
from ui.session import Session

SHAPES = [("manual", "lstm", 8, "last+max"), ("stacked", "gru", 8, "last"), ("bidirectional", "rnn", 0, "last+max"),
          ("bidirectional", "gru", 8, "last+max")]


@pytest.fixture(scope="module", params=SHAPES, ids=lambda s: "-".join(map(str, s)))
def session(request):
    arch, cell, embedding, pooling = request.param
    session = Session()
    list(train_panel.run_training(session, tiny_table(), **{**TINY, "arch": arch, "cell": cell, "layers": 2},
                                  embedding=embedding, pooling=pooling, input_dropout=0.1, feature_dropout=0.2))
    assert session.model is not None and session.model.config.embedding == embedding
    return session


def test_step_through_ends_on_the_models_own_prediction(session):
    view, *_ = step_view.load("Alpha", session)
    index, header, bars, states, prediction, *_ = step_view.move(view, len(view.steps) - 1, 0)
    (label, probability), *_ = predict(session.model, ["Alpha"], k=1)[0]
    assert header.startswith(f"**Step {len(view.steps)} of {len(view.steps)}**")
    assert max(prediction, key=prediction.get) == label and prediction[label] == pytest.approx(probability, abs=1e-4)


def test_mistakes_letters_gradients_map_and_units_answer(session):
    text = mistakes_tab.mistakes_view("Li", "Schwarzenegger", True, True, True, session)
    assert "%" in text
    probabilities, hidden, note = letters_tab.letters_view("Alpha", session)
    assert probabilities
    letters, _ = gradients_view.saliency_view("Alpha", session)
    assert letters.count("<span") == len("alpha")
    *_, (plot, _, neighbours, _) = map_view.map_view("Alpha", session)
    points = plot["value"]
    assert (points["label"] == map_view.PLACED).sum() == 1
    table, unit = units_view.selective_view(session)
    assert len(table) >= 1


def test_the_model_tab_and_quiz_score_it(session):
    headline, *_ = model_tab.report_view(session, tiny_table())
    assert "accuracy" in headline.lower()
    prompt, *_ = quiz_tab.show_question(15, {}, session)  # 'fc-parameters': asked of this model
    assert "Linear layer `fc`" in prompt
    right = str(sum(p.numel() for p in session.model.fc.parameters()))  # fc reads 2F features with last+max
    feedback, results, score, _ = quiz_tab.check_answer(15, None, right, {}, session)
    assert feedback.startswith("**Right.**") and results == {"fc-parameters": True} and f"1 of {len(QUESTION_ORDER)} right" in score


def test_the_embedding_lookup_view_shows_equal_rows_and_refuses_a_name_without_letters():
    from ui import embedding_view

    text = embedding_view.show("Kim")
    assert text.count("| 'k' | 10 |") == 1 and "Equal in every number: **True**" in text
    with pytest.raises(gr.Error, match="no letters"):
        embedding_view.show("42")
