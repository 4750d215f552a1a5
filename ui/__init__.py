"""The rooms of the app: one module per panel or tab, each with a `build(...)` that creates its
components inside the current Blocks, wires its own events and returns what other rooms need.

Handlers are plain functions (tests call them directly); every number they show comes from
`rnn_demo`. `app.py` assembles the rooms and wires what crosses them.
"""
