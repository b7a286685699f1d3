"""neurosweep.statistics against scipy."""

import math

import numpy as np
import pytest
from scipy import stats

from neurosweep.statistics import ranks, spearman


@pytest.mark.parametrize("seed", range(5))
def test_spearman_equals_scipy_with_and_without_ties(seed):
    rng = np.random.default_rng(seed)
    a, b = rng.standard_normal(30), rng.standard_normal(30)
    assert spearman(a, b) == pytest.approx(stats.spearmanr(a, b).statistic, abs=1e-12)
    ta, tb = rng.integers(0, 4, 30), rng.integers(0, 3, 30)  # many ties
    assert spearman(ta, tb) == pytest.approx(stats.spearmanr(ta, tb).statistic, abs=1e-12)


def test_ranks_average_ties():
    assert list(ranks([3, 1, 3, 2])) == [2.5, 0, 2.5, 1]


def test_spearman_edge_cases():
    assert spearman([1, 2, 3], [3, 2, 1]) == pytest.approx(-1)
    assert math.isnan(spearman([1, 1, 1], [1, 2, 3]))
    assert math.isnan(spearman([1, np.nan, 3], [1, 2, 3]))
    with pytest.raises(ValueError):
        spearman([1, 2], [1, 2, 3])
