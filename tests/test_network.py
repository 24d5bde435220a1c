"""The tie product of a large county (model.network.ColumnBlocks): its columns in blocks, for the cache, with
the same sums to the last bit as the whole product, so a county's run does not depend on how it is computed."""

import numpy as np
import pytest
import scipy.sparse as sp

import model.network as network
from model import SecureCommunitiesModel
from model.network import ColumnBlocks, blocks_bytes, tie_product
from model.spin_up import clear_cache


@pytest.fixture(scope="module")
def county():
    return SecureCommunitiesModel(rng=3, n_residents=5000, spin_up_weeks=0)


@pytest.mark.parametrize("block", [700, 2500, 4999])
def test_the_product_in_column_blocks_has_every_rows_sum_to_the_last_bit(county, block):
    weights = county.ties.weights
    blocks = tie_product(weights, block)
    assert isinstance(blocks, ColumnBlocks) and len(blocks.blocks) == -(-weights.shape[1] // block)
    rng = np.random.default_rng(0)
    for v in (rng.random(weights.shape[1]), county.fear_process.fear * county.fear_process.present,
              rng.random(weights.shape[1]) * 1e-9 + rng.random(weights.shape[1]) * 1e9):
        whole = weights @ v
        assert np.array_equal((blocks @ v).view(np.int64), whole.view(np.int64))


def test_a_county_up_to_the_block_multiplies_whole_and_unsorted_ties_are_refused(county):
    weights = county.ties.weights
    assert tie_product(weights, weights.shape[1]) is weights
    unsorted = sp.csr_matrix((np.array([0.3, 1.0]), np.array([3, 1]), np.array([0, 2, 2, 2, 2])), shape=(4, 4))
    assert not unsorted.has_sorted_indices
    with pytest.raises(ValueError, match="column order"):
        ColumnBlocks(unsorted, 2)
    assert tie_product(unsorted, 2) is unsorted  # (multiplied whole: the same sums)


def test_a_county_run_with_its_product_in_blocks_is_the_same_run(monkeypatch):
    def run():
        clear_cache()  # its spin-up too, not a copy of the first run's
        m = SecureCommunitiesModel(rng=8, n_residents=2500, activation_week=10)
        for _ in range(30):
            m.step()
        return m

    whole = run()
    monkeypatch.setattr(network, "PRODUCT_BLOCK", 600)  # five blocks, for the spin-up and every week
    blocked = run()
    assert isinstance(blocked.ties.product(), ColumnBlocks)
    assert not isinstance(whole.ties.product(), ColumnBlocks)
    np.testing.assert_array_equal(blocked.fear, whole.fear)
    assert blocked.datacollector.get_model_vars_dataframe().equals(whole.datacollector.get_model_vars_dataframe())


@pytest.mark.parametrize("block", [700, 2500, 4999, 5000])
def test_the_memory_the_benchmark_gives_the_blocks_is_their_arrays_own(county, block):
    """``blocks_bytes`` (what bench-panel adds to a worker's memory for a county of millions) counts what the
    blocks hold: nothing when the county multiplies whole."""
    weights = county.ties.weights
    blocks = tie_product(weights, block)
    held = sum(a.nbytes for b in blocks.blocks for a in b[2:]) if isinstance(blocks, ColumnBlocks) else 0
    assert blocks_bytes(weights.shape[1], weights.nnz, block) == held
