"""Scanning: QR codes and barcodes from images and camera frames, and from keyboard-wedge scanners.

* ``decode``   images / frames -> codes (pyzbar, optional zxing-cpp), a bounded preprocessing cascade;
               ``FrameDecoder`` is the ``CodeScanner`` implementation;
* ``classify`` scanned text -> e-code / payment code / bill or drug barcode / URL / junk, with the message
               the cashier sees;
* ``wedge``    keystroke bursts of a 2D scanner vs. a person typing (pure logic; the Qt filter is
               terminal/ui/wedge.py);
* ``qrimage``  rendering QR codes and EAN-13 barcodes; ``synth`` synthetic camera frames for tests/bench.

No Qt here (import-linter contract).
"""
