"""dialer.desktop"""
