"""ProdOps: carry software products from development into operational ownership."""

__version__ = "0.1.0"
