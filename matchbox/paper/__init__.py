"""Paper in, marks out: sheets printed to be read back (comb fields, corner markers, a QR code per page), and
photos or scans of them read by the engine's own CNN, then graded exactly as a workbook is.

OpenCV and pdfium are optional (`pip install matchbox[paper]`): they are imported where they are needed.
"""
