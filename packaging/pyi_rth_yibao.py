"""PyInstaller runtime hook of yibao-terminal (runs before the app's first import in the frozen program).

1. zbar: pyzbar finds libzbar with ``ctypes.util.find_library("zbar")``, which on Linux asks ldconfig/gcc and
   never looks inside the bundle. The build puts ``libzbar.so.0`` at the top of the contents directory
   (``sys._MEIPASS``); point find_library there. (On Windows pyzbar loads its DLLs from its own package dir,
   which the spec collects; PyInstaller already patches find_library there.)
2. The vpcd client (``drivers.virtual.vpcd``: a virtual card served to vsmartcard's vpcd driver) is excluded
   from the build: packaged terminals never use or need vsmartcard. ``drivers.virtual`` still imports its
   names, so an inert stand-in is registered; training mode uses the in-process virtual card reader.
"""


def _pyi_rthook_yibao() -> None:
    import ctypes.util
    import os
    import sys
    import types

    base = getattr(sys, "_MEIPASS", os.path.dirname(os.path.abspath(sys.executable)))
    bundled = {"zbar": ("libzbar.so.0", "libzbar.so", "libzbar.0.dylib")}
    original = ctypes.util.find_library

    def find_library(name):  # noqa: ANN001 - same signature as ctypes.util.find_library
        for fname in bundled.get(name, ()):
            path = os.path.join(base, fname)
            if os.path.isfile(path):
                return path
        return original(name)

    find_library.__wrapped__ = original  # type: ignore[attr-defined]
    ctypes.util.find_library = find_library

    name = "drivers.virtual.vpcd"
    if name not in sys.modules:
        stub = types.ModuleType(name, "Not in the packaged build: vsmartcard/vpcd is never shipped. "
                                      "Training mode uses the in-process virtual card reader.")
        port = 35963
        readers = {35963: "Virtual PCD 00 00", 35964: "Virtual PCD 00 01"}

        class VpcdUnavailable(ConnectionError):
            """vpcd is not part of the packaged terminal."""

        class VirtualCard:
            def __init__(self, *args, **kwargs):
                raise VpcdUnavailable("vpcd (vsmartcard) is not part of the packaged terminal; "
                                      "use the in-process virtual card (yibao-terminal demo / [card] virtual)")

        def reader_name_for_port(p: int) -> str:
            return readers.get(p, f"Virtual PCD 00 {p - port:02d}")

        VpcdUnavailable.__module__ = VirtualCard.__module__ = reader_name_for_port.__module__ = name
        stub.__dict__.update(VPCD_HOST="127.0.0.1", VPCD_PORT=port, VPCD_READERS=readers,
                             VpcdUnavailable=VpcdUnavailable, VirtualCard=VirtualCard,
                             reader_name_for_port=reader_name_for_port, PACKAGED_STUB=True)
        sys.modules[name] = stub


_pyi_rthook_yibao()
del _pyi_rthook_yibao
