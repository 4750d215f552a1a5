"""The quiz's questions on the ideas: the guide's five review questions and questions on the other
views. Those computed from the session's model are in quiz.py, with checking and the score.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rnn_demo.inside.packing import packing_view

PADDED_NAMES = ["Li", "Nakamura", "Schwarzenegger"]  # the batch two number questions are about
COLLATE_ANSWER = ("It turns a list of (one-hot name, label) items into one batch: "
                  "padded (B, T, V), lengths (B,), labels (B,)")


@dataclass(frozen=True)
class Question:
    """One question: multiple choice when `choices` is not empty, else a number."""

    id: str  # stable, for the saved score
    prompt: str  # markdown; never holds the answer
    choices: tuple[str, ...]
    answer: str | float = field(repr=False)  # the right choice, or the number; never show it before an answer
    explanation: str = field(repr=False)  # shown with a right answer: why
    hint: str  # shown with a wrong answer: where to look, without giving the answer away
    view: str  # id of the view that shows it (a key of lesson.VIEWS)
    step: str  # slug of the lesson step that shows it
    tolerance: float = 0.0  # for a number: how far off still counts as right
    live: bool = False  # computed from the session's model

    @property
    def kind(self) -> str:
        return "choice" if self.choices else "number"



def guide_questions() -> dict[str, Question]:
    """The guide's five review questions, by id."""
    return {q.id: q for q in (
        Question(
            "rnncell-vs-rnn", "When would you use `nn.RNNCell` rather than `nn.RNN`?",
            ("Whenever the names in a batch have different lengths",
             "When you want a bidirectional model",
             "Because a Python loop over cells is faster than nn.RNN",
             "When you need to act at every step yourself: read or change the state, or feed an output back in"),
            "When you need to act at every step yourself: read or change the state, or feed an output back in",
            "A cell does one step and you write the loop, so every step is yours to inspect or change; nn.RNN "
            "runs the whole sequence (and stacks layers) in fast library code. Same weights, same answer.",
            "What does a cell give you that a whole-sequence layer hides? Compare the loop with nn.RNN.",
            "letters", "cell-loop"),
        Question(
            "why-pad", "Why do we pad names?",
            ("So the model sees more letters and learns faster",
             "Because one-hot encoding only works on names of one length",
             "A batch is one tensor, so every name in it needs the same number of steps",
             "To hide where each name ends from the model"),
            "A batch is one tensor, so every name in it needs the same number of steps",
            "A tensor is a rectangle: shorter names get all-zero rows up to the longest, and `lengths` keeps "
            "where each one really ends.",
            "Think about the shape of one batch, and what a short name does to it.",
            "packing", "padding"),
        Question(
            "why-pack", "Why pack a padded batch before the RNN?",
            ("So each name's recurrence stops at its own last letter and padding never reaches its state",
             "To make the one-hot vectors smaller",
             "To sort the names alphabetically",
             "So the shorter names get more training"),
            "So each name's recurrence stops at its own last letter and padding never reaches its state",
            "Packed, the RNN runs only the real letters (the longest names first, fewer names at each later "
            "step): a name gets the same answer alone or in any batch.",
            "Run one short name in a batch of long ones, with and without packing.",
            "mistakes", "packing"),
        Question(
            "why-bidirectional", "Why read a name in both directions?",
            ("It halves the number of parameters",
             "It lets the model skip the padding",
             "The classifier then sees both ends of the name (Mac-, O' and -ski, -ov) with the whole name behind them",
             "A backward RNN trains faster than a forward one"),
            "The classifier then sees both ends of the name (Mac-, O' and -ski, -ov) with the whole name behind them",
            "The forward state has just read the end; the backward one, read right to left, has just read the "
            "start. Both have seen every letter.",
            "Which letters has each direction just read when the classifier reads it?",
            "letters", "bidirectional"),
        Question(
            "collate-fn", "What does the DataLoader's `collate_fn` do here?",
            ("It shuffles the names before each epoch",
             COLLATE_ANSWER,
             "It one-hot encodes each name",
             "It splits the table into training and validation names"),
            COLLATE_ANSWER,
            "The default collate stacks items, and names of different lengths do not stack: ours pads them "
            "and keeps the lengths.",
            "What does the DataLoader hand to collate_fn, and what must come out for the model?",
            "data", "dataset"),
    )}


def view_questions() -> dict[str, Question]:
    """Questions on the other views and steps, by id."""
    return {**computed_questions(), **fixed_questions()}


def computed_questions() -> dict[str, Question]:
    """Questions whose answers the pipeline computes: the alphabet's width, padding and packing."""
    padded = packing_view(PADDED_NAMES)
    _, T, V = padded.one_hot_shape
    step = 5
    return {q.id: q for q in (
        Question(
            "one-hot-width", "How many numbers does one letter's one-hot row hold in this project?", (),
            float(V), f"The alphabet has {V} symbols: 26 letters, space, apostrophe, hyphen, full stop and "
            "'?' for anything unreadable.",
            "Count the alphabet: letters and the few symbols names use, plus one for the unknown. Padding & "
            "packing gives it in the tensor's shape (names × steps × symbols).",
            "packing", "one-hot"),
        Question(
            "padded-steps", f"'{PADDED_NAMES[0]}', '{PADDED_NAMES[1]}' and '{PADDED_NAMES[2]}' are padded into "
                            "one batch. How many time steps T does the padded tensor have?",
            (), float(T), f"T is the longest name's length: the tensor is {padded.one_hot_shape}.",
            "Padding fills every name up to the same length. Which length? Type the three names in Padding & "
            "packing and read the tensor's shape (names × steps × symbols).", "packing", "padding"),
        Question(
            "running-at-step", f"Packed, how many of those three names are still running at step t = {step} "
                               "(counting from 0)?",
            (), float(padded.batch_sizes[step]), f"batch_sizes is {padded.batch_sizes}: at step {step} only "
            f"the names longer than {step} letters run.",
            "Type the three names in Padding & packing and read `batch_sizes` (one number per step, from t = 0) "
            "or that step's row of the packed table; or count the names with more than that many letters.",
            "packing", "packing"),
    )}


def fixed_questions() -> dict[str, Question]:
    """Questions on the other views whose answers are ideas, not numbers."""
    return {q.id: q for q in (
        Question(
            "find-bug", "An encoder sets `row[alphabet.find(ch)] = 1`. What happens to a character that is not "
                        "in the alphabet, say a digit?",
            ("Python raises an error", "The row stays all zeros",
             "find returns -1, so the row silently marks the LAST symbol", "The character is skipped"),
            "find returns -1, so the row silently marks the LAST symbol",
            "str.find gives -1 and index -1 is the last column: the digit reads as another symbol, no error. "
            "We give unreadable characters their own symbol '?'.",
            "What does str.find return for a missing character, and what does that index mean?",
            "mistakes", "one-hot"),
        Question(
            "backward-end", "Where does a bidirectional model read its backward direction's final state?",
            ("At the last letter, output[lengths − 1]", "At the last padded step", "It does not read it",
             "After the FIRST letter: h_n[-1]"),
            "After the FIRST letter: h_n[-1]",
            "The backward direction reads right to left, so it ends at the first letter; at step lengths − 1 "
            "it has read only the last letter.",
            "In which order does the backward direction read the letters, and where does it finish?",
            "mistakes", "bidirectional"),
        Question(
            "validation-split", "Why does training keep about 15% of each language's names out of training?",
            ("To measure the model on names it never learnt from", "To train faster",
             "Because those names are duplicates", "To balance the languages"),
            "To measure the model on names it never learnt from",
            "A model can memorise its training names; only unseen names tell how it will do on new ones.",
            "What would accuracy on the training names themselves tell you?", "data", "evaluation"),
        Question(
            "clip", "Why does the training loop call `clip_grad_norm_` before the optimiser step?",
            ("To make training deterministic", "To stop the loss from going below zero",
             "An RNN's gradient can explode through a long name; clipping caps one step's size", "To free memory"),
            "An RNN's gradient can explode through a long name; clipping caps one step's size",
            "Backpropagating through many steps multiplies by the same weights again and again; one huge "
            "gradient could spoil the weights.",
            "Think of what backpropagation through many steps multiplies together.", "train", "training"),
        Question(
            "macro-accuracy", "What is macro accuracy?",
            ("Accuracy on the longest names", "Accuracy over all names, each counted once",
             "The mean of each language's accuracy, so a rare language counts as much as a common one",
             "The best accuracy of any epoch"),
            "The mean of each language's accuracy, so a rare language counts as much as a common one",
            "Plain accuracy is dominated by the common languages; macro accuracy averages the per-language "
            "accuracies.",
            "Compare the headline numbers with the per-language bars.", "model", "evaluation"),
        Question(
            "fair-compare", "You compare two architectures on the Compare tab. What must stay the same for a "
                            "fair comparison?",
            ("The number of parameters only", "Nothing: the better architecture always wins",
             "The hidden size only", "The seed, the names and their split, and the training budget"),
            "The seed, the names and their split, and the training budget",
            "Change one thing at a time: the same seed gives the same split, initial weights and batch order.",
            "What else changes the curve besides the architecture?", "compare", "training"),
        Question(
            "why-gates", "Why do GRU and LSTM cells cope better with long names than a plain RNN?",
            ("Gates can let the state, and the gradient, pass many steps almost unchanged",
             "They have no hidden state", "They read two letters at a time", "They do not need padding"),
            "Gates can let the state, and the gradient, pass many steps almost unchanged",
            "A plain RNN multiplies by W_hh and tanh' at every step, so an early letter's pull fades "
            "geometrically; a gate that stays open carries it across.",
            "Measure how much the first letter of a long name still moves the final state.", "why", "why-gated"),
    )}
