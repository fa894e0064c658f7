"""dialer.service"""
