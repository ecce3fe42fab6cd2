/** @odoo-module */
/* A finance controller opens the month-end close of the last closed month
(Integrations → Finance → Month-end close), follows the first step's figure
to the dead message behind it, comes back and presses "Set the lock date",
which refuses and lists what blocks. Run by tests/test_close_tour.py, which
seeds one dead message and a controller of one entity. */
import {openIntegrationsMenu} from "@pss_core/../tests/tours/pss_tour_utils";
import {registry} from "@web/core/registry";

registry.category("web_tour.tours").add("pss_close_tour", {
    test: true,
    url: "/web",
    steps: () => [
        ...openIntegrationsMenu(
            "Finance",
            "pss_reconcile.pss_reconcile_menu_finance",
            "Month-end close",
            "pss_reconcile.pss_close_menu"
        ),
        {
            content: "Open the entity's close of the last closed month",
            trigger: `.o_list_view .o_data_row td.o_data_cell[name="name"]`,
            run: "click",
        },
        {
            content: "The checklist: the failed messages step is to do",
            trigger: `.o_pss_close_checklist .o_pss_close_message:contains("1 message"):not(:contains("1 messages"))`,
            run: "click",
        },
        {
            content: "The figure opened the dead message behind it",
            trigger: `.o_breadcrumb:contains("Dead, parked and retrying messages")`,
            extra_trigger: `.o_list_view .o_data_row`,
            isCheck: true,
        },
        {
            content: "Back to the close",
            trigger: `.o_breadcrumb .breadcrumb-item a:contains("20")`,
            run: "click",
        },
        {
            content: "Set the lock date",
            trigger: `.o_form_view .o_form_statusbar button[name="action_set_lock_date"]`,
            run: "click",
        },
        {
            content: "Refused: the dialog lists what blocks",
            trigger: `.modal-body:contains("cannot be locked yet"):contains("no billing run of the period")`,
            isCheck: true,
        },
        {
            content: "Close the dialog",
            trigger: `.modal-footer .btn-primary`,
            run: "click",
        },
        {
            content: "The form is still there, not locked",
            trigger: `.o_form_view .o_pss_close_checklist`,
            isCheck: true,
        },
    ],
});
