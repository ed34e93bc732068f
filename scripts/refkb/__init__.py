"""refkb: build an MkDocs research knowledge base from one BibTeX file."""

__version__ = "0.2.0"
