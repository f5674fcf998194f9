"""Backends that run FunctionGraphs. Only torch, for now: see link/torch."""
