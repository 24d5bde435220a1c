"""The shared machinery of every experiment: the spec engine, the results store, the executors and the
loop that runs tasks into a store. It imports no subsystem (``sweep``, ``calibration``, ``panel``,
``reports``): they import it."""
