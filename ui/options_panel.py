"""The training panel's options that make the network stronger, each explained in a sentence
(rnn_demo.config.OPTIONS), each keyed by its page name (train_panel.make_config reads them by name)."""

from __future__ import annotations

import gradio as gr

from rnn_demo.config import BALANCE_METHODS, KEEP_BEST, OPTIONS, SCHEDULES
from rnn_demo.models import POOLINGS
from ui import embedding_view


def build() -> dict:
    """Options that make the network stronger, each explained in a sentence (rnn_demo.config.OPTIONS)."""
    with gr.Accordion("Make it stronger: options", open=False, elem_id="options"):
        with gr.Row():
            embedding = gr.Slider(0, 128, value=0, step=8, label="Embedding size (0: one-hot straight in)",
                                  info=OPTIONS["embedding"])
            pooling = gr.Radio(list(POOLINGS), value="last", label="Classifier reads", info=OPTIONS["pooling"])
        embedding_view.build()
        with gr.Row():
            dropout = gr.Slider(0, 0.6, value=0, step=0.05, label="Dropout between layers", info=OPTIONS["dropout"])
            weight_decay = gr.Slider(0, 0.2, value=0, step=0.01, label="Weight decay (AdamW)",
                                     info=OPTIONS["weight_decay"])
        with gr.Row():
            label_smoothing = gr.Slider(0, 0.3, value=0, step=0.05, label="Label smoothing",
                                        info=OPTIONS["label_smoothing"])
            schedule = gr.Radio(list(SCHEDULES), value="constant", label="Learning-rate schedule",
                                info=OPTIONS["schedule"])
        with gr.Row():
            input_dropout = gr.Slider(0, 0.5, value=0, step=0.05, label="Input dropout",
                                      info=OPTIONS["input_dropout"])
            feature_dropout = gr.Slider(0, 0.6, value=0, step=0.05, label="Dropout before the classifier",
                                        info=OPTIONS["feature_dropout"])
        average = gr.Slider(0, 0.999, value=0, step=0.001, label="Average the weights (0: off; e.g. 0.998)",
                            info=OPTIONS["average"])
        with gr.Row():
            balance = gr.Radio(["off", *BALANCE_METHODS], value="off", label="Balance the languages",
                               info=OPTIONS["balance"])
            balance_strength = gr.Slider(0, 2, value=1, step=0.05, label="Balance strength",
                                         info=OPTIONS["balance_strength"])
        keep_best = gr.Radio([("auto: macro when balancing, else accuracy", "auto"), *KEEP_BEST], value="auto",
                             label="Keep the epoch with the best", info=OPTIONS["keep_best"])
    return {"embedding": embedding, "pooling": pooling, "dropout": dropout, "weight_decay": weight_decay,
            "label_smoothing": label_smoothing, "schedule": schedule, "balance": balance, "input_dropout": input_dropout,
            "feature_dropout": feature_dropout, "average": average, "balance_strength": balance_strength,
            "keep_best": keep_best}
