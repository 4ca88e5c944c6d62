"""Probability models of purchasing (BG/NBD, Pareto/NBD) and spend (Gamma-Gamma)."""
