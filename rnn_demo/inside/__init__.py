"""Watch it think: the numbers behind the teaching views, computed from a trained model's own
weights (the cell equations by hand, stepping through a name, saliency and vanishing gradients, the
map of hidden states, the unit explorer, the three classic mistakes, remember-the-first-letter).
The core pipeline (rnn_demo/*.py) never imports from here."""
