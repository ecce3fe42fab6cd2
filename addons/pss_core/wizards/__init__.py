from . import pss_message_edit_wizard
