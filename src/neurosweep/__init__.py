"""neurosweep: reproduce computational-neuroscience papers by running their parameter sweeps."""

__version__ = "0.1.0"
