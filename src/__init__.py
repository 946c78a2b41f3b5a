"""CRNN scene-text recognition on MindSpore."""
import os

# The native convolution runs oneDNN on GNU OpenMP; OpenMP's default is to spin its idle threads,
# which takes the CPU from MindSpore's own threads between convolutions. libgomp reads this once, when
# it loads (with mindspore), so it is set here, before any entry script imports mindspore.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
