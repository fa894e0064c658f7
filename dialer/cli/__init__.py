"""dialer.cli"""
