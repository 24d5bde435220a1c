"""What the local pool's forkserver imports last (``runner.PRELOAD``), before it forks any worker: the model's
compiled loops, loaded there once (``model.kernels.warm``, about a quarter of a second), so that no worker loads them
again for its first county. Imported anywhere else, it does the same in that process."""

from model.kernels import warm

warm()
