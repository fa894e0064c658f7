"""dialer.sandbox"""
