"""dialer.core"""
