/** @odoo-module */
/* A pss User without HR rights opens a resource.upserted message (the test
starts on its form) and follows its Records smart button: the employee
opens as the public employee, without an error. Run by
tests/test_security_privilege.py, which names the resource "Tour Resource
Person". */
import {registry} from "@web/core/registry";

registry.category("web_tour.tours").add("pss_viewer_records_tour", {
    test: true,
    steps: () => [
        {
            content: "The message's Records smart button",
            trigger: `.o_form_view button[name="action_view_records"]`,
            run: "click",
        },
        {
            content: "The employee opens, as the public employee",
            trigger: `.o_last_breadcrumb_item:contains("Tour Resource Person")`,
            extra_trigger: `.o_form_view`,
            run() {
                if (document.querySelector(".o_error_dialog")) {
                    throw new Error("An error dialog opened");
                }
                if (!window.location.href.includes("hr.employee.public")) {
                    throw new Error(`Opened ${window.location.href}`);
                }
                // No cost on the employee either (the test gives the
                // resource an hourly cost of 87.25).
                for (const secret of ["Cost", "87.25"]) {
                    if (document.body.innerText.includes(secret)) {
                        throw new Error(`"${secret}" is shown on the employee`);
                    }
                }
            },
        },
    ],
});
