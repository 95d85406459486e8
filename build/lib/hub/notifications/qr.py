"""QR codes drawn here (segno), never by an outside service: the LINE friend link on the settings page."""

from __future__ import annotations

import io

import segno


def qr_svg(text: str) -> bytes:
    """``text`` as a standalone SVG QR code: dark on white with the standard quiet zone, scaled so
    that a phone camera reads it from the screen at arm's length."""
    code = segno.make(text, error="m")
    out = io.BytesIO()
    code.save(out, kind="svg", scale=6, border=4, dark="#000000", light="#ffffff", xmldecl=False, title=None)
    return out.getvalue()
