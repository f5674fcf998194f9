"""T.nnet: neural-network functions (placeholder module filled by its family)."""
