"""Step 10: watch the recurrence, one update at a time.

A GRU step by hand, with the shipped model's own weights: reset gate r, update gate z, candidate n,
then h_t = (1 - z) * n + z * h_{t-1}. It equals torch's nn.GRUCell. rnn_demo.inside.stepper does this for
every letter and layer of a name (rnn: tanh of the pre-activation; lstm: gates i, f, o and the cell
state c) and ends exactly on the model's own hidden state.
Shapes: T letters, V alphabet, H hidden, G*H the gates stacked (gru: r, z, n).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # find rnn_demo from anywhere

import torch

from rnn_demo.checkpoints import load_checkpoint
from rnn_demo.data import LETTER_INDEX, one_hot
from rnn_demo.inside.stepper import step_through

torch.set_num_threads(1)
model = load_checkpoint()  # the shipped model: stacked, gru, 2 layers, hidden 128
rnn, H = model.rnn, model.config.hidden_size
print(f"model: {model.config.arch} {model.config.cell}, {model.config.num_layers} layers, hidden {H}")

# One GRU step by hand: layer 0 reads the letter 'k' from a zero state.
x, h = one_hot("k"), torch.zeros(1, H)  # (1, V), (1, H)
with torch.no_grad():
    gx = x @ rnn.weight_ih_l0.T + rnn.bias_ih_l0  # (1, 3H): the letter's share of r, z, n
    gh = h @ rnn.weight_hh_l0.T + rnn.bias_hh_l0  # (1, 3H): the previous state's share
    r = torch.sigmoid(gx[:, :H] + gh[:, :H])
    z = torch.sigmoid(gx[:, H:2 * H] + gh[:, H:2 * H])
    n = torch.tanh(gx[:, 2 * H:] + r * gh[:, 2 * H:])
    h_new = (1 - z) * n + z * h
    cell = torch.nn.GRUCell(len(x[0]), H)
    cell.load_state_dict({name.replace("_l0", ""): p for name, p in rnn.state_dict().items() if name.endswith("_l0")})
    torch.testing.assert_close(h_new, cell(x, h))
print(f"'k' picks column {LETTER_INDEX['k']} of W_ih; mean z = {z.mean():.2f} (1 keeps the old state), "
      f"‖h‖ = {h_new.norm():.3f}: equal to nn.GRUCell")

# The whole name: nn.GRU runs layer 0 over every letter, then layer 1 over layer 0's outputs.
view = step_through(model, "Kowalski", k=3)
print(f"\n{len(view.steps)} steps ({len(view.letters)} letters x {model.config.num_layers} layers):")
for step in view.steps:
    z_gate = next(v for v in step.update if v.name == "z")
    answer = view.probabilities["label"][0]  # the whole name's answer, followed as it forms
    guess = (f"  guess {step.guess}, P({answer}) {step.prediction['probability'][0]:.2f}"
             if step.prediction is not None else "")
    mean_z = sum(z_gate.values) / len(z_gate.values)
    print(f"  layer {step.layer} letter {step.position + 1} {step.letter!r}: mean z of shown units {mean_z:.2f}, "
          f"‖h‖ {step.h_before.norm:.2f} -> {step.h_after.norm:.2f}{guess}")
print(view.steps[0].explanation)

# The last step's state is the model's own hidden state after the last letter.
last = view.steps[-1]
with torch.no_grad():
    own = model.hidden_states(one_hot("kowalski")[None], torch.tensor([8]))[0, -1]  # (H,)
torch.testing.assert_close(torch.tensor(last.h_after.values), own[last.h_after.units], atol=1e-6, rtol=0)
assert abs(last.h_after.norm - own.norm().item()) < 1e-5
assert last.guess == view.probabilities["label"][0]
print(f"\nlast state = model.hidden_states(...)[-1]; answer {last.guess} {view.probabilities['probability'][0]:.2f}")

print("OK 10: the step-through's updates, by hand with the model's weights, end on the model's own state")
