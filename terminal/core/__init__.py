"""Domain core: money, models, the cashier flow. Imports nothing else of the project, no Qt, no I/O."""
