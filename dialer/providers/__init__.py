"""dialer.providers"""
