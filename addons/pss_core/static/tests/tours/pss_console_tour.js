/** @odoo-module */
/* An integration manager in the console: the messages list filtered to dead
messages, one opened, its payload corrected and replayed. Run by
tests/test_console_tour.py, which seeds one dead message (external id
TOUR-1) whose payload asks the test handler for a data error. */
import {openIntegrationsMenu} from "@pss_core/../tests/tours/pss_tour_utils";
import {registry} from "@web/core/registry";

registry.category("web_tour.tours").add("pss_console_tour", {
    test: true,
    url: "/web",
    steps: () => [
        ...openIntegrationsMenu(
            "Queue",
            "pss_core.pss_menu_queue",
            "Messages",
            "pss_core.pss_message_menu"
        ),
        {
            content: "Open the filters",
            trigger: `.o_control_panel .o_searchview_dropdown_toggler`,
            run: "click",
        },
        {
            content: "Only dead messages",
            trigger: `.o_filter_menu .o_menu_item:contains("Dead")`,
            run: "click",
        },
        {
            content: "Close the filters",
            trigger: `.o_searchview_facet:contains("Dead")`,
            extra_trigger: `.o_filter_menu`,
            run() {
                document
                    .querySelector(".o_control_panel .o_searchview_dropdown_toggler")
                    .click();
            },
        },
        {
            content: "The list shows the dead message, and nothing done",
            trigger: `.o_list_view:not(:has(.o_data_row:contains("Done"))) .o_data_row:contains("Dead")`,
            extra_trigger: `body:not(:has(.o_filter_menu))`,
            run() {
                const rows = document.querySelectorAll(".o_list_view .o_data_row");
                const states = [...rows].map((row) =>
                    row.querySelector('[name="state"]').innerText.trim().toLowerCase()
                );
                if (!states.length || states.some((state) => state !== "dead")) {
                    throw new Error(`Dead filter shows ${states.join(", ")}`);
                }
            },
        },
        {
            content: "Open it",
            trigger: `.o_list_view .o_data_row:contains("Dead") td.o_data_cell`,
            run: "click",
        },
        {
            content: "The banner says why it died",
            trigger: `.o_form_view .alert-danger:contains("amount does not match")`,
            isCheck: true,
        },
        {
            content: "Edit payload and replay",
            trigger: `.o_form_view .o_form_statusbar button[name="action_edit_payload"]`,
            run: "click",
        },
        {
            content: "Correct the payload",
            trigger: `.o_field_widget[name="payload_text"] .ace_editor`,
            extra_trigger: `.modal-title:contains("Edit payload and replay")`,
            run() {
                const editor = window.ace.edit(this.$anchor[0]);
                editor.setValue(editor.getValue().replace('"data"', '"ok"'));
            },
        },
        {
            content: "Save and replay",
            trigger: `.modal-footer button[name="action_apply"]`,
            run: "click",
        },
        {
            content: "The message is queued again",
            trigger: `.o_form_view .o_statusbar_status button[data-value="pending"][aria-checked="true"]`,
            extra_trigger: `body:not(:has(.modal))`,
            allowDisabled: true, // the current step of a status bar is disabled
            isCheck: true,
        },
    ],
});
