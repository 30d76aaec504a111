"""The vhuman API server: chat, reporter Q&A, shows, host control, metrics, viewer page."""

from .app import create_app, serve
from .settings import ServerSettings
from .state import AppState, Backends, ShowSession

__all__ = ["AppState", "Backends", "ServerSettings", "ShowSession", "create_app", "serve"]
