/** @odoo-module */
/* A pss User (the demo's viewer) finds no cost anywhere: run by
tests/test_security_privilege.py on the unbilled time (WIP) action's pivot
and list, and on the Integration control dashboard. On every view: no label, column, measure or optional column
says "Cost", and the resource's hourly cost (87.25, and the line's 349.00)
appears nowhere. */
import {registry} from "@web/core/registry";

const SECRETS = ["Cost", "87.25", "349.00", "349,00"];

function assertNoCost(where) {
    const text = document.body.innerText;
    for (const secret of SECRETS) {
        if (text.includes(secret)) {
            throw new Error(`"${secret}" is shown (${where})`);
        }
    }
    if (document.querySelector(".o_error_dialog")) {
        throw new Error(`An error dialog opened (${where})`);
    }
}

registry.category("web_tour.tours").add("pss_viewer_no_cost_tour", {
    test: true,
    steps: () => [
        {
            content: "The view has loaded its records",
            trigger: [
                ".o_content .o_pivot table",
                ".o_list_view .o_data_row",
                ".o_content .o_kanban_record:not(.o_kanban_ghost)",
            ].join(", "),
            run() {
                assertNoCost("the view");
                // What the view offers beyond what it shows: the pivot's
                // measures, the list's optional columns.
                const more = document.querySelector(
                    ".o_pivot_buttons button.dropdown-toggle, .o_optional_columns_dropdown_toggle"
                );
                if (more) {
                    more.click();
                }
            },
        },
        {
            content: "No cost among the measures or optional columns either",
            trigger: `.o-dropdown--menu .dropdown-item, .o_kanban_view`,
            run() {
                assertNoCost("measures or optional columns");
            },
        },
    ],
});
