from . import pss_system_credential_wizard
