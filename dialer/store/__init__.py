"""dialer.store"""
