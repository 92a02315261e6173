"""localqa: cited answers from private documents, entirely offline.

Importing this package must stay cheap: no torch, chromadb, llama_cpp or textual here.
"""

__version__ = "0.1.0"
