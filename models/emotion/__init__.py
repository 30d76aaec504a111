"""Text emotion classification (lexicons + rules) shared by dialogue and voice."""

from .lexicon import classify_emotion, emotion_scores

__all__ = ["classify_emotion", "emotion_scores"]
