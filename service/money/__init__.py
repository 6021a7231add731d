"""Money: fund standards, awards and instalments, budgets, payment batches with the bank, reports."""
