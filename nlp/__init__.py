"""The project's own NLU components (config.yml) and what they rely on.

Rasa imports this package when it reads config.yml, before it trains anything: the training
speed-ups (nlp/training_speedups.py: faster fingerprints of the training data) are applied then.
"""
from nlp import training_speedups

training_speedups.apply()
