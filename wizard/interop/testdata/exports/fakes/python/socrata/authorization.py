"""Stand-in for socrata.authorization (socrata-py 1.2)."""

from socrata import _log


class Authorization(object):
    def __init__(self, domain, username, password, request_id_prefix=""):
        self.domain = domain
        self.username = username
        self.password = password
        _log("auth domain=%s login=%s secret_length=%d" % (domain, username, len(password)))
