"""The classify panel: Enter starts a new line in the name box, and a name it cannot read gets one
message where the prediction goes, never an error raised into the page."""

import gradio as gr

from ui import classify_panel
from ui.session import Session


def build_panel():
    with gr.Blocks() as demo:
        panel = classify_panel.build(gr.State())
    return demo, panel


def test_enter_adds_a_line_and_only_the_api_classifies_on_request():
    demo, panel = build_panel()
    # Gradio's Textbox submits on Enter only when lines == 1; with more, Enter is a new line.
    assert panel.name_input.lines > 1
    box = panel.name_input._id
    triggers = [(target, event) for dep in demo.config["dependencies"] for target, event in dep["targets"]]
    assert (box, "submit") not in triggers and (box, "change") in triggers
    api = [dep for dep in demo.config["dependencies"] if dep["api_name"] == "classify"]
    assert len(api) == 1 and api[0]["targets"] == []  # /classify stays for API and MCP clients


def test_a_name_without_letters_is_told_in_the_prediction():
    label, many = classify_panel.classify_live("1234\n", Session())
    assert label["value"] == "name '1234' has no letters we can read" and label["label"] == "Cannot classify this"
    assert many["visible"] is False
    label, _ = classify_panel.classify_live("Kim\n1234", Session())  # one bad line: it is named
    assert "'1234'" in label["value"]
    label, _ = classify_panel.classify_live("  \n", Session())
    assert label["value"] is None and label["label"] == "Type a name"


def test_several_lines_are_several_names():
    label, many = classify_panel.classify_live("Kim\nLi", Session())
    assert many["value"]["name"].tolist() == ["Kim", "Li"] and label["label"] == "Top 5 for 'Kim'"


def test_the_code_shown_is_the_answering_models_not_the_picked_architecture():
    session = Session()  # the shipped model answers
    assert f"class {type(session.answering).__name__}(" in classify_panel.answering_source(session)
    demo, panel = build_panel()
    arch_changes = [dep for dep in demo.config["dependencies"] if any(e == "change" for _, e in dep["targets"])
                    and dep["targets"][0][0] == panel.answering._id]
    assert len(arch_changes) == 1  # the code follows the answering line, which every new model rewrites
