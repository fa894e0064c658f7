CLIENT_ID = "sandbox-rc-client-id"
CLIENT_SECRET = "sandbox-rc-client-secret"
USERNAME = "+15555550100"
PASSWORD = "sandbox-rc-password"
JWT = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJzYW5kYm94In0.sandbox-jwt"
def routes(sandbox):
    class S:
        def reset(self): pass
    return [], S()
