"""undex: automated subject indexing of United Nations documents with the UNBIS Thesaurus."""

__version__ = "0.1.0"
