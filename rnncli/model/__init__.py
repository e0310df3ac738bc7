"""A model as a file and as numbers, without torch: what `rnncli tag` loads and runs.

- config.py: `ModelConfig`, a model's architecture.
- vocab.py: string <-> id maps for words, characters and labels.
- encoding.py: tokenized sentences as padded id arrays.
- model_file.py: the file format (safetensors + JSON metadata): writing, and reading with every field checked.
- bundled.py: the models shipped in pretrained/, and how a name or path on a command line finds a model.
- forward.py: the numpy forward pass, the twin of train/model.py.
- lm_forward.py: a character language model's forward pass, one step at a time, with its state.
- char_cache.py: character features kept per word already seen.
- tagsets.py: tag set names (upos, xpos/ptb).
- task_checks.py: what a model file's metadata must hold for its task.
"""
