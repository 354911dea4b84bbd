"""The network, its character tokenizer and its feature arrays: what both inference
(`extract/neural.py`) and training (`learn/`) need. torch and transformers, never datasets."""
