"""Fig. S3: Ising vs independent (Bernoulli) prior over activity: D–R curves with the bound and
their gap to it."""
from .common import groups_dr


def draw(data):
    return groups_dr(data, "prior over activity")[0]
