"""Customer lifetime value: historical value, predictive models (BG/NBD, Pareto/NBD,
Gamma-Gamma), their validation, the traits written back, and unit economics."""
