/** @odoo-module */
/* Steps shared by the pss tours (pss_core and the addons on top of it). */
import {stepUtils} from "@web_tour/tour_service/tour_utils";

/**
 * The steps that open a menu item of the Integrations app: the app, the
 * navbar's section, then its item (each named and given by XML id).
 */
export function openIntegrationsMenu(section, sectionXmlid, item, itemXmlid) {
    return [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open the Integrations app",
            trigger: `.o_app[data-menu-xmlid="pss_core.pss_menu_root"]`,
            run: "click",
        },
        {
            content: section,
            trigger: `.o_main_navbar [data-menu-xmlid="${sectionXmlid}"]`,
            run: "click",
        },
        {
            content: item,
            trigger: `.dropdown-item[data-menu-xmlid="${itemXmlid}"]`,
            run: "click",
        },
    ];
}
