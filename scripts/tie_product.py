"""The tie product of a county, whole and in column blocks (model.network.ColumnBlocks): ms per product, and
whether every row's sum is the same to the last bit.

    .venv/bin/python scripts/tie_product.py --residents 1000000 2000000 3000000 [--blocks 1000000 1500000]

Builds only the county and its ties (the nation's typical county, experiments.bench.panel.typical_county),
multiplies a vector of its size, best of three rounds of three products. The model uses blocks of at most
``PRODUCT_BLOCK`` columns.
"""

import argparse
import os
import sys
import timeit

import numpy as np

sys.path.insert(0, os.getcwd())  # the checkout to measure is the current directory's

from experiments.bench.panel import NATIONAL, typical_county  # noqa: E402
from experiments.panel.spec import load_panel_spec  # noqa: E402
from model.network import PRODUCT_BLOCK, ColumnBlocks, build_ties  # noqa: E402
from model.parameters import make_params  # noqa: E402
from model.population import build_county  # noqa: E402
from model.threads import pin_process  # noqa: E402


def best_ms(product, v) -> float:
    """Best of three rounds of three ``product @ v``, in ms."""
    return min(timeit.repeat(lambda: product @ v, number=3, repeat=3)) / 3 * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--residents", nargs="+", type=int, default=[1_000_000, 2_000_000, 3_000_000])
    parser.add_argument("--blocks", nargs="+", type=int, default=[1_000_000, PRODUCT_BLOCK])
    args = parser.parse_args()
    pin_process()
    county_mix = typical_county(load_panel_spec(NATIONAL))
    for n in args.residents:
        p = make_params({**county_mix, "n_residents": n})
        rng = np.random.default_rng(1)
        weights = build_ties(p, rng, build_county(p, rng)).weights
        v = rng.random(n)
        whole = weights @ v
        line = [f"{n:,} residents ({weights.nnz / n:.2f} ties each): whole {best_ms(weights, v):.1f} ms"]
        for block in args.blocks:
            if block >= n:
                continue
            blocks = ColumnBlocks(weights, block)
            same = np.array_equal((blocks @ v).view(np.int64), whole.view(np.int64))
            line.append(f"{len(blocks.blocks)} blocks of {block:,} at most {best_ms(blocks, v):.1f} ms "
                        f"({'the same sums' if same else 'DIFFERENT SUMS'})")
        print("; ".join(line), flush=True)


if __name__ == "__main__":
    main()
