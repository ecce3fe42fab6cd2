/** @odoo-module */
/* The finance controller closes April in the browser, step by step, from
the month-end close screen: approves the waiting invoice, runs
intercompany, resolves the mismatch and the variance with a reason, signs
off the reconciliation and sets the lock date. Run by
tests/test_close_finance_tour.py, which seeds April (a draft waiting for
approval, one variance, an invoice to the other entity without its bill). */
import {openIntegrationsMenu} from "@pss_core/../tests/tours/pss_tour_utils";
import {registry} from "@web/core/registry";

const FORM = ".o_form_view .o_pss_close_checklist";
const BACK = {
    content: "Back to the close",
    trigger: `.o_breadcrumb .breadcrumb-item a:contains("2026-04")`,
    run: "click",
};

registry.category("web_tour.tours").add("pss_close_finance_tour", {
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
            content: "Open the entity's close of April",
            trigger: `.o_list_view .o_data_row:contains("2026-04") td.o_data_cell[name="name"]`,
            run: "click",
        },
        // 3b. Drafts to approve
        {
            content: "One invoice waits for approval: approve and post it",
            trigger: `${FORM} button[name="action_approve_drafts"]`,
            extra_trigger: `${FORM} .o_pss_close_draft_invoice:contains("1 to approve")`,
            run: "click",
        },
        {
            content: "Nothing left to approve",
            trigger: `${FORM} .o_pss_close_draft_invoice:contains("0 to approve")`,
            isCheck: true,
        },
        // 4a. Intercompany run
        {
            content: "Run intercompany",
            trigger: `${FORM} button[name="action_run_intercompany"]`,
            run: "click",
        },
        {
            content: "The run opened, done",
            trigger: `.o_form_view .o_statusbar_status button.o_arrow_button_current:contains("Done")`,
            isCheck: true,
        },
        BACK,
        // 4b. Intercompany mismatch
        {
            content: "The run found one mismatch: open it",
            trigger: `${FORM} .o_pss_close_ic_mismatch:contains("1 mismatched")`,
            run: "click",
        },
        {
            content: "Resolve with reason",
            trigger: `.o_list_view .o_data_row button[name="action_open_resolve"]`,
            run: "click",
        },
        {
            content: "Give the reason",
            trigger: `div[name="reason"] textarea`,
            run: "text US bill in transit, booked on 2 May",
        },
        {
            content: "Resolve",
            trigger: `.modal-footer button[name="action_confirm"]`,
            run: "click",
        },
        {
            content: "Resolved: no mismatch left in the list",
            trigger: `.o_list_view .o_list_table:not(:has(.o_data_row))`,
            extra_trigger: `body:not(:has(.modal))`,
            isCheck: true,
        },
        BACK,
        // 5b. Variances
        {
            content: "No mismatch left; open the variance",
            trigger: `${FORM} .o_pss_close_variance:contains("1 open")`,
            extra_trigger: `${FORM} .o_pss_close_ic_mismatch:contains("0 mismatched")`,
            run: "click",
        },
        {
            content: "Open the variance",
            trigger: `.o_list_view .o_data_row td.o_data_cell[name="label"]`,
            run: "click",
        },
        {
            content: "Give the reason",
            trigger: `.o_form_view div[name="resolution"] textarea`,
            run: "text PSA export missed Friday's lines; confirmed with the PSA team",
        },
        {
            content: "Resolve",
            trigger: `.o_form_view .o_form_statusbar button[name="action_resolve"]`,
            run: "click",
        },
        {
            content: "Resolved",
            trigger: `.o_form_view .o_form_statusbar button[name="action_reopen"]`,
            isCheck: true,
        },
        BACK,
        // 5c. Sign-off
        {
            content: "No variance left; open the run to sign off",
            trigger: `${FORM} button[name="action_open_recon_run"]`,
            extra_trigger: `${FORM} .o_pss_close_variance:contains("0 open")`,
            run: "click",
        },
        {
            content: "Sign off",
            trigger: `.o_form_view .o_form_statusbar button[name="action_sign_off"]`,
            run: "click",
        },
        {
            content: "Confirm",
            trigger: `.modal-footer .btn-primary`,
            run: "click",
        },
        {
            content: "Signed off",
            trigger: `.o_form_view .o_statusbar_status button.o_arrow_button_current:contains("Signed")`,
            isCheck: true,
        },
        BACK,
        // 7. The lock
        {
            content: "Everything above is done: set the lock date",
            trigger: `${FORM} button[name="action_set_lock_date"]`,
            extra_trigger: `${FORM} .o_pss_close_signed:contains("1 signed")`,
            run: "click",
        },
        {
            content: "Locked",
            trigger: `.o_form_view .o_statusbar_status button.o_arrow_button_current:contains("Locked")`,
            isCheck: true,
        },
    ],
});
