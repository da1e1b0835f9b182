"""Safety checks on free text: crisis detection and free-text routing.

Plain Python (no Flask) so the engine, the transports and the benchmark
can all call it.
"""
