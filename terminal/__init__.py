"""yibao-terminal: cashier-desk terminal for medical-insurance direct settlement."""
__version__ = "0.1.0"
