"""The learned extractor: corpora → character tokenizer → encoder → token tags + relations."""
