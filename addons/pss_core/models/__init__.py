from . import res_company
from . import pss_system
from . import pss_handler
from . import pss_message_record
from . import pss_message
from . import pss_binding
from . import pss_value_map
