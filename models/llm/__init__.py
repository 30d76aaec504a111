"""Language models behind one streaming protocol: local transformers or an OpenAI-compatible server."""

from .base import ChatMessage, LLMBackend, LLMError, default_llm, get_llm, validate_messages
from .stops import StopScanner

__all__ = ["ChatMessage", "LLMBackend", "LLMError", "StopScanner", "default_llm", "get_llm", "validate_messages"]
