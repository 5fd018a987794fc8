"""yibao-terminal: cashier-desk terminal for medical-insurance direct settlement."""
try:
    from importlib.metadata import PackageNotFoundError, version as _version

    __version__ = _version("yibao-terminal")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.2.0"
