"""Adapters: the ports implemented with real technology (or plain memory)."""
