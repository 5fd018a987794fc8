"""A virtual social security card: profiles from the sandbox persons, an APDU processor answering like a
real card, a vpcd client (card in a virtual PC/SC reader) and an in-process reader for training mode.

    VirtualCard(profile_for("hainan-retiree")).insert()     # card in "Virtual PCD 00 00" (pcscd + vpcd)
    VirtualCardReader(named_profile("gen3")).read()         # no PC/SC at all

Command line: python -m drivers.virtual --person hainan-retiree [--kind t0] [--port 35963]
"""
from .card import ApduProcessor, build_files
from .inprocess import READER_NAME, VirtualCardReader
from .profiles import (GEN3_LOCKED, KINDS, CardProfile, load_persons, make_atr, named_profile, person_keys,
                       persons_path, profile_for, resolve_profile)

_VPCD_NAMES = {"VPCD_HOST", "VPCD_PORT", "VPCD_READERS", "VirtualCard", "VpcdUnavailable", "reader_name_for_port"}


def __getattr__(name: str):
    """The vpcd client (tests and training with pcscd only) is imported on first use, never by the app."""
    if name in _VPCD_NAMES:
        from . import vpcd

        return getattr(vpcd, name)
    raise AttributeError(name)

__all__ = [
    "ApduProcessor", "build_files", "READER_NAME", "VirtualCardReader", "GEN3_LOCKED", "KINDS", "CardProfile",
    "load_persons", "make_atr", "named_profile", "person_keys", "persons_path", "profile_for",
    "resolve_profile", "VPCD_HOST", "VPCD_PORT", "VPCD_READERS", "VirtualCard", "VpcdUnavailable",
    "reader_name_for_port",
]
