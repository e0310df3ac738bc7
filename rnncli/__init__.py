"""rnncli: look at text through small recurrent neural networks.

The package is a library first; `rnncli.cli` is a thin Typer layer over it.
Inference (`rnncli.tagger`) needs only numpy; training needs torch.
"""

__version__ = "0.1.0"
