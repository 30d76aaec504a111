"""Language models behind one streaming protocol: local transformers or an OpenAI-compatible server."""

from .base import LLMBackend, LLMError, LLMMessage, default_llm, get_llm, validate_messages
from .stops import StopScanner

__all__ = ["LLMMessage", "LLMBackend", "LLMError", "StopScanner", "default_llm", "get_llm", "validate_messages"]
