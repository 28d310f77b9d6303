"""The checking page's address as a QR code (PyPI segno), drawn as inline SVG for the printed sheets, the
instructor's guides and the slides."""
from __future__ import annotations

import re


def qr_svg(url: str) -> str:
    """The address as a QR code, inline SVG: one path of the dark modules of segno.make(url), row by row,
    with the quiet zone of 4 modules a reader needs."""
    import segno
    matrix = [list(row) for row in segno.make(url, error="m").matrix]
    n, border = len(matrix), 4
    runs = []
    for y, row in enumerate(matrix):
        x = 0
        while x < n:
            if row[x]:
                start = x
                while x < n and row[x]:
                    x += 1
                runs.append(f"M{start + border} {y + border}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    size = n + 2 * border
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="qr" viewBox="0 0 {size} {size}" '
            f'shape-rendering="crispEdges"><rect width="{size}" height="{size}" fill="#fff"/>'
            f'<path fill="#000" d="{"".join(runs)}"/></svg>')


def qr_matrix(svg: str) -> list[list[int]]:
    """The modules drawn by qr_svg, read back from its markup (for the tests: a QR reader's view of it)."""
    size = int(re.search(r'viewBox="0 0 (\d+) \1"', svg).group(1))
    n, border = size - 8, 4
    matrix = [[0] * n for _ in range(n)]
    for x, y, w in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\3z", svg):
        for i in range(int(w)):
            matrix[int(y) - border][int(x) - border + i] = 1
    return matrix
