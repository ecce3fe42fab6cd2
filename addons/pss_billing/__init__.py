from . import models, wizard


def post_init_hook(env):
    """Time that came from a PSA before this addon was installed was
    approved there: mark it approved."""
    env.cr.execute(
        """
        UPDATE account_analytic_line SET pss_approved = TRUE
         WHERE pss_system_id IS NOT NULL AND project_id IS NOT NULL
           AND pss_approved IS NOT TRUE
        """
    )
