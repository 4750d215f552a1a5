"""The lesson and the quiz: the guide's steps with their own code read live (steps.py), the
experiments each step runs (experiments.py, training.py), the quiz and its questions, and the two
honest-numbers lessons (leakage and imbalance, honest.py). The core never imports from here."""
