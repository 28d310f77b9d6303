"""Past the workshop laptop: what matchbox computed, written out for PyTorch and ONNX.

- `model.py`: a model saved by `matchbox train` as a standalone PyTorch module, its weights and a check
  script, or as an ONNX file;
- `hand.py`: a hand exercise (a kind and seed, a spec, or a learner's workbook) as a short PyTorch script that
  computes the sheet's quantities with autograd and prints them beside the sheet's names.

torch and onnx are optional (`pip install matchbox[torch]`): they are imported where they are needed.
"""
