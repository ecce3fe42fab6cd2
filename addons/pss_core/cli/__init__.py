from . import reencrypt
