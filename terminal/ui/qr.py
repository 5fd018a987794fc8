"""QR codes as Qt images (qrcode lib -> module matrix -> QImage), crisp at any size."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap


def qr_matrix(text: str, border: int = 2) -> list[list[bool]]:
    import qrcode  # here, not at the top: qrcode pulls in PIL, which the login screen does not need
    import qrcode.constants

    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=1, border=border)
    qr.add_data(text)
    qr.make(fit=True)
    return qr.get_matrix()


def qr_image(text: str, size: int = 240, border: int = 2) -> QImage:
    """A square QImage of about ``size`` pixels (rounded to whole modules so edges stay sharp)."""
    m = qr_matrix(text, border)
    n = len(m)
    box = max(1, size // n)
    img = QImage(n * box, n * box, QImage.Format.Format_RGB32)
    img.fill(QColor("white"))
    p = QPainter(img)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor("black"))
    for y, row in enumerate(m):
        for x, dark in enumerate(row):
            if dark:
                p.drawRect(x * box, y * box, box, box)
    p.end()
    return img


def qr_pixmap(text: str, size: int = 240, border: int = 2) -> QPixmap:
    return QPixmap.fromImage(qr_image(text, size, border))
