"""The guide's path as lesson steps, in order: one-hot encoding to why gated cells, then intervening.

Each step has a slug (for the URL), a few sentences, the project's own code for that step (read live
from rnn_demo with inspect, so it never goes stale), the view of the app it comes from, and one
experiment that runs on names the learner types and the session's model.

    for step in STEPS:
        result = step.run(step.default_input, model)  # ExperimentResult: markdown, table (or None)
"""

from __future__ import annotations

import inspect
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rnn_demo import data, evaluate, models, train
from rnn_demo.data import DataError
from rnn_demo.inside import gradients, intervene
from rnn_demo.inside.cells import KEEP_BIAS
from rnn_demo.lesson import experiments, intervening
from rnn_demo.lesson.experiments import ExperimentResult
from rnn_demo.models import NameClassifier

# The app's full views, by the id the lesson links to, with the title each has in the app.
VIEWS = {
    "train": "Train",
    "data": "Data",
    "model": "Model & where it fails",
    "letters": "Letter by letter",
    "packing": "Padding & packing",
    "mistakes": "What goes wrong",
    "compare": "Compare",
    "why": "Watch it think",
    # Sub-tabs of Watch it think (ui/why_tab.py): the lesson opens them directly.
    "why-step": "Watch it think → Step through a name",
    "why-gradients": "Watch it think → Gradients through time",
    "why-intervene": "Watch it think → Change it",
}
PACKAGE_ROOT = Path(__file__).resolve().parent.parent
NAMES_HINT = "Names, separated by commas"
LABELLED_HINT = "Names with their language, e.g. Nakamura: Japanese, separated by commas"


def source_of(obj: object) -> str:
    """The source of a function, class or method, headed by the file and name it comes from."""
    where = Path(inspect.getsourcefile(obj)).resolve().relative_to(PACKAGE_ROOT).as_posix()
    return f"# {where}: {obj.__qualname__}\n" + textwrap.dedent(inspect.getsource(obj))


@dataclass(frozen=True)
class LessonStep:
    """One step of the lesson."""

    slug: str  # for the URL: ?step=padding
    title: str
    text: str  # two to four sentences
    sources: tuple  # the rnn_demo functions, classes and methods this step is about
    view: str  # the id of the full view it comes from (a key of VIEWS)
    experiment: Callable[[str, NameClassifier], ExperimentResult]
    default_input: str  # what the experiment's box holds at first
    input_hint: str = NAMES_HINT  # the box's label

    @property
    def code(self) -> str:
        """The project's own code for this step, as it is on disk now."""
        return "\n\n".join(source_of(obj) for obj in self.sources)

    def run(self, text: str, model: NameClassifier) -> ExperimentResult:
        """Run this step's experiment; DataError (with a readable message) for input it cannot use."""
        if not str(text or "").strip():
            raise DataError(f"type something first: {self.input_hint.lower()}")
        return self.experiment(text, model)


STEPS: tuple[LessonStep, ...] = (
    LessonStep("one-hot", "One-hot encoding",
         "A network reads numbers, not letters. We spell each name in a small alphabet of "
         f"{data.V} symbols and turn every letter into a row of {data.V} zeros with a single 1 at the letter's "
         "place. A name of T letters becomes a (T, V) matrix.",
         (data.encode_name, data.one_hot), "letters", experiments.one_hot_experiment, "Müller"),
    LessonStep("cell-loop", "A cell loop by hand",
         "A recurrent cell reads one letter and the state it had so far, and returns a new state. Loop it over "
         "the letters and the last state sums up the whole name. A name that has ended in a batch keeps its "
         "last real state: that is what the mask does.",
         (models.ManualRNN.hidden_states,), "why-step", experiments.cell_loop_experiment, "Nakamura"),
    LessonStep("nn-rnn", "nn.RNN",
         "nn.RNN runs that loop for you, over a whole batch, in fast library code. The classifier is a Linear "
         "layer on the state after each name's last letter: it turns H numbers into C scores, one per language.",
         (models.StackedRNN.__init__, models.StackedRNN.forward), "train", experiments.nn_rnn_experiment,
         "Nakamura, Dvořák, O'Neill"),
    LessonStep("padding", "Padding",
         "A batch is one tensor, so every name in it needs the same number of steps. pad_sequence adds all-zero "
         "rows after the shorter names; `lengths` remembers where each name really ends.",
         (data.collate,), "packing", experiments.padding_experiment, "Li, Nakamura, Schwarzenegger"),
    LessonStep("packing", "Packing",
         "Zeros are not letters, yet an RNN fed the padded tensor steps through them and its state drifts. "
         "pack_padded_sequence gives the RNN only the real letters, so each name stops at its own last letter "
         "and gets the same answer alone or in any batch.",
         (models.StackedRNN.hidden_states,), "packing", experiments.packing_experiment,
         "Li, Schwarzenegger, Papadopoulos"),
    LessonStep("stacking", "Stacking layers",
         "With num_layers=2 a second layer reads the first layer's states instead of letters. The first layer "
         "reads V one-hot symbols, every layer above reads H states, and the classifier reads the top one.",
         (models.ManualRNN.__init__,), "model", experiments.stacking_experiment, "Nakamura"),
    LessonStep("bidirectional", "Bidirectional",
         "A second RNN reads the name right to left, so the classifier sees both the start (Mac-, O') and the "
         "end (-ski, -ov) with the whole name behind them. Each direction ends somewhere else: the forward one "
         "after the last letter, the backward one after the first.",
         (models.BidirectionalRNN,), "mistakes", experiments.bidirectional_experiment, "Kowalski"),
    LessonStep("dataset", "Dataset, collate_fn, DataLoader",
         "A Dataset hands out one (one-hot name, label index) pair at a time. The DataLoader draws a few of them "
         "and calls collate_fn to make one batch: padded (B, T, V), lengths (B,), labels (B,).",
         (data.NamesDataset, data.make_loader), "data", experiments.dataset_experiment,
         "Nakamura: Japanese, Li: Chinese, Dvořák: Czech", LABELLED_HINT),
    LessonStep("training", "The training loop",
         "Each step scores a batch, measures the cross-entropy loss against the true labels, computes gradients "
         "with backward(), clips them (an RNN's gradient can explode through a long name) and lets Adam move "
         "the weights a little. Train runs this over every batch, epoch after epoch.",
         (train.train,), "train", experiments.training_experiment,
         "Duda: Polish, Janda: Czech, Logan: Scottish", LABELLED_HINT),
    LessonStep("evaluation", "Evaluation",
         "A model is judged on names it never trained on. Accuracy counts the right answers; macro accuracy "
         "averages each language's accuracy, so a rare language counts as much as a common one.",
         (evaluate.validate, evaluate.accuracies), "model", experiments.evaluation_experiment,
         "Nakamura: Japanese, Dvořák: Czech, Duda: Polish, Logan: Scottish", LABELLED_HINT),
    LessonStep("why-gated", "Why gated cells",
         "A plain RNN multiplies its state by the same weights at every letter, so what it read long ago fades, "
         "and so does the gradient that should teach it. GRU and LSTM cells have gates that can pass the state on "
         f"unchanged, once the gate is open: training can open it, and so does starting its bias at +{KEEP_BIAS:g}. "
         "Measure how far back each cell still reaches.",
         (gradients.state_gradient_norms,), "why-gradients", experiments.why_gated_experiment,
         "Wolfeschlegelsteinhausen"),
    LessonStep("intervene", "Change it and see what breaks",
         "A unit that fires for Polish names may still not be why the model says Polish. To find out, change the "
         "network at every letter and measure again: hold units at zero, force a gate, scale W_hh. The manual "
         "cell loop is where such a change goes, because nn.RNN runs its loop out of reach.",
         (intervene._run_layer,), "why-intervene", intervening.intervene_experiment, "Kowalski, Nakamura, O'Neill"),
)


def step_by_slug(slug: str) -> LessonStep:
    """The step a URL names; ValueError listing the valid slugs for anything else."""
    for step in STEPS:
        if step.slug == slug:
            return step
    raise ValueError(f"no lesson step {slug!r}; the steps are {', '.join(s.slug for s in STEPS)}")
