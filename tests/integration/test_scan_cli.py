"""The e-code credential for `settle --ecode-image` end to end through the sandbox's e-voucher service over HTTP."""
from __future__ import annotations

import random
from types import SimpleNamespace

import pytest
from PIL import Image

from drivers.scanner.synth import make_frame
from terminal.commands import ecode as ecode_cmd


def test_credential_through_the_sandbox_e_voucher_service(tmp_path):
    """End to end: the sandbox issues an e-code, it is photographed (hard frame), decoded, exchanged."""
    from terminal import config as config_mod
    from terminal.core.models import CertType
    from terminal.sandbox.server import SandboxServer

    with SandboxServer(db_path=tmp_path / "sandbox.sqlite") as srv:
        code, _ = srv.issue_ecode("hainan-retiree")
        frame = make_frame(random.Random(3), ecode=code)
        Image.fromarray(frame.gray).save(tmp_path / "phone.png")
        args = SimpleNamespace(ecode=None, ecode_image=str(tmp_path / "phone.png"), config=None)
        cred = ecode_cmd.credential_from_args(args, cfg=config_mod.Config(), platform_url=srv.url)
    assert cred.cert_type == CertType.ECODE and cred.cert_no and len(cred.cert_no) <= 40
    with pytest.raises(ecode_cmd.EcodeInputError, match="ecode_url"):
        ecode_cmd.credential_from_args(SimpleNamespace(ecode=code, ecode_image=None), cfg=config_mod.Config())
