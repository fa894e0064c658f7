API_KEY = "sandbox-calledin-key"
def routes(sandbox):
    class S:
        def reset(self): pass
    return [], S()
