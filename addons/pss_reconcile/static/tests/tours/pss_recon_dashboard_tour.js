/** @odoo-module */
/* A finance controller at month end: the control dashboard, the open
variances tile of the German entity (the test fixtures' "PSS Consulting
GmbH"), its variance, resolved with a reason. Run by
tests/test_reconcile_tour.py, which seeds exactly one open variance. */
import {openIntegrationsMenu} from "@pss_core/../tests/tours/pss_tour_utils";
import {registry} from "@web/core/registry";

registry.category("web_tour.tours").add("pss_recon_dashboard_tour", {
    test: true,
    url: "/web",
    steps: () => {
        const entity = "PSS Consulting GmbH";
        return [
            ...openIntegrationsMenu(
                "Finance",
                "pss_reconcile.pss_reconcile_menu_finance",
                "Integration control",
                "pss_reconcile.pss_recon_dashboard_menu"
            ),
            {
                content: "The dashboard shows the entity's card",
                trigger: `.o_pss_recon_dashboard .o_kanban_record:contains("${entity}")`,
                isCheck: true,
            },
            {
                content: "Open the entity's open variances",
                trigger: `.o_kanban_record:contains("${entity}") .o_pss_tile_variances`,
                run: "click",
            },
            {
                content: "The tile opened the variance behind its number",
                trigger: `.o_breadcrumb:contains("Open variances")`,
                isCheck: true,
            },
            {
                content: "Open the variance",
                trigger: `.o_data_row:contains("Variance") td.o_data_cell[name="label"]`,
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
                content: "Resolved: the line can be reopened, no longer resolved",
                trigger: `.o_form_view .o_form_statusbar button[name="action_reopen"]`,
                extra_trigger: `.o_form_view div[name="resolved_by_id"]`,
                isCheck: true,
            },
        ];
    },
});
