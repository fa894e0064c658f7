"""dialer.ui"""
