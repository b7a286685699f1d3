"""Fig. 5: distortion–rate curves for several population sizes N, and their gap to the bound."""
from .common import groups_dr


def draw(data):
    return groups_dr(data, "N")[0]
