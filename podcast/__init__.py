"""podcast: turn recorded interviews into a mastered, transcribed, accessible podcast."""

__version__ = "0.1.0"
__all__ = ["__version__"]
