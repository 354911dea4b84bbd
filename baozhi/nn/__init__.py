"""The network, its character tokenizer and its feature arrays: what both inference
(`extract/neural.py`) and training (`learn/`) need, never datasets. Inference goes through
`runtime` (numpy in and out); torch and transformers are imported only by the torch backend,
by export and by training."""
