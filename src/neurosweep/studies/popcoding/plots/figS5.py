"""Fig. S5 (mixture prior): train and test distortion vs R for each training-set size."""
from .fig6 import draw  # noqa: F401  (same panels as Fig. 6, on the mixture sweep)
