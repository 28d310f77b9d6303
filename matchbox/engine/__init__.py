"""The NumPy reference engine.

It knows nothing of worksheets, spreadsheets or the command line: the hand exercises and full-scale
training call the same functions, so a number a learner computes by hand is a number the engine computes.
"""
