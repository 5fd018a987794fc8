"""Put on PYTHONPATH by scripts/run-tests for the non-UI tests: importing PySide6 (or shiboken6) fails, in the
test process and in every process it starts, so any code outside terminal/ui that reaches Qt is caught."""
import sys
from importlib.abc import MetaPathFinder

BLOCKED = ("PySide6", "shiboken6")


class _NoQt(MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"{fullname} is blocked: this run proves the non-UI code needs no Qt",
                                      name=fullname)
        return None


sys.meta_path.insert(0, _NoQt())
