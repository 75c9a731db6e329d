"""The end of a run: the summary, the exit gates and the comparison with a stored baseline."""
