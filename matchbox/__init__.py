"""matchbox: teach how neural networks learn, one hand-computed update at a time."""

__version__ = "0.1.0"

# Bumped whenever a workbook's layout or stored parameters change in a way older readers cannot follow.
FORMAT_VERSION = 1
