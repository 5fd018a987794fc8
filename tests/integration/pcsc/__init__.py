"""Integration tests against a real pcscd with vpcd and the virtual social security card (marker: pcsc)."""
